/*
 * Timed waits on the virtual clock.
 *
 * A program computes an absolute deadline from a virtual clock and hands it to
 * a timed wait, which glibc passes to the kernel to compare with the *real*
 * clock: the virtual year-2000 deadline has long passed, the wait times out at
 * once, and a loop around it spins (libfaketime's hangs with Java and Python
 * come from the opposite case). Each function here turns the virtual deadline
 * into "this much virtual time from now", waits that long for real on
 * CLOCK_MONOTONIC through the clock-taking variant of the same call, and on
 * ETIMEDOUT moves the virtual clock to the deadline, so the program sees its
 * deadline arrive exactly. Invalid timespecs go to libc unchanged for its errno.
 *
 * A thread the scheduler runs (sched.c) does not wait in libc at all: it
 * blocks in the scheduler until its virtual deadline (scheduled()).
 *
 * pthread_cond_timedwait waits on the clock chosen with
 * pthread_condattr_setclock; glibc keeps that choice in bit 1 of __wrefs.
 */
#include "nodice.h"
#include "vclock.h"
#include "scheduler.h"
#include "sync.h"
#include "treemutex.h"
#include "sleep.h"
#include "members.h"

#include <pthread.h>
#include <semaphore.h>
#include <sys/syscall.h>
#include <time.h>

static int valid(const struct timespec *ts)
{
	return ts && ts->tv_nsec >= 0 && ts->tv_nsec < ND_NS;
}

/* Fills `real` and returns the virtual deadline. */
static uint64_t translate(clockid_t clk, const struct timespec *abs, struct timespec *real)
{
	uint64_t deadline = nd_vclock_deadline(clk, abs->tv_sec * ND_NS + abs->tv_nsec);
	nd_vclock_real_deadline(deadline, real);
	return deadline;
}

static int usable(clockid_t clk, const struct timespec *abs, enum nd_sym sym)
{
	if (nd_passthrough() || !valid(abs) ||
	    (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC))
		return 0;
	nd_log_served(sym, 0);
	return 1;
}

/* For a scheduled thread with a valid deadline: its virtual value. */
static int scheduled(clockid_t clk, const struct timespec *abs, uint64_t *deadline)
{
	if (nd_passthrough() || !nd_sched_managed() || !valid(abs) ||
	    (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC))
		return 0;
	*deadline = nd_vclock_deadline(clk, abs->tv_sec * ND_NS + abs->tv_nsec);
	return 1;
}

/* A process-shared condition of a process without scheduled threads: the
 * tree's when it orders it (treecond.c), with the deadline virtual. */
static int tree_cond(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clk, const struct timespec *abs,
		     enum nd_sym sym)
{
	if (nd_passthrough() || !valid(abs) || (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC) ||
	    !(c->__data.__wrefs & 1))
		return ND_TREECOND_NOT;
	int r = nd_treecond_wait(c, m, nd_vclock_deadline(clk, abs->tv_sec * ND_NS + abs->tv_nsec));
	if (r != ND_TREECOND_NOT)
		nd_log_served(sym, 0);
	return r;
}

/* pthread_cond_clockwait(3). */
ND_EXPORT int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clk,
				     const struct timespec *abs)
{
	ND_ORDERED();
	uint64_t vd;
	if (scheduled(clk, abs, &vd))
		return nd_sync_cond_wait(c, m, vd);
	int r = tree_cond(c, m, clk, abs, ND_SYM_pthread_cond_clockwait);
	if (r != ND_TREECOND_NOT)
		return r;
	struct timespec real;
	if (!usable(clk, abs, ND_SYM_pthread_cond_clockwait))
		return nd_real.pthread_cond_clockwait(c, m, clk, abs);
	uint64_t d = translate(clk, abs, &real);
	return nd_vclock_settle(nd_real.pthread_cond_clockwait(c, m, CLOCK_MONOTONIC, &real), d);
}

/* pthread_cond_timedwait(3), on the condition variable's own clock. */
ND_EXPORT int pthread_cond_timedwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
				     const struct timespec *restrict abs)
{
	ND_ORDERED();
	clockid_t clk = (c->__data.__wrefs >> 1) & 1 ? CLOCK_MONOTONIC : CLOCK_REALTIME;
	struct timespec real;
	uint64_t vd;
	if (scheduled(clk, abs, &vd))
		return nd_sync_cond_wait(c, m, vd);
	int r = tree_cond(c, m, clk, abs, ND_SYM_pthread_cond_timedwait);
	if (r != ND_TREECOND_NOT)
		return r;
	if (!usable(clk, abs, ND_SYM_pthread_cond_timedwait))
		return nd_real.pthread_cond_clockwait(c, m, clk, abs);
	uint64_t d = translate(clk, abs, &real);
	return nd_vclock_settle(nd_real.pthread_cond_clockwait(c, m, CLOCK_MONOTONIC, &real), d);
}

/* A semaphore of a process without scheduled threads: another process
 * posts it, so the timeout is a timed event of the tree (sleep.h), waited
 * for in slices of the real wait. */
static int probe_sem(void *arg, int ms)
{
	struct timespec ts;
	nd_sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0, 0);
	ts.tv_nsec += (long)ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / ND_NS;
	ts.tv_nsec %= ND_NS;
	int e = errno;
	int r = nd_real.sem_clockwait(arg, CLOCK_MONOTONIC, &ts);
	r = r == 0 ? 1 : errno == EINTR ? -EINTR : 0;
	errno = e;
	return r;
}

