/*
 * Deadlocks of record locks between processes of the tree (filelock.c).
 * The kernel answers EDEADLK to the blocking F_SETLKW that would close a
 * cycle of processes each waiting for a lock the next holds; but waits in
 * the tree's lines are not the kernel's, which sees no cycle, and two such
 * processes waited for ever. Each record-lock waiter notes, at its turn,
 * the holder F_GETLK named (the tree's lockwaits table); a request whose
 * holder waits, through others, for the requester gets EDEADLK.
 */
#include "nodice.h"
#include "lockcycle.h"
#include "procstate.h"

#include <errno.h>
#include <sys/syscall.h>

static struct nd_tree_lockwait *lockwait_of(int pid)
{
	for (int i = 0; i < ND_TREE_LOCKWAITS; i++)
		if (__atomic_load_n(&nd_tree->lockwaits[i].pid, __ATOMIC_ACQUIRE) == pid)
			return &nd_tree->lockwaits[i];
	return NULL;
}

int nd_lockcycle_note(int holder, struct nd_tree_lockwait **mine)
{
	int me = (int)nd_sys0(SYS_getpid), r = 0;
	*mine = NULL;
	while (__atomic_exchange_n(&nd_tree->lockwaits_lock, 1, __ATOMIC_ACQUIRE))
		nd_sys0(SYS_sched_yield);
	int h = holder;
	for (int steps = 0; h > 0 && steps < ND_TREE_LOCKWAITS; steps++) {
		if (h == me) {
			r = EDEADLK;
			break;
		}
		struct nd_tree_lockwait *w = lockwait_of(h);
		if (w && nd_proc_gone(h)) { /* killed while it waited: its note is stale */
			__atomic_store_n(&w->pid, 0, __ATOMIC_RELEASE);
			w = NULL;
		}
		h = w ? __atomic_load_n(&w->blocker, __ATOMIC_ACQUIRE) : 0;
	}
	if (!r && (*mine = lockwait_of(0))) {
		__atomic_store_n(&(*mine)->blocker, holder, __ATOMIC_RELEASE);
		__atomic_store_n(&(*mine)->pid, me, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&nd_tree->lockwaits_lock, 0, __ATOMIC_RELEASE);
	return r;
}

void nd_lockcycle_done(struct nd_tree_lockwait *mine)
{
	__atomic_store_n(&mine->pid, 0, __ATOMIC_RELEASE);
}
