/*
 * The sleep family. A sleep moves the virtual clock by exactly the time asked
 * for, and waits min(request, 10 ms) of real time. The real slice matters:
 * a program that retries with sleeps until a timeout on the clock (a client
 * waiting for a server in another process, torch's TCPStore among them)
 * would otherwise burn through its whole timeout in microseconds, before
 * the other process is even up. Long sleeps stay fast (a 100 s sleep takes
 * 10 ms); what the program computes depends only on the virtual clock.
 * poll/select/epoll with no descriptor are sleeps too.
 *
 * With descriptors, the wait is real — the program is waiting for the outside
 * world — and the call is counted as passed through; if it times out, the
 * virtual clock moves by the timeout, so event loops that compute timeouts from
 * the virtual clock see their deadline arrive instead of spinning or hanging.
 */
#include "nodice.h"
#include "vclock.h"
#include "sleep.h"
#include "signals.h"
#include "block.h"
#include "itimer.h"
#include "members.h"

#include <string.h>

#include <signal.h>

#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>

static int valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < ND_NS;
}

#define REAL_SLICE_NS 10000000ULL /* 10 ms */

/* The real part of a sleep; -EINTR when a signal handler ran meanwhile. */
static int real_slice(uint64_t ns)
{
	struct timespec ts = { 0, (long)(ns < REAL_SLICE_NS ? ns : REAL_SLICE_NS) };
	if (!ts.tv_nsec)
		return (int)nd_sys0(SYS_sched_yield);
	return nd_sys(SYS_nanosleep, (long)&ts, 0, 0, 0, 0, 0) == -EINTR ? -EINTR : 0;
}

/* Waits until virtual time target: a scheduled thread in the scheduler, then
 * a real slice. -EINTR when a signal handler interrupted it, as natively. */
static int wait_until(uint64_t target, uint64_t ns)
{
	if (!nd_sched_managed()) {
		int r = nd_member_until(target, NULL, NULL);
		if (r < 0)
			return r;
		nd_vclock_advance_to(target);
		return real_slice(ns);
	}
	enum nd_woken w = nd_sched_block(&nd_sched_on, target,
					 ND_BLOCK_CANCEL | ND_BLOCK_INTR | ND_BLOCK_ON(ND_WAIT_SLEEP));
	pthread_testcancel();
	if (w == ND_WOKEN_INTR)
		return -EINTR;
	nd_sched_calm(1);
	int r = real_slice(ns);
	nd_sched_calm(0);
	return r;
}

/* Sleeps until virtual time target. A virtual alarm due first fires at its
 * deadline; its signal ends the sleep (-EINTR) when it ran a handler in this
 * thread, and otherwise the sleep goes on. *left gets what is left. */
static int sleep_until(uint64_t target, uint64_t *left)
{
	int r = 0;
	for (;;) {
		uint64_t now = nd_vclock_now(), t = __atomic_load_n(&nd_itimer_next, __ATOMIC_ACQUIRE);
		uint64_t stop = t < target ? t : target;
		r = wait_until(stop, stop > now ? stop - now : 0);
		now = nd_vclock_now();
		if (now >= __atomic_load_n(&nd_itimer_next, __ATOMIC_ACQUIRE) && nd_itimer_fire(now, nd_sys0(SYS_gettid)))
			r = -EINTR;
		if (r < 0 || now >= target)
			break;
	}
	*left = target > nd_vclock_now() ? target - nd_vclock_now() : 0;
	return r;
}

static void pass_time(uint64_t ns)
{
	uint64_t left;
	sleep_until(nd_vclock_now() + ns, &left);
}

int nd_sleep_ns(int clk, int flags, const struct timespec *req, struct timespec *rem)
{
	int64_t unused;
	if (clk == CLOCK_THREAD_CPUTIME_ID || clk < 0 || nd_vclock_at(clk, 0, &unused) < 0)
		return -EINVAL;
	if (!req)
		return -EFAULT;
	if (!valid(req))
		return -EINVAL;
	uint64_t target = flags & TIMER_ABSTIME ? nd_vclock_deadline(clk, (int64_t)nd_ts_ns(req))
						: nd_vclock_now() + nd_ts_ns(req), left;
	int r = sleep_until(target, &left);
	if (r == -EINTR && rem && !(flags & TIMER_ABSTIME))
		*rem = nd_ns_ts(left);
	return r;
}

/* nanosleep(2): interrupted by a signal handler (a virtual alarm's among
 * them), it returns EINTR and writes what is left to rem. */