static int tree_sem_wait(sem_t *sem, uint64_t deadline)
{
	uint64_t key = nd_treesem_key(sem);
	int t = key ? nd_treesem_wait(sem, key, deadline, 0) : 1;
	if (t <= 0)
		return t ? (errno = -t, -1) : 0;
	int e = errno;
	if (nd_real.sem_trywait(sem) == 0)
		return 0;
	if (errno != EAGAIN)
		return -1;
	errno = e;
	nd_sync_tree_contended(nd_sync_sem_shared(sem));
	int r = nd_timed_event(probe_sem, sem, deadline);
	if (r > 0)
		return 0;
	errno = r < 0 ? EINTR : ETIMEDOUT;
	return -1;
}

/* sem_clockwait(3): -1 and errno, unlike the pthread calls. */
ND_EXPORT int sem_clockwait(sem_t *sem, clockid_t clk, const struct timespec *abs)
{
	ND_ORDERED();
	uint64_t vd;
	if (scheduled(clk, abs, &vd))
		return (int)nd_ret(nd_sync_sem_wait(sem, vd));
	struct timespec real;
	if (!usable(clk, abs, ND_SYM_sem_clockwait))
		return nd_real.sem_clockwait(sem, clk, abs);
	if (nd_member_me >= 0)
		return tree_sem_wait(sem, nd_vclock_deadline(clk, abs->tv_sec * ND_NS + abs->tv_nsec));
	uint64_t d = translate(clk, abs, &real);
	int r = nd_real.sem_clockwait(sem, CLOCK_MONOTONIC, &real);
	if (r < 0)
		nd_vclock_settle(errno, d);
	return r;
}

/* sem_timedwait(3): the deadline is on CLOCK_REALTIME. */
ND_EXPORT int sem_timedwait(sem_t *restrict sem, const struct timespec *restrict abs)
{
	ND_ORDERED();
	return sem_clockwait(sem, CLOCK_REALTIME, abs);
}

/* pthread_mutex_clocklock(3). */
ND_EXPORT int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clk, const struct timespec *abs)
{
	ND_ORDERED();
	uint64_t vd;
	if (scheduled(clk, abs, &vd)) {
		int r = nd_sync_mutex_lock(m, vd);
		if (r == 0)
			nd_sched_parallel_held(1);
		return r;
	}
	struct timespec real;
	if (!usable(clk, abs, ND_SYM_pthread_mutex_clocklock))
		return nd_real.pthread_mutex_clocklock(m, clk, abs);
	int t = nd_treemutex_lock(m, nd_vclock_deadline(clk, abs->tv_sec * ND_NS + abs->tv_nsec), 0);
	if (t >= 0)
		return t;
	uint64_t d = translate(clk, abs, &real);
	return nd_vclock_settle(nd_real.pthread_mutex_clocklock(m, CLOCK_MONOTONIC, &real), d);
}

/* pthread_mutex_timedlock(3). */
ND_EXPORT int pthread_mutex_timedlock(pthread_mutex_t *restrict m,
				      const struct timespec *restrict abs)
{
	ND_ORDERED();
	return pthread_mutex_clocklock(m, CLOCK_REALTIME, abs);
}

/* A timed rwlock acquisition, for reading or for writing. */
static int rwlock_clock(pthread_rwlock_t *l, int write, clockid_t clk, const struct timespec *abs)
{
	uint64_t vd;
	if (scheduled(clk, abs, &vd))
		return nd_sync_rwlock(l, write, vd);
	struct timespec real;
	if (!usable(clk, abs, write ? ND_SYM_pthread_rwlock_clockwrlock : ND_SYM_pthread_rwlock_clockrdlock))
		return write ? nd_real.pthread_rwlock_clockwrlock(l, clk, abs) : nd_real.pthread_rwlock_clockrdlock(l, clk, abs);
	uint64_t d = translate(clk, abs, &real);
	return nd_vclock_settle(write ? nd_real.pthread_rwlock_clockwrlock(l, CLOCK_MONOTONIC, &real)
				    : nd_real.pthread_rwlock_clockrdlock(l, CLOCK_MONOTONIC, &real),
			      d);
}

/* pthread_rwlock_clockrdlock(3), pthread_rwlock_clockwrlock(3). */
ND_EXPORT int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t clk,
					 const struct timespec *abs)
{
	ND_ORDERED();
	return rwlock_clock(l, 0, clk, abs);
}

ND_EXPORT int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t clk,
					 const struct timespec *abs)
{
	ND_ORDERED();
	return rwlock_clock(l, 1, clk, abs);
}

/* pthread_rwlock_timedrdlock(3). */
ND_EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t *restrict l,
					 const struct timespec *restrict abs)
{
	ND_ORDERED();
	return pthread_rwlock_clockrdlock(l, CLOCK_REALTIME, abs);
}

/* pthread_rwlock_timedwrlock(3). */
ND_EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t *restrict l,
					 const struct timespec *restrict abs)
{
	ND_ORDERED();
	return pthread_rwlock_clockwrlock(l, CLOCK_REALTIME, abs);
}

/* pthread_clockjoin_np(3). */
ND_EXPORT int pthread_clockjoin_np(pthread_t t, void **ret, clockid_t clk,
				   const struct timespec *abs)
{
	ND_ORDERED();
	uint64_t vd;
	if (scheduled(clk, abs, &vd))
		return nd_sync_join(t, ret, vd);
	struct timespec real;
	if (!usable(clk, abs, ND_SYM_pthread_clockjoin_np))
		return nd_real.pthread_clockjoin_np(t, ret, clk, abs);
	uint64_t d = translate(clk, abs, &real);
	return nd_vclock_settle(nd_real.pthread_clockjoin_np(t, ret, CLOCK_MONOTONIC, &real), d);
}

/* pthread_timedjoin_np(3). */
ND_EXPORT int pthread_timedjoin_np(pthread_t t, void **ret, const struct timespec *abs)
{
	ND_ORDERED();
	return pthread_clockjoin_np(t, ret, CLOCK_REALTIME, abs);
}
