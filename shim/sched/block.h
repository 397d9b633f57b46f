/*
 * Calls that may block outside the scheduler's knowledge (block.c).
 *
 * ND_OUTSIDE(fd, events, expr) evaluates expr with the turn held when fd is
 * ready for events now (or is non-blocking, or the thread is not scheduled),
 * so reading a regular file or a pipe that already has data stays in the
 * deterministic order; otherwise the thread leaves the turn for the call and
 * rejoins when it returns. fd < 0 means "always leave".
 */
#ifndef ND_BLOCK_H
#define ND_BLOCK_H

#include "scheduler.h"

int nd_block_leave_for(int fd, short events);
/* Waits, in the turn order, until one of fds is ready: ND_READY (make the
 * call with the turn), ND_LEFT (the turn was left: call, then rejoin), or
 * ND_TIMED_OUT (the virtual deadline came first). fd >= 0: a single
 * descriptor whose O_NONBLOCK means the call never waits. */
enum { ND_READY, ND_LEFT, ND_TIMED_OUT, ND_INTR /* a signal handler ran: poll and friends say EINTR */ };
struct pollfd;
int nd_block_until_ready(struct pollfd *fds, int n, int fd, uint64_t deadline);
void nd_block_rejoin(void);
int nd_block_leave_for_syscall(long nr, long a, long b);

#define ND_OUTSIDE(fd, events, expr)                                          \
	({                                                                    \
		int nd_out_ = nd_sched_managed() && nd_block_leave_for((fd), (events)); \
		__typeof__(expr) nd_r_ = (expr);                              \
		if (nd_out_)                                                  \
			nd_block_rejoin();                                    \
		nd_r_;                                                        \
	})

#endif
