/*
 * Process-shared objects ordered by the tree (treesem.c): what the order
 * needs of one — take a unit without waiting, say how many are free, give
 * one back — so semaphores (treesem.c) and mutexes (treemutex.c) share the
 * turn, the stamps of releases and the line. Async-signal-safe.
 */
#ifndef ND_TREEOBJ_H
#define ND_TREEOBJ_H

#include <stdint.h>

struct nd_tree_ops {
	int (*take)(void *obj);  /* 0, EAGAIN when none is free, or another error number */
	int (*units)(void *obj); /* how many are free now */
	int (*give)(void *obj);  /* 0 or an error number */
	/* A take is never passed on to the next in line, however many units
	 * units() says are free after it: a file lock's units() cannot count
	 * the taker's own lock (F_GETLK ignores the caller's), and a hand-off
	 * passed to a waiter that then could not take it still moved its count,
	 * by whether its try came before or after the real release. */
	int exclusive;
};

/* A wait for obj (key: nd_object_key of it) at the member's turn: 0 taken,
 * -EAGAIN (try), -ETIMEDOUT (virtual deadline), -EINTR, another -errno, or
 * 1: the tree cannot order it (no entry or no place in line), the caller
 * waits in the kernel. errno is kept. */
int nd_treeobj_wait(const struct nd_tree_ops *ops, void *obj, uint64_t key, uint64_t deadline, int try);
/* A release, stamped with the member's count, handed to the first in line:
 * 0 or the error number give returned (then nothing is stamped). */
int nd_treeobj_post(const struct nd_tree_ops *ops, void *obj, uint64_t key);

struct nd_tree_waiter;
/* Under the object's lock, after entering its line: a process of one thread
 * about to sleep there is marked lined (woken only by a hand-off, so the
 * others need not read /proc to know it sleeps), unless already handed; a
 * scheduled process's untimed wait is marked to wait in its scheduler
 * (treeline.c). */
void nd_treeobj_line_up(struct nd_tree_waiter *w, uint64_t deadline);
/* Asleep in obj's line (w, entered at the member's turn, with the member
 * marked lined there: nd_treeobj_line_up) until a hand-off wakes it: 1,
 * and the member goes on from the hand-off's count; 0 at the virtual
 * deadline (ND_NO_DEADLINE: none); -EINTR when a handler ran first. No
 * release outside the order is looked for: for lines only the order ends
 * (treebarrier.c, treecond.c). */
int nd_treeobj_sleep(struct nd_tree_waiter *w, uint64_t key, uint64_t deadline);
/* Leaves the line at the member's turn, counted as its event: 1 when a
 * hand-off had woken w. */
int nd_treeobj_leave(struct nd_tree_waiter *w, uint64_t key);

#endif
