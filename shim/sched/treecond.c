/*
 * Process-shared condition variables as communication events of the tree
 * (issue 14), for a condition used with a mutex the tree orders
 * (treemutex.c). Natively which waiter a signal wakes, and whether a
 * signal comes before or after a wait began, follow real time. Here a wait
 * joins the condition's line (objects.h) at the member's turn and releases
 * the mutex in the same turn; a signal or broadcast, at the signaller's
 * turn, hands the first waiter (or all) in line over, and the woken go on
 * from the signaller's count (Lamport's join) and relock the mutex in the
 * tree's order. A timed wait's deadline is virtual (a timed event of the
 * tree, as a semaphore's).
 *
 * libc's words of the condition are not used for a waiter of the tree: a
 * signal also calls libc's, for waiters outside the tree, but a member
 * waiting here is woken only by a member's signal (a process outside the
 * tree that signals is not seen: docs/limits.md).
 */
#include "nodice.h"
#include "block.h"
#include "members.h"
#include "objects.h"
#include "scheduler.h"
#include "sync.h"
#include "tree.h"
#include "treemutex.h"
#include "treeobj.h"

#include <errno.h>

static uint64_t key_of(pthread_cond_t *c)
{
	if (nd_member_me < 0 || !(c->__data.__wrefs & 1))
		return 0;
	return nd_object_key(c);
}

/* The mutex again, in the tree's order; in libc when the tree has no room
 * for it now (as kernel_mutex_lock in sync.c would). */
static int relock(pthread_mutex_t *m)
{
	int r = nd_treemutex_lock(m, ND_NO_DEADLINE, 0);
	return r >= 0 ? r : ND_OUTSIDE(-1, 0, nd_real.pthread_mutex_lock(m));
}

int nd_treecond_wait(pthread_cond_t *c, pthread_mutex_t *m, uint64_t deadline)
{
	uint64_t key = key_of(c);
	if (!key || !nd_treemutex_ordered(m) || !nd_object(key))
		return ND_TREECOND_NOT;
	sigset_t mask;
	nd_member_turn();
	struct nd_tree_object *o = nd_object_hold(key, &mask);
	struct nd_tree_waiter *w = o ? nd_waiter_enqueue(key) : NULL;
	if (o)
		nd_object_unlock(o, &mask);
	if (!w) {
		nd_member_turn_done();
		nd_log_uncontrolled("tree-order", "a process-shared condition had no room in the tree's tables or "
						  "line: it waited in libc, in real time");
		return ND_TREECOND_NOT;
	}
	/* the mutex is released in the same turn: a signal at a later turn
	 * finds this waiter in line (its release counts the event) */
	int r = nd_treemutex_unlock(m);
	if (r != 0) {
		nd_treeobj_leave(w, key);
		return r < 0 ? EPERM : r; /* not the owner, as libc says */
	}
	if ((o = nd_object_hold(key, &mask))) {
		nd_treeobj_line_up(w, deadline);
		nd_object_unlock(o, &mask);
	}
	while (nd_treeobj_sleep(w, key, deadline) < 0)
		; /* a handler ran: a condition wait goes on (a spurious wake-up is allowed, not needed) */
	int woken = nd_treeobj_leave(w, key);
	r = relock(m);
	return r ? r : woken ? 0 : ETIMEDOUT;
}

void nd_treecond_wake(pthread_cond_t *c, int all)
{
	uint64_t key = key_of(c);
	if (!key)
		return;
	/* at the turn: every wait ahead of this signal in the order is in line
	 * (and made the entry), so no entry means nobody waits here */
	sigset_t mask;
	nd_member_turn();
	struct nd_tree_object *o = nd_object_find(key) ? nd_object_hold(key, &mask) : NULL;
	if (o) {
		/* a waiter killed in line would take the signal to its grave:
		 * natively a live waiter gets it (glibc counts signals, not
		 * sleepers) */
		if (nd_waiter_drop_dead(key))
			nd_log_uncontrolled("tree-order", "a process died waiting on a process-shared condition: its "
							  "place in the line was dropped when the condition was signalled");
		uint64_t at = nd_member_count(&nd_tree->members[nd_member_me]) + 1;
		while (nd_waiter_hand(key, at) && all)
			;
		nd_object_unlock(o, &mask);
	}
	nd_member_turn_done();
}
