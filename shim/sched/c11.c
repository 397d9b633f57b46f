/*
 * C11 threads. glibc implements mtx_*, cnd_* and thrd_join on top of its
 * pthread functions through internal calls that an interposer never sees,
 * so each is routed here to the interposed pthread function (same object
 * layouts: glibc's mtx_t and cnd_t are a pthread_mutex_t and pthread_cond_t)
 * and its error number mapped as glibc maps it.
 */
#include "nodice.h"

#include <pthread.h>
#include <sched.h>
#include <threads.h>
#include <time.h>

static int thrd_result(int err)
{
	switch (err) {
	case 0: return thrd_success;
	case EBUSY: return thrd_busy;
	case ETIMEDOUT: return thrd_timedout;
	case ENOMEM: return thrd_nomem;
	default: return thrd_error;
	}
}

ND_EXPORT int mtx_lock(mtx_t *m)
{
	ND_ORDERED();
	return thrd_result(pthread_mutex_lock((pthread_mutex_t *)m));
}

ND_EXPORT int mtx_trylock(mtx_t *m)
{
	ND_ORDERED();
	return thrd_result(pthread_mutex_trylock((pthread_mutex_t *)m));
}

ND_EXPORT int mtx_timedlock(mtx_t *restrict m, const struct timespec *restrict abs)
{
	ND_ORDERED();
	return thrd_result(pthread_mutex_timedlock((pthread_mutex_t *)m, abs));
}

ND_EXPORT int mtx_unlock(mtx_t *m)
{
	ND_ORDERED();
	return thrd_result(pthread_mutex_unlock((pthread_mutex_t *)m));
}

ND_EXPORT int cnd_wait(cnd_t *c, mtx_t *m)
{
	ND_ORDERED();
	return thrd_result(pthread_cond_wait((pthread_cond_t *)c, (pthread_mutex_t *)m));
}

ND_EXPORT int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict abs)
{
	ND_ORDERED();
	return thrd_result(pthread_cond_timedwait((pthread_cond_t *)c, (pthread_mutex_t *)m, abs));
}

ND_EXPORT int cnd_signal(cnd_t *c)
{
	ND_ORDERED();
	return thrd_result(pthread_cond_signal((pthread_cond_t *)c));
}

ND_EXPORT int cnd_broadcast(cnd_t *c)
{
	ND_ORDERED();
	return thrd_result(pthread_cond_broadcast((pthread_cond_t *)c));
}

ND_EXPORT int thrd_join(thrd_t t, int *res)
{
	ND_ORDERED();
	void *p;
	int r = pthread_join((pthread_t)t, &p);
	if (r == 0 && res)
		*res = (int)(intptr_t)p;
	return r == 0 ? thrd_success : thrd_error;
}

ND_EXPORT void thrd_yield(void)
{
	sched_yield();
}

/* thrd_sleep(3): 0, -1 when interrupted, other negatives on error. */
ND_EXPORT int thrd_sleep(const struct timespec *d, struct timespec *rem)
{
	ND_ORDERED();
	int e = errno;
	int r = nanosleep(d, rem);
	if (r == 0)
		return 0;
	r = errno == EINTR ? -1 : -2;
	errno = e;
	return r;
}
