/*
 * Synchronization under the scheduler (sched.c). For a scheduled thread a
 * blocking primitive becomes "try, and if busy, block in the scheduler on the
 * object's address": libc's lock word is only ever taken with trylock, so
 * the kernel never puts a scheduled thread to sleep behind the scheduler's
 * back, and who gets a contended lock is decided by the turn order. The
 * release side (unlock, post, signal) calls libc and then wakes the
 * scheduler's waiters on the same address, whoever calls it.
 *
 * Condition variables and barriers are kept entirely by the scheduler for
 * scheduled threads (a waiter is registered before its mutex is released,
 * so no signal is lost); signal and broadcast still call libc for waiters
 * the scheduler does not know (threads it did not start).
 *
 * Process-shared objects, and robust, priority-inheritance and
 * priority-protect mutexes, are synchronized with other processes or have
 * kernel-side semantics: the thread tries once, then leaves the turn and
 * calls libc (glibc's layouts on x86-64 say which objects these are), with
 * the virtual deadline turned into a real one (wait.c).
 *
 * The timed variants are in wait.c, the C11 ones in c11.c; all come here.
 */
#include "nodice.h"
#include "block.h"
#include "objects.h"
#include "sync.h"
#include "treemutex.h"
#include "vclock.h"

#include <pthread.h>
#include <semaphore.h>
#include <sys/syscall.h>
#include <time.h>

#define ALL ND_SCHED_SLOTS

/* glibc 2.36 x86-64 layouts (a barrier's: sync.h). */
#define MUTEX_KERNEL_KINDS (16 | 32 | 64 | 128) /* robust, PI, PP, pshared */

static int mutex_external(const pthread_mutex_t *m)
{
	return m->__data.__kind & MUTEX_KERNEL_KINDS;
}

static int self_tid(void)
{
	return (int)nd_sys0(SYS_gettid);
}

/* A mutex the scheduler does not keep (a kernel kind, or any in a process
 * without scheduled threads): ordered by the tree when it is process-shared
 * (treemutex.c), otherwise tried, and waited for in libc outside the turn. */
static int kernel_mutex_lock(pthread_mutex_t *m, uint64_t deadline)
{
	int r = nd_treemutex_lock(m, deadline, 0);
	if (r >= 0)
		return r;
	r = nd_real.pthread_mutex_trylock(m);
	if (r != EBUSY)
		return r;
	nd_sync_tree_contended(m->__data.__kind & 128);
	if (deadline == ND_NO_DEADLINE)
		return ND_OUTSIDE(-1, 0, nd_real.pthread_mutex_lock(m));
	struct timespec ts;
	nd_vclock_real_deadline(deadline, &ts);
	return nd_vclock_settle(ND_OUTSIDE(-1, 0, nd_real.pthread_mutex_clocklock(m, CLOCK_MONOTONIC, &ts)), deadline);
}

int nd_sync_mutex_lock(pthread_mutex_t *m, uint64_t deadline)
{
	if (mutex_external(m))
		return kernel_mutex_lock(m, deadline);
	nd_sched_point();
	for (;;) {
		int r = nd_real.pthread_mutex_trylock(m);
		if (r != EBUSY)
			return r;
		if ((m->__data.__kind & 3) == PTHREAD_MUTEX_ERRORCHECK_NP && m->__data.__owner == self_tid())
			return EDEADLK;
		if (nd_sched_block(m, deadline, ND_BLOCK_RETRY | ND_BLOCK_ON(ND_WAIT_MUTEX)) == ND_WOKEN_TIMEOUT)
			return ETIMEDOUT;
	}
}