ND_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
	ND_ORDERED();
	if (nd_passthrough())
		return (int)nd_ret(nd_sys(SYS_nanosleep, (long)req, (long)rem, 0, 0, 0, 0));
	nd_log_served(ND_SYM_nanosleep, 0);
	return (int)nd_ret(nd_sleep_ns(CLOCK_MONOTONIC, 0, req, rem));
}

/* clock_nanosleep(2): returns the error number, not -1. */
ND_EXPORT int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req,
			      struct timespec *rem)
{
	ND_ORDERED();
	if (nd_passthrough())
		return (int)-nd_sys(SYS_clock_nanosleep, clk, flags, (long)req, (long)rem, 0, 0);
	nd_log_served(ND_SYM_clock_nanosleep, 0);
	return -nd_sleep_ns(clk, flags, req, rem);
}

/* usleep(3). */
ND_EXPORT int usleep(useconds_t usec)
{
	ND_ORDERED();
	struct timespec ts = { usec / 1000000, (long)(usec % 1000000) * 1000 };
	return nanosleep(&ts, NULL);
}

/* sleep(3): the whole seconds left when a signal handler interrupted it
 * (glibc truncates); 0 otherwise. */
ND_EXPORT unsigned sleep(unsigned seconds)
{
	ND_ORDERED();
	struct timespec ts = { seconds, 0 }, rem = { 0, 0 };
	if (nanosleep(&ts, &rem) == 0)
		return 0;
	return (unsigned)rem.tv_sec;
}

static int no_fds(const struct pollfd *fds, nfds_t n)
{
	for (nfds_t i = 0; i < n; i++)
		if (fds[i].fd >= 0)
			return 0;
	return 1;
}

/* A wait on descriptors with a timeout, in the tree's order (members.c):
 * the real wait in slices, until a descriptor is ready (ND_READY), a signal
 * handler ran (ND_INTR) or no other process can act before the deadline
 * (ND_TIMED_OUT, the clock at the deadline). */
struct fd_wait {
	struct pollfd *fds;
	int n;
	const sigset_t *mask; /* ppoll's and epoll_pwait's, or NULL */
};

static int probe_fds(void *arg, int ms)
{
	struct fd_wait *w = arg;
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	long r = w->mask ? nd_sys(SYS_ppoll, (long)w->fds, w->n, (long)&ts, (long)w->mask, 8, 0)
			 : nd_sys(SYS_poll, (long)w->fds, w->n, ms, 0, 0, 0);
	return r == -EINTR ? -EINTR : r != 0;
}

/* Only the tree can make them ready (block.h): the timeout is virtual. */
static int internal(const struct pollfd *fds, int n)
{
	int any = 0;
	for (int i = 0; i < n; i++) {
		if (fds[i].fd < 0)
			continue;
		if (!nd_block_fd_internal(fds[i].fd))
			return 0;
		any = 1;
	}
	return any;
}

static int internal_sets(int n, fd_set *r, fd_set *w, fd_set *e)
{
	int any = 0;
	for (int fd = 0; fd < n && fd < FD_SETSIZE; fd++)
		if ((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) || (e && FD_ISSET(fd, e))) {
			if (!nd_block_fd_internal(fd))
				return 0;
			any = 1;
		}
	return any;
}

static uint64_t deadline_in(int64_t ns)
{
	return ns < 0 ? ND_NO_DEADLINE : nd_vclock_now() + (uint64_t)ns;
}

int nd_timed_event(int (*probe)(void *, int), void *arg, uint64_t deadline)
{
	long tid = nd_sys0(SYS_gettid);
	for (;;) {
		uint64_t t = __atomic_load_n(&nd_itimer_next, __ATOMIC_ACQUIRE), stop = t < deadline ? t : deadline;
		int r = nd_member_until(stop, probe, arg);
		if (r)
			return r > 0 ? 1 : -EINTR;
		/* A virtual timer came first: its handler, run here, ends the wait
		 * (poll, select and semaphore waits are never restarted);
		 * otherwise it goes on. */
		if (t <= deadline && nd_itimer_fire(stop, tid))
			return -EINTR;
		if (stop >= deadline)
			return 0;
	}
}

static int tree_wait(int (*probe)(void *, int), void *arg, uint64_t deadline)
{
	int r = nd_timed_event(probe, arg, deadline);
	return r > 0 ? ND_READY : r < 0 ? ND_INTR : ND_TIMED_OUT;
}

