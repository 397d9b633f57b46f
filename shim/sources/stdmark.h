/*
 * A stdio call's flush into a pipe of the tree carries its writer's count
 * (stdmark.c, carry.h), as a write(2) does.
 */
#ifndef ND_STDMARK_H
#define ND_STDMARK_H

#include "carry.h"

#include <stddef.h>
#include <stdio.h>

struct nd_stdmark {
	struct nd_carry c; /* c.p NULL: not marked */
	size_t before;     /* bytes the buffer held before the call */
	int fd, out;       /* out: the member left the order around the call */
};

/* Before a call that adds len bytes of data to f (len ND_STDMARK_UNKNOWN:
 * a format, data its text; data NULL and len 0: a flush alone): marks the
 * pipe when the call may flush. */
#define ND_STDMARK_UNKNOWN ((size_t)-1)
struct nd_stdmark nd_stdmark_begin(FILE *f, const char *data, size_t len);
/* The same for len bytes ending in a newline (puts). */
struct nd_stdmark nd_stdmark_begin_line(FILE *f, size_t len);
/* After it: what left the buffer is the mark's write (produced: the bytes
 * the call added). */
void nd_stdmark_end(struct nd_stdmark *m, FILE *f, size_t produced);
/* glibc's stdout itself, whatever the program assigned to `stdout`. */
extern FILE _IO_2_1_stdout_;
/* Whether f buffers bytes for a pipe of the tree. */
int nd_stdmark_pending(FILE *f);

#endif