int nd_sync_cond_wait(pthread_cond_t *c, pthread_mutex_t *m, uint64_t deadline)
{
	if (c->__data.__wrefs & 1) { /* process-shared */
		int r = nd_treecond_wait(c, m, deadline);
		if (r != ND_TREECOND_NOT)
			return r;
		if (deadline == ND_NO_DEADLINE)
			return ND_OUTSIDE(-1, 0, nd_real.pthread_cond_wait(c, m));
		struct timespec ts;
		nd_vclock_real_deadline(deadline, &ts);
		return nd_vclock_settle(ND_OUTSIDE(-1, 0, nd_real.pthread_cond_clockwait(c, m, CLOCK_MONOTONIC, &ts)),
				      deadline);
	}
	nd_sched_block_begin_cond(c, m, deadline, ND_BLOCK_CANCEL | ND_BLOCK_INTR | ND_BLOCK_ON(ND_WAIT_COND));
	int r = nd_real.pthread_mutex_unlock(m);
	if (r != 0) {
		nd_sched_block_cancel();
		return r; /* not the owner: EPERM, as libc says */
	}
	nd_sched_parallel_held(-1);
	nd_sched_wake(m, 1);
	enum nd_woken w = nd_sched_block_wait();
	nd_sync_mutex_lock(m, ND_NO_DEADLINE);
	nd_sched_parallel_held(1);
	pthread_testcancel();
	return w == ND_WOKEN_TIMEOUT ? ETIMEDOUT : 0;
}

int nd_sync_sem_wait(sem_t *s, uint64_t deadline)
{
	nd_sched_point();
	uint64_t key = nd_treesem_key(s);
	if (key) {
		int r = nd_treesem_wait(s, key, deadline, 0);
		if (r <= 0)
			return r;
	}
	int e = errno;
	if (nd_real.sem_trywait(s) == 0)
		return 0;
	if (errno != EAGAIN)
		return -errno;
	errno = e;
	if (nd_sync_sem_shared(s)) { /* process-shared (sem_open too) */
		nd_sync_tree_contended(1);
		struct timespec ts;
		if (deadline != ND_NO_DEADLINE)
			nd_vclock_real_deadline(deadline, &ts);
		int r = deadline == ND_NO_DEADLINE ? ND_OUTSIDE(-1, 0, nd_real.sem_wait(s))
						   : ND_OUTSIDE(-1, 0, nd_real.sem_clockwait(s, CLOCK_MONOTONIC, &ts));
		return r < 0 ? -nd_vclock_settle(errno, deadline) : 0;
	}
	for (;;) {
		enum nd_woken w = nd_sched_block(s, deadline,
						 ND_BLOCK_RETRY | ND_BLOCK_CANCEL | ND_BLOCK_INTR | ND_BLOCK_ON(ND_WAIT_SEM));
		pthread_testcancel();
		if (nd_real.sem_trywait(s) == 0) {
			errno = e;
			return 0;
		}
		errno = e;
		if (w == ND_WOKEN_TIMEOUT)
			return -ETIMEDOUT;
		if (w == ND_WOKEN_INTR)
			return -EINTR; /* sem_wait is never restarted (signal(7)) */
	}
}

int nd_sync_rwlock(pthread_rwlock_t *l, int write, uint64_t deadline)
{
	if (l->__data.__shared) {
		int r = write ? nd_real.pthread_rwlock_trywrlock(l) : nd_real.pthread_rwlock_tryrdlock(l);
		if (r != EBUSY)
			return r;
		if (deadline == ND_NO_DEADLINE)
			return write ? ND_OUTSIDE(-1, 0, nd_real.pthread_rwlock_wrlock(l))
				     : ND_OUTSIDE(-1, 0, nd_real.pthread_rwlock_rdlock(l));
		struct timespec ts;
		nd_vclock_real_deadline(deadline, &ts);
		r = write ? ND_OUTSIDE(-1, 0, nd_real.pthread_rwlock_clockwrlock(l, CLOCK_MONOTONIC, &ts))
			  : ND_OUTSIDE(-1, 0, nd_real.pthread_rwlock_clockrdlock(l, CLOCK_MONOTONIC, &ts));
		return nd_vclock_settle(r, deadline);
	}
	nd_sched_point();
	for (;;) {
		int r = write ? nd_real.pthread_rwlock_trywrlock(l) : nd_real.pthread_rwlock_tryrdlock(l);
		if (r != EBUSY)
			return r;
		if (l->__data.__cur_writer == self_tid())
			return EDEADLK;
		if (nd_sched_block(l, deadline, ND_BLOCK_RETRY | ND_BLOCK_ON(ND_WAIT_RWLOCK)) == ND_WOKEN_TIMEOUT)
			return ETIMEDOUT;
	}
}