/*
 * A wait on descriptors by a scheduled thread waits in the turn order until
 * one is ready (block.c); `how` says what happened: ND_READY, the call is
 * made at once with a zero timeout; ND_LEFT, it is made with the real timeout
 * (outside the turn when scheduled); ND_TIMED_OUT, the virtual timeout came
 * first and the call looks once with a zero timeout. `call` may use `how`.
 * A wait left to the kernel with a timeout is a timed event of the tree:
 * tree_wait decides how it ends.
 */
#define waited(fds, n, timeout_ns, mask, call)                                                     \
	({                                                                                   \
		int m_ = nd_sched_managed() && (timeout_ns) != 0;                            \
		uint64_t dl_ = deadline_in(timeout_ns);                                      \
		int how = m_ ? nd_block_until_ready((fds), (n), -1, dl_) : ND_LEFT;          \
		/* the turn was left, or the process is blocked for the tree */             \
		int out_ = m_ ? how == ND_LEFT : (timeout_ns) != 0 && nd_block_member_leave(); \
		struct fd_wait w_ = { (fds), (n), (mask) };                                  \
		if (how == ND_LEFT && (timeout_ns) > 0 && nd_member_me >= 0 && internal((fds), (n))) \
			how = tree_wait(probe_fds, &w_, dl_);                                \
		else if (how == ND_LEFT && (timeout_ns) > 0 && m_)                           \
			nd_sched_outside_deadline(dl_);                                      \
		else if (how == ND_LEFT && (timeout_ns) > 0)                                 \
			nd_member_wait_real(dl_);                                            \
		int r_ = how == ND_INTR ? (errno = EINTR, -1) : (call);                      \
		if (out_)                                                                    \
			nd_block_rejoin();                                                   \
		if (r_ == 0 && how == ND_LEFT && (timeout_ns) > 0)                           \
			nd_vclock_advance((uint64_t)(timeout_ns));                           \
		r_;                                                                          \
	})

/* poll(2). */
ND_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.poll(fds, n, timeout);
	if (timeout >= 0 && no_fds(fds, n)) {
		nd_log_served(ND_SYM_poll, 0);
		for (nfds_t i = 0; i < n; i++)
			fds[i].revents = 0;
		pass_time((uint64_t)timeout * 1000000);
		return 0;
	}
	nd_log_passed(ND_SYM_poll);
	return waited(fds, (int)n, timeout < 0 ? -1 : (int64_t)timeout * 1000000, NULL, nd_real.poll(fds, n, how == ND_LEFT ? timeout : 0));
}

/* ppoll(2): the timeout is not updated on Linux's glibc wrapper either. */
ND_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo,
		    const sigset_t *mask)
{
	ND_ORDERED();
	if (nd_passthrough() || (tmo && !valid(tmo)))
		return nd_real.ppoll(fds, n, tmo, mask);
	if (tmo && !mask && no_fds(fds, n)) {
		nd_log_served(ND_SYM_ppoll, 0);
		for (nfds_t i = 0; i < n; i++)
			fds[i].revents = 0;
		pass_time(nd_ts_ns(tmo));
		return 0;
	}
	nd_log_passed(ND_SYM_ppoll);
	const struct timespec zero = { 0, 0 };
	return waited(fds, (int)n, tmo ? (int64_t)nd_ts_ns(tmo) : -1, mask,
		      nd_real.ppoll(fds, n, how == ND_LEFT ? tmo : &zero, mask));
}

static int empty_sets(int n, fd_set *r, fd_set *w, fd_set *e)
{
	for (int fd = 0; fd < n && fd < FD_SETSIZE; fd++)
		if ((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) || (e && FD_ISSET(fd, e)))
			return 0;
	return 1;
}

/* select's sets, probed on copies so the caller's stay as given. */
struct sets {
	int n;
	fd_set *r, *w, *e;
	const sigset_t *mask; /* pselect's, or NULL */
};

static int probe_sets(void *arg, int ms)
{
	struct sets *s = arg;
	fd_set r, w, e;
	struct timeval tv = { 0, ms * 1000 };
	size_t bytes = ((size_t)s->n + 63) / 64 * 8;
	if (s->r)
		memcpy(&r, s->r, bytes);
	if (s->w)
		memcpy(&w, s->w, bytes);
	if (s->e)
		memcpy(&e, s->e, bytes);
	struct timespec ts = { 0, ms * 1000000L };
	struct {
		const sigset_t *set;
		size_t size;
	} m = { s->mask, 8 };
	long k = s->mask ? nd_sys(SYS_pselect6, s->n, s->r ? (long)&r : 0, s->w ? (long)&w : 0, s->e ? (long)&e : 0,
				  (long)&ts, (long)&m)
			 : nd_sys(SYS_select, s->n, s->r ? (long)&r : 0, s->w ? (long)&w : 0, s->e ? (long)&e : 0,
				  (long)&tv, 0);
	return k == -EINTR ? -EINTR : k != 0;
}

