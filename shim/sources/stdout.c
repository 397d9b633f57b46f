/*
 * Output through stdio, seen for the tree's order (sources/pipes.c): libc
 * writes a FILE's buffer with its own internal write, which no interposer
 * sees, so two C programs or two shells printing into one pipe or file at
 * the same time would go unreported. Each output call here is the real one
 * followed by a note of the stream's descriptor, made when the call wrote
 * into the buffer: the process that fills a buffer is the one whose data
 * lands there, whenever the flush comes.
 *
 * The inline putc_unlocked of <stdio.h> reaches libc only through
 * __overflow, when a buffer line is full; that is interposed too.
 */
#include "nodice.h"
#include "devices.h"
#include "filetime.h"
#include "writers.h"
#include "stdmark.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* <bits/stdio.h> may define some of them as macros when optimizing. */
#undef fwrite_unlocked
#undef fputs_unlocked
#undef putc
#undef putchar
#undef fputc
#undef puts
#undef printf
#undef fprintf
#undef vprintf

int __overflow(FILE *f, int c);
int __printf_chk(int flag, const char *fmt, ...);
int __fprintf_chk(FILE *f, int flag, const char *fmt, ...);
int __vprintf_chk(int flag, const char *fmt, va_list ap);
int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap);

/* A stream whose channel another member holds: the call, which may flush,
 * is made at the tree's turn (writers.h). */
static inline int turn(FILE *f)
{
	return f && nd_state == 2 ? nd_writers_turn(fileno_unlocked(f)) : 0;
}

static inline void note(FILE *f, int ok, int ordered)
{
	if (ok && f && nd_state == 2)
		nd_pipes_wrote(fileno_unlocked(f), ordered);
	nd_writers_done(ordered);
}

ND_EXPORT size_t fwrite(const void *p, size_t size, size_t n, FILE *f)
{
	ND_ORDERED();
	int ord = turn(f);
	struct nd_stdmark m = nd_stdmark_begin(f, p, size * n);
	size_t r = nd_real.fwrite(p, size, n, f);
	nd_stdmark_end(&m, f, r * size);
	note(f, r > 0, ord);
	return r;
}

ND_EXPORT size_t fwrite_unlocked(const void *p, size_t size, size_t n, FILE *f)
{
	ND_ORDERED();
	int ord = turn(f);
	struct nd_stdmark m = nd_stdmark_begin(f, p, size * n);
	size_t r = nd_real.fwrite_unlocked(p, size, n, f);
	nd_stdmark_end(&m, f, r * size);
	note(f, r > 0, ord);
	return r;
}

ND_EXPORT int fputs(const char *s, FILE *f)
{
	ND_ORDERED();
	int ord = turn(f);
	struct nd_stdmark m = nd_stdmark_begin(f, s, strlen(s));
	int r = nd_real.fputs(s, f);
	nd_stdmark_end(&m, f, r >= 0 ? strlen(s) : 0);
	note(f, r >= 0 && *s, ord);
	return r;
}

ND_EXPORT int fputs_unlocked(const char *s, FILE *f)
{
	ND_ORDERED();
	int ord = turn(f);
	struct nd_stdmark m = nd_stdmark_begin(f, s, strlen(s));
	int r = nd_real.fputs_unlocked(s, f);
	nd_stdmark_end(&m, f, r >= 0 ? strlen(s) : 0);
	note(f, r >= 0 && *s, ord);
	return r;
}

ND_EXPORT int puts(const char *s)
{
	ND_ORDERED();
	int ord = turn(stdout);
	struct nd_stdmark m = nd_stdmark_begin_line(stdout, strlen(s) + 1);
	int r = nd_real.puts(s);
	nd_stdmark_end(&m, stdout, r >= 0 ? strlen(s) + 1 : 0);
	note(stdout, r >= 0, ord);
	return r;
}

ND_EXPORT int fputc(int c, FILE *f)
{
	ND_ORDERED();
	int ord = turn(f);
	char ch = (char)c;
	struct nd_stdmark m = nd_stdmark_begin(f, &ch, 1);
	int r = nd_real.fputc(c, f);
	nd_stdmark_end(&m, f, r != EOF);
	note(f, r != EOF, ord);
	return r;
}

ND_EXPORT int putc(int c, FILE *f)
{
	ND_ORDERED();
	int ord = turn(f);
	char ch = (char)c;
	struct nd_stdmark m = nd_stdmark_begin(f, &ch, 1);
	int r = nd_real.putc(c, f);
	nd_stdmark_end(&m, f, r != EOF);
	note(f, r != EOF, ord);
	return r;
}