int nd_sync_join(pthread_t t, void **ret, uint64_t deadline)
{
	while (nd_sched_thread_alive((unsigned long)t)) {
		enum nd_woken w = nd_sched_block((const void *)t, deadline, ND_BLOCK_CANCEL | ND_BLOCK_ON(ND_WAIT_JOIN));
		pthread_testcancel();
		if (w == ND_WOKEN_TIMEOUT && nd_sched_thread_alive((unsigned long)t))
			return ETIMEDOUT;
	}
	return nd_real.pthread_join(t, ret);
}

/* pthread_mutex_lock(3), pthread_mutex_trylock(3), pthread_mutex_unlock(3). */
ND_EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.pthread_mutex_lock(m);
	if (!nd_sched_managed())
		return kernel_mutex_lock(m, ND_NO_DEADLINE);
	int r = nd_sync_mutex_lock(m, ND_NO_DEADLINE);
	if (r == 0)
		nd_sched_parallel_held(1);
	return r;
}

ND_EXPORT int pthread_mutex_trylock(pthread_mutex_t *m)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.pthread_mutex_trylock(m);
	nd_sched_point();
	int r = nd_treemutex_lock(m, ND_NO_DEADLINE, 1);
	if (r < 0)
		r = nd_real.pthread_mutex_trylock(m);
	if (r == 0 && nd_sched_managed())
		nd_sched_parallel_held(1);
	return r;
}

ND_EXPORT int pthread_mutex_unlock(pthread_mutex_t *m)
{
	ND_ORDERED();
	int r = nd_treemutex_unlock(m);
	if (r < 0)
		r = nd_real.pthread_mutex_unlock(m);
	if (r == 0 && nd_sched_on) {
		if (nd_sched_managed())
			nd_sched_parallel_held(-1);
		nd_sched_handoff(m, 1);
		nd_sched_point();
	}
	return r;
}

/* pthread_cond_wait(3), pthread_cond_signal(3), pthread_cond_broadcast(3). */
ND_EXPORT int pthread_cond_wait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.pthread_cond_wait(c, m);
	if (!nd_sched_managed()) {
		int r = nd_treecond_wait(c, m, ND_NO_DEADLINE);
		return r != ND_TREECOND_NOT ? r : ND_OUTSIDE(-1, 0, nd_real.pthread_cond_wait(c, m));
	}
	return nd_sync_cond_wait(c, m, ND_NO_DEADLINE);
}

ND_EXPORT int pthread_cond_signal(pthread_cond_t *c)
{
	ND_ORDERED();
	int r = nd_real.pthread_cond_signal(c);
	if (!nd_passthrough())
		nd_treecond_wake(c, 0);
	if (nd_sched_on) {
		nd_sched_wake(c, 1);
		nd_sched_point();
	}
	return r;
}

ND_EXPORT int pthread_cond_broadcast(pthread_cond_t *c)
{
	ND_ORDERED();
	int r = nd_real.pthread_cond_broadcast(c);
	if (!nd_passthrough())
		nd_treecond_wake(c, 1);
	if (nd_sched_on) {
		nd_sched_wake(c, ALL);
		nd_sched_point();
	}
	return r;
}

/* The rwlock family. */
ND_EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	ND_ORDERED();
	if (nd_passthrough() || !nd_sched_managed())
		return nd_real.pthread_rwlock_rdlock(l);
	return nd_sync_rwlock(l, 0, ND_NO_DEADLINE);
}

ND_EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	ND_ORDERED();
	if (nd_passthrough() || !nd_sched_managed())
		return nd_real.pthread_rwlock_wrlock(l);
	return nd_sync_rwlock(l, 1, ND_NO_DEADLINE);
}