/* select(2): like Linux, a timeout that expires is left at zero. */
ND_EXPORT int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	ND_ORDERED();
	if (nd_passthrough() || (tv && (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)))
		return nd_real.select(n, r, w, e, tv);
	uint64_t ns = tv ? (uint64_t)tv->tv_sec * ND_NS + (uint64_t)tv->tv_usec * 1000 : 0;
	if (tv && n >= 0 && empty_sets(n, r, w, e)) {
		nd_log_served(ND_SYM_select, 0);
		*tv = (struct timeval){ 0, 0 };
		pass_time(ns);
		return 0;
	}
	nd_log_passed(ND_SYM_select);
	if (tv && ns && n >= 0 && n <= FD_SETSIZE && nd_member_me >= 0 && internal_sets(n, r, w, e)) {
		struct sets s = { n, r, w, e, NULL };
		int how = ND_OUTSIDE(-1, 0, tree_wait(probe_sets, &s, nd_vclock_now() + ns));
		if (how == ND_INTR)
			return errno = EINTR, -1;
		struct timeval zero = { 0, 0 };
		*tv = zero;
		return nd_real.select(n, r, w, e, &zero);
	}
	int ret = tv && !ns ? nd_real.select(n, r, w, e, tv) : ND_OUTSIDE(-1, 0, nd_real.select(n, r, w, e, tv));
	if (ret == 0 && tv)
		nd_vclock_advance(ns);
	return ret;
}

/* pselect(2). */
ND_EXPORT int pselect(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *tmo,
		      const sigset_t *mask)
{
	ND_ORDERED();
	if (nd_passthrough() || (tmo && !valid(tmo)))
		return nd_real.pselect(n, r, w, e, tmo, mask);
	if (tmo && !mask && n >= 0 && empty_sets(n, r, w, e)) {
		nd_log_served(ND_SYM_pselect, 0);
		pass_time(nd_ts_ns(tmo));
		return 0;
	}
	nd_log_passed(ND_SYM_pselect);
	if (tmo && nd_ts_ns(tmo) && n >= 0 && n <= FD_SETSIZE && nd_member_me >= 0 && internal_sets(n, r, w, e)) {
		struct sets s = { n, r, w, e, mask };
		int how = ND_OUTSIDE(-1, 0, tree_wait(probe_sets, &s, nd_vclock_now() + nd_ts_ns(tmo)));
		if (how == ND_INTR)
			return errno = EINTR, -1;
		const struct timespec zero = { 0, 0 };
		return nd_real.pselect(n, r, w, e, &zero, mask);
	}
	int ret = tmo && !nd_ts_ns(tmo) ? nd_real.pselect(n, r, w, e, tmo, mask)
				       : ND_OUTSIDE(-1, 0, nd_real.pselect(n, r, w, e, tmo, mask));
	if (ret == 0 && tmo)
		nd_vclock_advance(nd_ts_ns(tmo));
	return ret;
}

/* epoll_wait(2), epoll_pwait(2): the epoll descriptor is readable when it
 * has events. */
ND_EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.epoll_wait(epfd, ev, max, timeout);
	nd_log_passed(ND_SYM_epoll_wait);
	struct pollfd p = { epfd, POLLIN, 0 };
	return waited(&p, 1, timeout < 0 ? -1 : (int64_t)timeout * 1000000, NULL,
		      nd_real.epoll_wait(epfd, ev, max, how == ND_LEFT ? timeout : 0));
}

ND_EXPORT int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout,
			  const sigset_t *mask)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.epoll_pwait(epfd, ev, max, timeout, mask);
	nd_log_passed(ND_SYM_epoll_pwait);
	struct pollfd p = { epfd, POLLIN, 0 };
	return waited(&p, 1, timeout < 0 ? -1 : (int64_t)timeout * 1000000, mask,
		      nd_real.epoll_pwait(epfd, ev, max, how == ND_LEFT ? timeout : 0, mask));
}
