/*
 * Thread identity. Every thread started through pthread_create or thrd_create
 * gets an identity derived from its creator's identity and how many threads
 * the creator had started before it (the main thread is 0), and with it its
 * own random streams, so what a thread draws does not depend on which thread
 * the kernel ran first. Threads that glibc starts internally (SIGEV_THREAD
 * timers, AIO helpers) are not seen here; stream.c gives them an identity in
 * order of first draw and counts them as not controlled.
 *
 * The process is marked multi-threaded before the thread exists, so counters
 * and the clock switch to atomic adds in time (log.h).
 *
 * The start record is allocated with malloc: pthread_create is not
 * async-signal-safe and allocates itself.
 */
#include "nodice.h"
#include "vclock.h"
#include "stream.h"
#include "dispatch.h"
#include "scheduler.h"
#include "sync.h"
#include "pids.h"
#include "members.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <threads.h>
#include <time.h>

struct start {
	uint64_t id;
	int slot; /* in the scheduler, or -1 */
	int tid;  /* the id placed for it (pids.c), or 0 */
	void *(*fn)(void *);
	int (*c11)(void *);
	void *arg;
};

static struct start *prepare(void *(*fn)(void *), int (*c11)(void *), void *arg)
{
	struct start *s = malloc(sizeof(*s));
	if (s)
		*s = (struct start){ nd_stream_thread_next(), nd_sched_thread_prepare(), 0, fn, c11, arg };
	return s;
}

/* A thread's identity is its process's business (every process's first
 * thread has the same one); its id in the tree includes its process's. */
static uint64_t thread_name(uint64_t id)
{
	return nd_stream_derive(nd_member_id(nd_member_me), id);
}

/* The new thread, before its start routine: its stream, its dispatch, its
 * place in the scheduler. Returns what the creator handed over. */
static struct start enter(void *p)
{
	struct start s = *(struct start *)p;
	free(p);
	nd_stream_thread_adopt(s.id);
	nd_dispatch_thread_start();
	nd_pids_check_self(s.tid);
	if (s.slot >= 0)
		nd_sched_thread_enter(s.slot);
	return s;
}

static void *posix_trampoline(void *p)
{
	struct start s = enter(p);
	return s.fn(s.arg);
}

static int c11_trampoline(void *p)
{
	struct start s = enter(p);
	return s.c11(s.arg);
}

/* The creator still holds the turn: the new thread's slot learns its
 * pthread_t before anyone can join it. */
static void created(int ok, int slot, unsigned long pt, struct start *s)
{
	if (ok) {
		if (slot >= 0)
			nd_sched_thread_created(slot, pt);
		return;
	}
	if (slot >= 0)
		nd_sched_thread_abandon(slot);
	free(s);
}

/* pthread_create(3). */
ND_EXPORT int pthread_create(pthread_t *restrict t, const pthread_attr_t *restrict attr,
			     void *(*fn)(void *), void *restrict arg)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.pthread_create(t, attr, fn, arg);
	struct start *s = prepare(fn, NULL, arg);
	if (!s)
		return EAGAIN;
	nd_mark_threaded();
	int slot = s->slot;
	uint32_t token = nd_pids_token();
	s->tid = nd_pids_before(thread_name(s->id), token);
	int r = nd_real.pthread_create(t, attr, posix_trampoline, s);
	nd_pids_after(token, s->tid, 0);
	created(r == 0, slot, r == 0 ? (unsigned long)*t : 0, s);
	if (r == 0)
		nd_log_served(ND_SYM_pthread_create, 0);
	return r;
}

/* thrd_create(3). */
ND_EXPORT int thrd_create(thrd_t *t, thrd_start_t fn, void *arg)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.thrd_create(t, fn, arg);
	struct start *s = prepare(NULL, fn, arg);
	if (!s)
		return thrd_nomem;
	nd_mark_threaded();
	int slot = s->slot;
	uint32_t token = nd_pids_token();
	s->tid = nd_pids_before(thread_name(s->id), token);
	int r = nd_real.thrd_create(t, c11_trampoline, s);
	nd_pids_after(token, s->tid, 0);
	created(r == thrd_success, slot, r == thrd_success ? (unsigned long)*t : 0, s);
	if (r == thrd_success)
		nd_log_served(ND_SYM_thrd_create, 0);
	return r;
}

/* pthread_join(3): waits in the scheduler until the thread has finished. */
ND_EXPORT int pthread_join(pthread_t t, void **ret)
{
	ND_ORDERED();
	if (nd_passthrough() || !nd_sched_managed())
		return nd_real.pthread_join(t, ret);
	return nd_sync_join(t, ret, ND_NO_DEADLINE);
}

/* pthread_tryjoin_np(3): busy while the scheduler runs the thread, so the
 * answer depends on the turn order, not on the kernel's timing. */
ND_EXPORT int pthread_tryjoin_np(pthread_t t, void **ret)
{
	ND_ORDERED();
	if (nd_passthrough() || !nd_sched_managed())
		return nd_real.pthread_tryjoin_np(t, ret);
	nd_sched_point();
	if (nd_sched_thread_alive((unsigned long)t))
		return EBUSY;
	/* Finished in the scheduler; the kernel may take a moment more to
	 * release it. A thread the scheduler never knew stays busy. */
	struct timespec soon;
	nd_sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&soon, 0, 0, 0, 0);
	soon.tv_nsec += 100000000;
	if (soon.tv_nsec >= ND_NS) {
		soon.tv_sec++;
		soon.tv_nsec -= ND_NS;
	}
	int r = nd_real.pthread_clockjoin_np(t, ret, CLOCK_MONOTONIC, &soon);
	return r == ETIMEDOUT ? EBUSY : r;
}

/* pthread_cancel(3): a thread blocked in a cancellable wait of the
 * scheduler is woken to act on the request. */
ND_EXPORT int pthread_cancel(pthread_t t)
{
	ND_ORDERED();
	int r = nd_real.pthread_cancel(t);
	if (r == 0 && !nd_passthrough())
		nd_sched_cancel((unsigned long)t);
	return r;
}
