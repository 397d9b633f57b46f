/*
 * A scheduled thread outside in a timed wait that only the tree can end
 * (descriptors internal.c accepts: pipes, socketpairs, eventfds, epoll sets
 * of them), while nothing else of its process can run. Natively the
 * process's other threads' timed waits and this wait's timeout end in time
 * order with the tree's events; so here the earlier of this wait's deadline
 * and its process's earliest sleeper is its timed event of the tree
 * (sleep.c asks the tree, members.c), and when a sleeper's deadline comes
 * first the thread goes back into the scheduler as a descriptor waiter and
 * the sleepers due wake with the turn, as the scheduler's own jump would
 * have woken them. Before, a sleeper's deadline elapsed in real time
 * meanwhile (watch.c): node's child-process timeout printed 301 or 302 ms
 * depending on whether a V8 thread's 100 ms wait ran out before the child's
 * exit reached the event loop.
 */
#include "nodice.h"
#include "scheduler.h"
#include "turn.h"

/* Another thread outside in such a wait whose deadline comes before the
 * caller's (slot order on ties) keeps the process's time. */
static int other_keeper(uint64_t d)
{
	for (int i = 0; i < nd_slots_hi; i++) {
		struct slot *o = &nd_slots[i];
		if (i != me && o->state == S_OUTSIDE && o->out_tree &&
		    (o->out_deadline < d || (o->out_deadline == d && i < me)))
			return 1;
	}
	return 0;
}

int nd_sched_tree_idle(uint64_t d, uint64_t *due)
{
	nd_sched_lock();
	struct slot *s = &nd_slots[me];
	if (!s->out_tree) {
		s->out_tree = 1;
		nd_sched_ntree++;
	}
	s->out_deadline = d;
	int r = ND_TREE_IDLE;
	if (__atomic_load_n(&nd_turn, __ATOMIC_ACQUIRE) >= 0 || nd_sched_others_runnable()) {
		r = ND_TREE_ACTIVE;
	} else if (nd_sched_noutside > nd_sched_ntree) {
		r = ND_TREE_REAL;
	} else if (other_keeper(d)) {
		r = ND_TREE_FOLLOW;
	} else {
		int e = nd_sched_earliest();
		*due = e >= 0 ? nd_slots[e].deadline : ND_NO_DEADLINE;
	}
	nd_sched_unlock();
	return r;
}

enum nd_woken nd_sched_tree_return(struct pollfd *fds, int n, uint64_t d, uint64_t wake)
{
	nd_sched_depth++;
	nd_sched_lock();
	struct slot *s = &nd_slots[me];
	if (s->out_tree) {
		s->out_tree = 0;
		nd_sched_ntree--;
	}
	nd_sched_noutside--;
	s->fds = fds;
	s->nfds = n;
	nd_sched_block_locked(&nd_sched_fd_obj, NULL, d, ND_BLOCK_FD | ND_BLOCK_INTR | ND_BLOCK_ON(ND_WAIT_FD));
	if (__atomic_load_n(&nd_turn, __ATOMIC_ACQUIRE) < 0) {
		int e = nd_sched_earliest(), next;
		if (wake != ND_NO_DEADLINE && e >= 0 && nd_slots[e].deadline <= wake) {
			nd_sched_progress++;
			nd_sched_expire_idle(wake);
			next = e;
		} else if ((next = nd_sched_pick(-1)) < 0) {
			nd_sched_runnable(me, ND_WOKEN_RETRY); /* look again, in the order */
			next = me;
		}
		nd_sched_grant(next);
	}
	nd_sched_unlock();
	nd_sched_wait_turn();
	nd_sched_depth--;
	return s->woken;
}

uint64_t nd_sched_turn_number(void)
{
	return __atomic_load_n(&nd_turn_gen, __ATOMIC_RELAXED);
}

int nd_sched_tree_changed(uint64_t seen)
{
	return __atomic_load_n(&nd_turn, __ATOMIC_RELAXED) >= 0 ||
	       __atomic_load_n(&nd_turn_gen, __ATOMIC_RELAXED) != seen;
}