ND_EXPORT int putchar(int c)
{
	ND_ORDERED();
	int ord = turn(stdout);
	char ch = (char)c;
	struct nd_stdmark m = nd_stdmark_begin(stdout, &ch, 1);
	int r = nd_real.putchar(c);
	nd_stdmark_end(&m, stdout, r != EOF);
	note(stdout, r != EOF, ord);
	return r;
}

ND_EXPORT int __overflow(FILE *f, int c)
{
	ND_ORDERED();
	int ord = turn(f);
	char ch = (char)c;
	struct nd_stdmark m = c == EOF ? nd_stdmark_begin(f, NULL, 0) : nd_stdmark_begin(f, &ch, 1);
	int r = nd_real.__overflow(f, c);
	nd_stdmark_end(&m, f, r != EOF && c != EOF);
	note(f, r != EOF, ord);
	return r;
}

/* fflush(3): the buffer leaves now. fflush(NULL) flushes every stream: at
 * the turn when any of this process's channels is shared. */
ND_EXPORT int fflush(FILE *f)
{
	ND_ORDERED();
	int ord = f ? turn(f) : nd_state == 2 && nd_writers_turn_any() ? ND_WRITE_COUNTED : 0;
	struct nd_stdmark m = nd_stdmark_begin(f, NULL, 0);
	int r = nd_real.fflush(f);
	nd_stdmark_end(&m, f, 0);
	nd_writers_done(ord);
	return r;
}

/* fclose(3): what the stream still buffers is written first (at the turn,
 * as fflush), then the file is settled (filetime.h), then closed. */
ND_EXPORT int fclose(FILE *f)
{
	ND_ORDERED();
	if (nd_passthrough() || !f)
		return nd_real.fclose(f);
	int fd = fileno(f);
	int settle = fd >= 0 && (nd_filetime_marked(fd) || !nd_filetime_owned(fd));
	if (settle || (fd >= 0 && (nd_writers_any() || nd_stdmark_pending(f))))
		fflush(f); /* at the turn when its channel is shared */
	if (settle)
		nd_filetime_closing(fd);
	return nd_real.fclose(f);
}

/* The printf family: every form is one of these two, with its stream and
 * its arguments (the real functions, not this library's exports, which a
 * program may interpose). */
static int print(FILE *f, const char *fmt, va_list ap)
{
	int ord = turn(f);
	struct nd_stdmark m = nd_stdmark_begin(f, fmt, ND_STDMARK_UNKNOWN);
	int r = nd_real.vfprintf(f, fmt, ap);
	nd_stdmark_end(&m, f, r > 0 ? (size_t)r : 0);
	note(f, r > 0, ord);
	return r;
}

static int print_chk(FILE *f, int flag, const char *fmt, va_list ap)
{
	int ord = turn(f);
	struct nd_stdmark m = nd_stdmark_begin(f, fmt, ND_STDMARK_UNKNOWN);
	int r = nd_real.__vfprintf_chk(f, flag, fmt, ap);
	nd_stdmark_end(&m, f, r > 0 ? (size_t)r : 0);
	note(f, r > 0, ord);
	return r;
}

ND_EXPORT int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	ND_ORDERED();
	return print(f, fmt, ap);
}

ND_EXPORT int vprintf(const char *fmt, va_list ap)
{
	ND_ORDERED();
	return print(stdout, fmt, ap);
}

ND_EXPORT int fprintf(FILE *f, const char *fmt, ...)
{
	ND_ORDERED();
	va_list ap;
	va_start(ap, fmt);
	int r = print(f, fmt, ap);
	va_end(ap);
	return r;
}

ND_EXPORT int printf(const char *fmt, ...)
{
	ND_ORDERED();
	va_list ap;
	va_start(ap, fmt);
	int r = print(stdout, fmt, ap);
	va_end(ap);
	return r;
}

ND_EXPORT int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap)
{
	ND_ORDERED();
	return print_chk(f, flag, fmt, ap);
}

ND_EXPORT int __vprintf_chk(int flag, const char *fmt, va_list ap)
{
	ND_ORDERED();
	return print_chk(stdout, flag, fmt, ap);
}

ND_EXPORT int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
	ND_ORDERED();
	va_list ap;
	va_start(ap, fmt);
	int r = print_chk(f, flag, fmt, ap);
	va_end(ap);
	return r;
}

ND_EXPORT int __printf_chk(int flag, const char *fmt, ...)
{
	ND_ORDERED();
	va_list ap;
	va_start(ap, fmt);
	int r = print_chk(stdout, flag, fmt, ap);
	va_end(ap);
	return r;
}
