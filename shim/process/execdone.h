/*
 * A vfork parent resumes before its child's exec has closed the child's
 * close-on-exec descriptors (execdone.c): it waits for that here.
 */
#ifndef ND_EXECDONE_H
#define ND_EXECDONE_H

#include <sys/types.h>

/* In a vfork child, right before it executes a program: its name (saved
 * into `was`, 16 bytes) reads as "executing" until the exec is done. */
void nd_execdone_begin(char *was);
/* The exec failed: the child's name back. */
void nd_execdone_failed(const char *was);
/* In the parent, once vfork returned child: until the child's exec has
 * closed its close-on-exec descriptors (or it ended; at most about a
 * second). */
void nd_execdone_await(pid_t child);
/* The same after posix_spawn started child on `file`. */
void nd_execdone_spawned(pid_t child, const char *file);

#endif
