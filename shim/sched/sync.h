/*
 * The scheduled forms of the blocking primitives (sync.c), shared by the
 * plain, timed (wait.c) and C11 (c11.c) entry points. Each takes a virtual
 * deadline (ND_NO_DEADLINE: none) and returns 0 or an error number, except
 * nd_sync_sem_wait, which returns 0 or -errno. The caller is scheduled.
 */
#ifndef ND_SYNC_H
#define ND_SYNC_H

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>

int nd_sync_mutex_lock(pthread_mutex_t *m, uint64_t deadline);
int nd_sync_cond_wait(pthread_cond_t *c, pthread_mutex_t *m, uint64_t deadline);
int nd_sync_sem_wait(sem_t *s, uint64_t deadline);
int nd_sync_rwlock(pthread_rwlock_t *l, int write, uint64_t deadline);
int nd_sync_join(pthread_t t, void **ret, uint64_t deadline);
/* A wait on a taken object, when it is process-shared (shared != 0):
 * logged as `tree-order`, since the tree does not order such objects yet. */
void nd_sync_tree_contended(int shared);
/* A semaphore made process-shared (glibc 2.36 x86-64: the word after the
 * value is 0, LLL_PRIVATE, or 128, LLL_SHARED). */
static inline int nd_sync_sem_shared(const sem_t *s)
{
	return ((const int *)s)[2] != 0;
}

/* treesem.c: a process-shared semaphore of a member, ordered by the tree.
 * key: its object key, or 0 when it is not the tree's to order. wait: 0
 * taken, -EAGAIN (try), -ETIMEDOUT, -EINTR, another -errno, or 1: wait in
 * the kernel (no place in line). post: as sem_post. */
uint64_t nd_treesem_key(sem_t *s);
int nd_treesem_wait(sem_t *s, uint64_t key, uint64_t deadline, int try);
int nd_treesem_post(sem_t *s, uint64_t key);
/* treebarrier.c: a process-shared barrier of a member, ordered by the tree:
 * as pthread_barrier_wait (0 or PTHREAD_BARRIER_SERIAL_THREAD, which is -1),
 * or ND_TREEBARRIER_NOT when the tree does not order it (the caller is no
 * member, or the barrier is private). */
#define ND_TREEBARRIER_NOT (-1000)
int nd_treebarrier_wait(pthread_barrier_t *pb);
/* glibc 2.36 x86-64's barrier, whose words the scheduler (private ones)
 * and the tree (process-shared ones) keep the round in. */
struct nd_barrier {
	unsigned in, current_round, count;
	int shared; /* 0, or 128 when process-shared */
	unsigned out;
};
/* treecond.c: a wait on a process-shared condition of a member whose mutex
 * the tree orders, with a virtual deadline: as pthread_cond_timedwait, or
 * ND_TREECOND_NOT when the tree does not order it (the caller waits in
 * libc). wake: a signal (all: a broadcast) to the tree's waiters. */
#define ND_TREECOND_NOT (-1000)
int nd_treecond_wait(pthread_cond_t *c, pthread_mutex_t *m, uint64_t deadline);
void nd_treecond_wake(pthread_cond_t *c, int all);

#endif
