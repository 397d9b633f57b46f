/* Which of a member's pipes a wait finds ready (deliver.c): decided by the
 * counts their writes carry, not by which write reached the kernel first. */
#ifndef ND_DELIVER_H
#define ND_DELIVER_H

#include <stdint.h>

#define ND_DELIVER_FDS 32 /* at most: masks of them are 32 bits */

struct nd_tree_pipe;

/* A wait of this process for input on the n descriptors fds, until virtual
 * time deadline (ND_NO_DEADLINE: none; ND_DELIVER_NOW: do not wait), when every one is a pipe, FIFO or
 * socketpair end of the tree (else ND_NOT_DELIVERED, and nothing was done):
 * a thread of a process without scheduled threads, or the thread that waits
 * for all of a scheduled process's (sched/treeread.c). probe(arg, ms) looks
 * at the call's descriptors (up to ms of real time; non-zero: some are
 * ready; ND_DELIVER_YIELD: something else of the caller's process is to
 * be done first — the wait ends ready with nothing in out->ready; -EINTR: a
 * handler ran). ND_READY with out->ready a mask of the
 * places in fds the call may report ready, ND_TIMED_OUT or ND_INTR
 * (block.h). out->decided: the outcome was the tree's (counts, or a virtual
 * timeout), not the kernel's (bytes that carry no count, an end of file);
 * out->at: the count the tree decided it at. */
#define ND_NOT_DELIVERED (-2)
#define ND_DELIVER_YIELD 0x40000000
/* The deadline of a wait with a zero timeout: decided at a turn. */
#define ND_DELIVER_NOW 0
struct nd_delivered {
	uint32_t ready;
	int decided;
	uint64_t at;
};
int nd_deliver(const int *fds, int n, int (*probe)(void *, int), void *arg, uint64_t deadline,
	       struct nd_delivered *out);

/* fd is a pipe of the tree whose unread writes are all another member's
 * and come at or after (horizon, this member's id): a wait decided at
 * horizon must not see it. */
int nd_deliver_hidden(int fd, uint64_t horizon);

/* The same, and the writer of the first unread write has not ended: a
 * look (a zero timeout) shows a write of an ended writer, whose end the
 * caller may know of without a count (a worker's sentinel). */
int nd_deliver_hidden_live(int fd, uint64_t horizon);

/* fd is a pipe of the tree with no unread write marked (an end of file,
 * or bytes that carry no count). */
int nd_deliver_unmarked(int fd);

/* fd is a pipe, FIFO or socketpair end of the tree (or a child's end,
 * process/childend.c), whose input the tree orders. */
int nd_deliver_of_tree(int fd);

/* The count of fd's least unread write: 0 when none is marked. */
int nd_deliver_least(int fd, uint64_t *ev);
/* The same, and that write's virtual time. */
int nd_deliver_least_vt(int fd, uint64_t *ev, uint64_t *vt);

/* The deadline of a wait of ns nanoseconds from now (< 0: none). */
uint64_t nd_deliver_deadline(int64_t ns);

/* A look at pf for up to ms of real time, in ppoll with the signal mask
 * when given (else poll): non-zero when some are ready, -EINTR when a
 * handler ran. What the probes of nd_deliver's callers do. */
#include <signal.h>
struct pollfd;
int nd_deliver_probe(struct pollfd *pf, int n, const sigset_t *mask, int ms);

/* sleep.c's nd_timed_wait and nd_timed_owed, set by it at start-up. */
extern int (*nd_deliver_timed)(int (*probe)(void *, int), void *arg, uint64_t deadline);
extern int (*nd_deliver_owed)(int (*probe)(void *, int), void *arg);
/* childend.c's nd_childend_settle, set by it when it opens an end (the
 * tree's order does not call up into the wait for children). */
extern void (*nd_deliver_settle)(const struct pollfd *fds, int n, uint64_t at);

/* A write stamped ev is about to reach p (carry.c): the members waiting
 * for it are woken at ev + 1. */
void nd_deliver_wrote(struct nd_tree_pipe *p, uint64_t ev);

#endif
