/* treemutex.c: a process-shared mutex of a member, ordered by the tree. */
#ifndef ND_TREEMUTEX_H
#define ND_TREEMUTEX_H

#include <pthread.h>
#include <stdint.h>

/* When the tree orders m (this process is a member, m is process-shared,
 * not robust, PI, PP or recursive): 0 taken; EBUSY (try), ETIMEDOUT
 * (virtual deadline), EDEADLK or another error number, as
 * pthread_mutex_lock's. Otherwise, or when the tree has no room for it
 * now, -1: the caller locks in the kernel. */
int nd_treemutex_lock(pthread_mutex_t *m, uint64_t deadline, int try);
/* 1 when the tree orders m (the conditions above). */
int nd_treemutex_ordered(pthread_mutex_t *m);
/* As pthread_mutex_unlock, or -1 when the tree does not order m. */
int nd_treemutex_unlock(pthread_mutex_t *m);

#endif
