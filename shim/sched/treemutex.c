/*
 * Process-shared mutexes as communication events of the tree (issue 14),
 * exactly as process-shared semaphores are (treesem.c): an acquisition is
 * tried at the member's turn, a release is stamped with its count and hands
 * the mutex to the first in the object's line. Which process gets a mutex
 * that two want is then the same in every run, while they compute in
 * parallel between. Left to the kernel, as before (a wait reported
 * tree-order): robust, priority-inheritance and priority-protect mutexes,
 * whose owner's death and priorities the kernel handles, and recursive ones,
 * whose unlock need not release. A condition wait unlocks and relocks its
 * mutex inside libc, unseen: a waiter in line then notices the free mutex
 * after 100 ms of real time (logged tree-order).
 */
#include "nodice.h"
#include "members.h"
#include "objects.h"
#include "treeobj.h"
#include "treemutex.h"

#include <errno.h>
#include <sys/syscall.h>

#define KERNEL_KINDS (16 | 32 | 64) /* robust, PI, PP */
#define PSHARED 128

static int take(void *obj)
{
	int r = nd_real.pthread_mutex_trylock(obj);
	return r == EBUSY ? EAGAIN : r;
}

static int units(void *obj)
{
	return __atomic_load_n(&((pthread_mutex_t *)obj)->__data.__lock, __ATOMIC_ACQUIRE) == 0;
}

static int give(void *obj)
{
	return nd_real.pthread_mutex_unlock(obj);
}

static const struct nd_tree_ops mutex_ops = { take, units, give, 0 };

static uint64_t key_of(pthread_mutex_t *m)
{
	int kind = m->__data.__kind;
	if (nd_member_me < 0 || !(kind & PSHARED) || (kind & KERNEL_KINDS) || (kind & 3) == PTHREAD_MUTEX_RECURSIVE_NP ||
	    nd_passthrough())
		return 0;
	return nd_object_key(m);
}

int nd_treemutex_ordered(pthread_mutex_t *m)
{
	return key_of(m) != 0;
}

int nd_treemutex_lock(pthread_mutex_t *m, uint64_t deadline, int try)
{
	uint64_t key = key_of(m);
	if (!key)
		return -1;
	if (!try && (m->__data.__kind & 3) == PTHREAD_MUTEX_ERRORCHECK_NP &&
	    m->__data.__owner == (int)nd_sys0(SYS_gettid))
		return EDEADLK;
	for (;;) {
		int r = nd_treeobj_wait(&mutex_ops, m, key, deadline, try);
		if (r == -EINTR)
			continue; /* a mutex wait is not interrupted: a handler ran, wait on */
		if (r > 0)
			return -1;
		return r == -EAGAIN ? EBUSY : -r;
	}
}

int nd_treemutex_unlock(pthread_mutex_t *m)
{
	uint64_t key = key_of(m);
	return key ? nd_treeobj_post(&mutex_ops, m, key) : -1;
}