ND_EXPORT int pthread_rwlock_tryrdlock(pthread_rwlock_t *l)
{
	ND_ORDERED();
	if (!nd_passthrough())
		nd_sched_point();
	return nd_real.pthread_rwlock_tryrdlock(l);
}

ND_EXPORT int pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
	ND_ORDERED();
	if (!nd_passthrough())
		nd_sched_point();
	return nd_real.pthread_rwlock_trywrlock(l);
}

ND_EXPORT int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
	ND_ORDERED();
	int r = nd_real.pthread_rwlock_unlock(l);
	if (r == 0 && nd_sched_on) {
		nd_sched_handoff(l, ALL);
		nd_sched_point();
	}
	return r;
}

/* A scheduled thread's barrier wait: the round is counted in the barrier's
 * own words, under the turn; libc's waiting is not used. The last to arrive
 * starts the next round and wakes the others. */
static int barrier_wait(struct nd_barrier *b)
{
	nd_sched_point();
	unsigned round = __atomic_load_n(&b->current_round, __ATOMIC_ACQUIRE);
	if (__atomic_add_fetch(&b->in, 1, __ATOMIC_ACQ_REL) >= b->count) {
		__atomic_store_n(&b->in, 0, __ATOMIC_RELAXED);
		__atomic_add_fetch(&b->current_round, 1, __ATOMIC_RELEASE);
		nd_sched_wake(b, ALL);
		return PTHREAD_BARRIER_SERIAL_THREAD;
	}
	while (__atomic_load_n(&b->current_round, __ATOMIC_ACQUIRE) == round)
		nd_sched_block(b, ND_NO_DEADLINE, ND_BLOCK_ON(ND_WAIT_BARRIER));
	return 0;
}

/* pthread_barrier_wait(3): a process-shared barrier of a member is the
 * tree's (treebarrier.c); one of a process outside the tree waits outside
 * the turn. */
ND_EXPORT int pthread_barrier_wait(pthread_barrier_t *pb)
{
	ND_ORDERED();
	struct nd_barrier *b = (struct nd_barrier *)pb;
	if (nd_passthrough())
		return nd_real.pthread_barrier_wait(pb);
	int r = b->shared != 0 ? nd_treebarrier_wait(pb) : ND_TREEBARRIER_NOT;
	if (r != ND_TREEBARRIER_NOT)
		return r;
	if (!nd_sched_managed())
		return nd_real.pthread_barrier_wait(pb);
	if (b->shared != 0)
		return ND_OUTSIDE(-1, 0, nd_real.pthread_barrier_wait(pb));
	return barrier_wait(b);
}

/* sem_wait(3), sem_trywait(3), sem_post(3). sem_post is async-signal-safe:
 * it wakes, but never passes the turn. */
/* A process with no scheduled threads (one thread) can only wait on a
 * process-shared object here: it is blocked for the tree meanwhile. */
ND_EXPORT int sem_wait(sem_t *s)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.sem_wait(s);
	if (!nd_sched_managed()) {
		uint64_t key = nd_treesem_key(s);
		int r = key ? nd_treesem_wait(s, key, ND_NO_DEADLINE, 0) : 1;
		if (r <= 0)
			return r ? (errno = -r, -1) : 0;
		int e = errno;
		if (nd_real.sem_trywait(s) == 0) {
			errno = e;
			return 0;
		}
		if (errno != EAGAIN)
			return -1;
		errno = e;
		nd_sync_tree_contended(nd_sync_sem_shared(s));
		return ND_OUTSIDE(-1, 0, nd_real.sem_wait(s));
	}
	int r = nd_sync_sem_wait(s, ND_NO_DEADLINE);
	return (int)nd_ret(r);
}

ND_EXPORT int sem_trywait(sem_t *s)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.sem_trywait(s);
	nd_sched_point();
	uint64_t key = nd_treesem_key(s);
	if (!key)
		return nd_real.sem_trywait(s);
	int r = nd_treesem_wait(s, key, ND_NO_DEADLINE, 1);
	if (r > 0) /* not in the tree's table: the kernel decides, as natively */
		return nd_real.sem_trywait(s);
	return r ? (errno = -r, -1) : 0;
}

