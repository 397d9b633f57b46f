/*
 * Process-shared barriers as communication events of the tree (issue 14).
 * Natively the last process to arrive gets PTHREAD_BARRIER_SERIAL_THREAD,
 * and which one that is follows real time; so does the moment the others
 * go on. Here an arrival is made at the member's turn (members.h), so the
 * arrivals of a round come in the tree's order on every run: the last in
 * that order is the serial one, and it wakes the others from the barrier's
 * line (objects.h) at its count, from which they go on (Lamport's join).
 * The processes compute in parallel between rounds.
 *
 * The round is kept in the barrier's own words, as the thread scheduler
 * keeps a private barrier's (sync.c): `in` arrivals of this round, reset by
 * the last, and `current_round`, which the last moves. libc's own wait is
 * never used on a barrier of a member, so an arrival the order cannot place
 * (no entry in the tree's table, no place in the line) still counts in the
 * same words: it waits on `current_round` in real time, reported as
 * `tree-order`, and never hangs the round. A barrier shared with a process
 * outside the tree (which waits in libc) is not supported (docs/limits.md).
 */
#include "nodice.h"
#include "block.h"
#include "members.h"
#include "objects.h"
#include "scheduler.h"
#include "sync.h"
#include "tree.h"
#include "treeobj.h"

#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>

/* Counts this arrival in the round: 1 when it was the last (the round is
 * over, and whoever waits on the round's word is woken). */
static int arrive(struct nd_barrier *b, unsigned *round)
{
	*round = __atomic_load_n(&b->current_round, __ATOMIC_ACQUIRE);
	if (__atomic_add_fetch(&b->in, 1, __ATOMIC_ACQ_REL) < b->count)
		return 0;
	__atomic_store_n(&b->in, 0, __ATOMIC_RELAXED);
	__atomic_add_fetch(&b->current_round, 1, __ATOMIC_RELEASE);
	nd_sys(SYS_futex, (long)&b->current_round, FUTEX_WAKE, INT_MAX, 0, 0, 0);
	return 1;
}

/* An arrival the order could not place: the round's end in real time. */
static void wait_round(struct nd_barrier *b, unsigned round)
{
	nd_log_uncontrolled("tree-order", "a process-shared barrier had no room in the tree's tables or line: "
					  "which process ended the round followed real time");
	while (__atomic_load_n(&b->current_round, __ATOMIC_ACQUIRE) == round)
		ND_OUTSIDE(-1, 0, nd_sys(SYS_futex, (long)&b->current_round, FUTEX_WAIT, round, 0, 0, 0));
}

int nd_treebarrier_wait(pthread_barrier_t *pb)
{
	struct nd_barrier *b = (struct nd_barrier *)pb;
	if (nd_member_me < 0 || b->shared == 0)
		return ND_TREEBARRIER_NOT;
	uint64_t key = nd_object_key(pb);
	unsigned round;
	sigset_t mask;
	nd_member_turn();
	struct nd_tree_object *o = key ? nd_object_hold(key, &mask) : NULL;
	if (!o) {
		int last = arrive(b, &round);
		nd_member_turn_done();
		if (last)
			return PTHREAD_BARRIER_SERIAL_THREAD;
		wait_round(b, round);
		return 0;
	}
	struct nd_tree_waiter *w = NULL;
	int last = arrive(b, &round);
	if (last) {
		/* the others go on after this arrival, in the order they came */
		uint64_t c = nd_member_count(&nd_tree->members[nd_member_me]);
		while (nd_waiter_hand(key, c + 1))
			;
	} else if ((w = nd_waiter_enqueue(key))) {
		nd_treeobj_line_up(w, ND_NO_DEADLINE);
	}
	nd_object_unlock(o, &mask);
	/* Joining the line is not counted: passing the barrier is the event. */
	if (!w)
		nd_member_turn_done();
	if (last)
		return PTHREAD_BARRIER_SERIAL_THREAD;
	if (!w) {
		wait_round(b, round);
		return 0;
	}
	while (nd_treeobj_sleep(w, key, ND_NO_DEADLINE) != 1)
		; /* a barrier wait is not interrupted: a handler ran, wait on */
	nd_treeobj_leave(w, key);
	return 0;
}
