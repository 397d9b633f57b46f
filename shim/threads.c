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

#include <pthread.h>
#include <stdlib.h>
#include <threads.h>

struct start {
	uint64_t id;
	void *(*fn)(void *);
	int (*c11)(void *);
	void *arg;
};

static struct start *prepare(void *(*fn)(void *), int (*c11)(void *), void *arg)
{
	struct start *s = malloc(sizeof(*s));
	if (s)
		*s = (struct start){ nd_stream_thread_next(), fn, c11, arg };
	return s;
}

static void *posix_trampoline(void *p)
{
	struct start s = *(struct start *)p;
	free(p);
	nd_stream_thread_adopt(s.id);
	nd_dispatch_thread_start();
	return s.fn(s.arg);
}

static int c11_trampoline(void *p)
{
	struct start s = *(struct start *)p;
	free(p);
	nd_stream_thread_adopt(s.id);
	nd_dispatch_thread_start();
	return s.c11(s.arg);
}

/* pthread_create(3). */
ND_EXPORT int pthread_create(pthread_t *restrict t, const pthread_attr_t *restrict attr,
			     void *(*fn)(void *), void *restrict arg)
{
	if (nd_passthrough())
		return nd_real.pthread_create(t, attr, fn, arg);
	struct start *s = prepare(fn, NULL, arg);
	if (!s)
		return EAGAIN;
	nd_mark_threaded();
	int r = nd_real.pthread_create(t, attr, posix_trampoline, s);
	if (r != 0)
		free(s);
	else
		nd_log_served(ND_SYM_pthread_create, 0);
	return r;
}

/* thrd_create(3). */
ND_EXPORT int thrd_create(thrd_t *t, thrd_start_t fn, void *arg)
{
	if (nd_passthrough())
		return nd_real.thrd_create(t, fn, arg);
	struct start *s = prepare(NULL, fn, arg);
	if (!s)
		return thrd_nomem;
	nd_mark_threaded();
	int r = nd_real.thrd_create(t, c11_trampoline, s);
	if (r != thrd_success)
		free(s);
	else
		nd_log_served(ND_SYM_thrd_create, 0);
	return r;
}