ND_EXPORT int sem_post(sem_t *s)
{
	ND_ORDERED();
	uint64_t key = nd_passthrough() ? 0 : nd_treesem_key(s);
	int r = key ? nd_treesem_post(s, key) : nd_real.sem_post(s);
	if (r == 0 && nd_sched_on)
		nd_sched_wake(s, 1);
	return r;
}

/* The spin lock family. */
ND_EXPORT int pthread_spin_lock(pthread_spinlock_t *s)
{
	ND_ORDERED();
	if (nd_passthrough() || !nd_sched_managed())
		return nd_real.pthread_spin_lock(s);
	nd_sched_point();
	int r;
	while ((r = nd_real.pthread_spin_trylock(s)) == EBUSY)
		nd_sched_block((const void *)s, ND_NO_DEADLINE, ND_BLOCK_RETRY | ND_BLOCK_ON(ND_WAIT_SPIN));
	return r;
}

ND_EXPORT int pthread_spin_trylock(pthread_spinlock_t *s)
{
	ND_ORDERED();
	if (!nd_passthrough())
		nd_sched_point();
	return nd_real.pthread_spin_trylock(s);
}

ND_EXPORT int pthread_spin_unlock(pthread_spinlock_t *s)
{
	ND_ORDERED();
	int r = nd_real.pthread_spin_unlock(s);
	if (nd_sched_on) {
		nd_sched_handoff((const void *)s, 1);
		nd_sched_point();
	}
	return r;
}

/* pthread_once(3): a second caller waits in the scheduler, not on libc's
 * futex, while the first runs the initializer (which may pass the turn).
 * glibc's control word: bit 0 in progress, bit 1 done. Done is final, so a
 * call that finds it done returns 0 in any order, as glibc's fast path does,
 * without the turn: torch's dispatcher makes dozens per operator, which in
 * parallel mode each waited for the turn a computing worker held. */
ND_EXPORT int pthread_once(pthread_once_t *o, void (*init)(void))
{
	if (__atomic_load_n(o, __ATOMIC_ACQUIRE) & 2)
		return 0;
	ND_ORDERED();
	if (nd_passthrough() || !nd_sched_managed())
		return nd_real.pthread_once(o, init);
	int v;
	while (!((v = __atomic_load_n(o, __ATOMIC_ACQUIRE)) & 2) && (v & 1))
		nd_sched_block(o, ND_NO_DEADLINE, ND_BLOCK_RETRY | ND_BLOCK_ON(ND_WAIT_ONCE));
	if (v & 2)
		return 0;
	int r = nd_real.pthread_once(o, init);
	nd_sched_wake(o, ALL);
	return r;
}

/* sched_yield(2): the turn passes; with nothing else runnable, virtual time
 * moves to the next sleeper's deadline. In parallel mode a yield is not an
 * ordered call (OpenBLAS's and libgomp's idle workers spin on it while the
 * others compute): it goes to the kernel, and a thread that holds the turn
 * keeps it for its next call, unless it keeps yielding (parallel.c). */
ND_EXPORT int sched_yield(void)
{
	if (nd_passthrough() || !nd_sched_managed())
		return nd_real.sched_yield();
	if (nd_sched_parallel && (!nd_sched_holds_turn() || !nd_sched_parallel_yield_passes()))
		return nd_real.sched_yield();
	nd_sched_yield();
	return 0;
}

/* sem_close(3), sem_destroy(3): another object may be mapped where this
 * one was, so what is known of its page is dropped. */
ND_EXPORT int sem_close(sem_t *s)
{
	ND_ORDERED();
	nd_object_forget(s);
	return nd_real.sem_close(s);
}

ND_EXPORT int sem_destroy(sem_t *s)
{
	ND_ORDERED();
	nd_object_forget(s);
	return nd_real.sem_destroy(s);
}
