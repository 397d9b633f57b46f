/*
 * Calls that may block outside the scheduler's knowledge (block.c).
 *
 * ND_OUTSIDE(fd, events, expr) evaluates expr with the turn held when fd is
 * ready for events now (or is non-blocking, or the thread is not scheduled),
 * so reading a regular file or a pipe that already has data stays in the
 * deterministic order; otherwise the thread leaves the turn for the call and
 * rejoins when it returns. fd < 0 means "always leave". A process without
 * scheduled threads publishes itself blocked in the tree for the call
 * (members.c), so other processes' timed events need not wait for it.
 */
#ifndef ND_BLOCK_H
#define ND_BLOCK_H

#include "scheduler.h"

int nd_block_leave_for(int fd, short events);
/* An unscheduled thread's call that may wait: the process is blocked for
 * the tree until nd_block_rejoin (1 when that was published); with a
 * virtual timer armed, the timer may interrupt it first (outwait.c):
 * ND_LEAVE_EINTR, the call fails with EINTR. fd < 0: any call. */
#define ND_LEAVE_EINTR 2
int nd_block_member_leave(void);
int nd_block_member_leave_for(int fd, short events);
/* Waits, in the turn order, until one of fds is ready: ND_READY (make the
 * call with the turn), ND_LEFT (the turn was left: call, then rejoin), or
 * ND_TIMED_OUT (the virtual deadline came first). fd >= 0: a single
 * descriptor whose O_NONBLOCK means the call never waits. */
enum { ND_READY, ND_LEFT, ND_TIMED_OUT, ND_INTR /* a signal handler ran: poll and friends say EINTR */ };
struct pollfd;
int nd_block_until_ready(struct pollfd *fds, int n, int fd, uint64_t deadline);
void nd_block_rejoin(void);
/* childwait.c: a scheduled thread's blocking wait for member child pid, or
 * for any child (P_ALL), in the tree's order: 0 the call is made with the
 * turn (for any child: for *chosen, which can be reaped), 1 the turn was
 * left (call, then rejoin), -1 not such a wait. */
#include <sys/wait.h>
int nd_sched_child_end(pid_t pid, idtype_t type, int options, pid_t *chosen);
/* A child of this process has started (fork, vfork, posix_spawn, popen): a
 * thread's wait for any child looks at its children again. */
void nd_sched_child_started(void);
/* 1 when only the tree can make fd ready — a pipe or FIFO, an unnamed Unix
 * socket (socketpair), an eventfd, or an epoll set of these (internal.c) — so
 * a timed wait on it is the tree's timed event; 0 for a socket with a named
 * or network peer and anything else, where a timeout elapses in real time
 * (the peer may be outside). */
int nd_block_fd_internal(int fd);
int nd_block_leave_for_syscall(long nr, long a, long b);
/* A blocking file lock call found the lock taken: reported (tree-order)
 * when the process is one of a run's tree. */
void nd_block_lock_contended(void);

#define ND_OUTSIDE(fd, events, expr)                                                        \
	({                                                                                  \
		int nd_out_ = nd_sched_managed() ? nd_block_leave_for((fd), (events))       \
						 : nd_block_member_leave_for((fd), (events)); \
		__typeof__(expr) nd_r_ = nd_out_ == ND_LEAVE_EINTR                          \
						 ? (errno = EINTR, (__typeof__(expr))-1)    \
						 : (expr);                                  \
		if (nd_out_)                                                                \
			nd_block_rejoin();                                                  \
		nd_r_;                                                                      \
	})

#endif
