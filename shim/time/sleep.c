/*
 * The sleep family. A sleep moves the virtual clock by exactly the time asked
 * for, and waits min(request, 10 ms) of real time. The real slice matters:
 * a program that retries with sleeps until a timeout on the clock (a client
 * waiting for a server in another process, torch's TCPStore among them)
 * would otherwise burn through its whole timeout in microseconds, before
 * the other process is even up. Long sleeps stay fast (a 100 s sleep takes
 * 10 ms); what the program computes depends only on the virtual clock.
 *
 * poll/select/epoll with descriptors are in poll.c and select.c.
 */
#include "nodice.h"
#include "vclock.h"
#include "sleep.h"
#include "deliver.h"
#include "signals.h"
#include "block.h"
#include "itimer.h"
#include "members.h"
#include "owed.h"


#include <signal.h>

#include <sys/syscall.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>

int nd_sleep_valid(const struct timespec *ts)
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
		/* Without threads of its own, only a signal ends it early. */
		int r = nd_sched_on ? nd_member_until(target, NULL, NULL) : nd_member_until_quiet(target);
		if (r < 0)
			return r;
		nd_vclock_slept_to(target);
		nd_member_pausing(1);
		r = real_slice(ns);
		nd_member_pausing(0);
		return r;
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

void nd_sleep_pass(uint64_t ns)
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
	if (!nd_sleep_valid(req))
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


int nd_timed_wait(int (*probe)(void *, int), void *arg, uint64_t deadline)
{
	int r = nd_timed_event(probe, arg, deadline);
	return r > 0 ? ND_READY : r < 0 ? ND_INTR : ND_TIMED_OUT;
}

/* The owed signal's wait, bounded in real time (see nd_timed_owed). */
#define OWED_HOLD_NS 2000000000ULL
struct bounded {
	int (*probe)(void *, int);
	void *arg;
	uint64_t give_up;
};

static int probe_bounded(void *arg, int ms)
{
	struct bounded *b = arg;
	int r = b->probe(b->arg, ms);
	if (r)
		return r;
	return nd_sys_monotonic_ns() > b->give_up ? 2 : 0;
}

int nd_timed_owed(int (*probe)(void *, int), void *arg)
{
	if (nd_member_me < 0 || nd_sched_managed() ||
	    __atomic_load_n(&nd_owed_next, __ATOMIC_ACQUIRE) == ND_NO_DEADLINE)
		return 0;
	uint64_t d = __atomic_load_n(&nd_itimer_next, __ATOMIC_ACQUIRE);
	struct bounded b = { probe, arg, nd_sys_monotonic_ns() + OWED_HOLD_NS };
	int r = nd_member_until(d, probe_bounded, &b);
	if (r == 2) {
		/* a process that waits in real time for this one holds the run
		 * before d (a pool's parent, its forkserver): d comes now */
		nd_log_uncontrolled("tree-order", "a wait for a SIGCHLD owed at a virtual time waited 2 s of real time "
						  "for the run to reach it, and went on");
		nd_vclock_advance_to(d);
	} else if (r) {
		return r < 0 ? -EINTR : 1;
	}
	if (nd_itimer_fire(d, nd_sys0(SYS_gettid)))
		return -EINTR;
	nd_member_block(); /* the real call waits outside the order again */
	return 0;
}

/* A member's wait on its pipes (process/deliver.c) waits as these do. */
__attribute__((constructor)) static void timed_for_deliver(void)
{
	nd_deliver_timed = nd_timed_wait;
	nd_deliver_owed = nd_timed_owed;
}
