/* Which of a member's pipes a wait finds ready (deliver.c): decided by the
 * counts their writes carry, not by which write reached the kernel first. */
#ifndef ND_DELIVER_H
#define ND_DELIVER_H

#include <stdint.h>

#define ND_DELIVER_FDS 16

struct nd_tree_pipe;

/* A wait of this process for input on the n descriptors fds, until virtual
 * time deadline (ND_NO_DEADLINE: none), when every one is a pipe, FIFO or
 * socketpair end of the tree (else ND_NOT_DELIVERED, and nothing was done):
 * a thread of a process without scheduled threads. probe(arg, ms) looks
 * at the call's descriptors (up to ms of real time; non-zero: some are
 * ready; -EINTR: a handler ran). ND_READY with out->ready a mask of the
 * places in fds the call may report ready, ND_TIMED_OUT or ND_INTR
 * (block.h). out->decided: the outcome was the tree's (counts, or a virtual
 * timeout), not the kernel's (bytes that carry no count, an end of file). */
#define ND_NOT_DELIVERED (-2)
struct nd_delivered {
	uint32_t ready;
	int decided;
};
int nd_deliver(const int *fds, int n, int (*probe)(void *, int), void *arg, uint64_t deadline,
	       struct nd_delivered *out);

/* sleep.c's nd_timed_wait and nd_timed_owed, set by it at start-up. */
extern int (*nd_deliver_timed)(int (*probe)(void *, int), void *arg, uint64_t deadline);
extern int (*nd_deliver_owed)(int (*probe)(void *, int), void *arg);

/* A write stamped ev is about to reach p (carry.c): the members waiting
 * for it are woken at ev + 1. */
void nd_deliver_wrote(struct nd_tree_pipe *p, uint64_t ev);

#endif
