/*
 * Waiting for children that could still act before a point of virtual time
 * (issue 14), for a WNOHANG wait of a program whose SIGCHLD is at its
 * default action (reap.c): "has one ended yet" is answered at the caller's
 * present, so a child still running at an earlier time, or asleep until
 * one, must first get there, block, or end. Unlike a timed event of the tree (order.c), the
 * wait watches those children alone, and publishes the caller as waiting
 * until its present meanwhile: what it decides depends on them only, the
 * others' timed events after that present still wait for it, and their
 * events by count do not (a Pool's two workers each waited for the other's
 * task while their parent polled them, when the parent took a turn by
 * count). Its thread keeps its process's turn while it waits, as a turn's
 * wait does.
 */
#include "nodice.h"
#include "members.h"
#include "member_slots.h"
#include "holder.h"
#include "procstate.h"
#include "vclock.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>

/* Children that outlasted a wait's bound (a `while True: pass` that a
 * subprocess timeout is to kill) go to holder.c's skip list: the later
 * waits of this process pass them over until they change state or count,
 * as the tree's timed events do after 5 s. Before, each of subprocess's
 * WNOHANG polls between its naps waited the whole bound again: CPython's
 * test_call_timeout took 65 s instead of 30. */
static int slot_of(struct nd_member *m)
{
	return (int)(m - slot(0));
}

/* Member pid runs at a time before (vt, id), or sleeps until one: it could
 * still act, or end, before it (and has not been passed over). */
static int acts_before(int pid, uint64_t vt, uint64_t id)
{
	struct nd_member *m = nd_member_of(pid);
	if (!m || nd_holder_skipped(slot_of(m)))
		return 0;
	uint32_t st = __atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
	/* a sleeper's next event is ordered by (deadline, the id its wait is
	 * ordered by), as holder.c orders it: a shell's reap of its own child
	 * waits at that child's end with the child's id, and judged by the
	 * shell's id here it and xargs's poll at the same time each waited for
	 * the other (5 s, tree-order) */
	uint64_t at = st == ND_M_WAIT ? __atomic_load_n(&m->deadline, __ATOMIC_RELAXED)
				      : __atomic_load_n(&m->vt, __ATOMIC_RELAXED);
	uint64_t by = st == ND_M_WAIT ? __atomic_load_n(&m->wait_id, __ATOMIC_RELAXED) : m->id;
	uint64_t t, who;
	/* one that has left its time is in its last instructions; one killed
	 * stays RUN until a look frees its slot */
	return (st == ND_M_RUN || st == ND_M_WAIT) && nd_member_before(at, by, vt, id) &&
	       !nd_vclock_ended(pid, &t, &who) && !nd_proc_gone(pid);
}

/* The first of pid[0..n) that acts before (vt, id), or -1. */
static int first_before(const int32_t *pid, int n, uint64_t vt, uint64_t id)
{
	for (int i = 0; i < n; i++)
		if (acts_before(pid[i], vt, id))
			return i;
	return -1;
}

static int all_past(const int32_t *pid, int n, uint64_t vt, uint64_t id)
{
	return first_before(pid, n, vt, id) < 0;
}

/* Published as what holds this wait (order.c's looks do the same), so that
 * a wait by count behind a sleeper this one holds in time sees the cycle
 * (holder.c): a Pool's worker handler asked WNOHANG for a worker behind its
 * clock, that worker waited for the turn of another, which waited for a
 * third's sleep(0) to end, which the handler's wait held; each such wait
 * ran out its 5 s (test_pool_worker_lifetime: 25 s instead of 0.6). */
static int until_held_by(const int32_t *pid, int n, uint64_t vt, uint64_t id)
{
	int k = first_before(pid, n, vt, id);
	struct nd_member *m = k < 0 ? NULL : nd_member_of(pid[k]);
	__atomic_store_n(&slot(nd_member_me)->held_by, m ? slot_of(m) + 1 : 0, __ATOMIC_RELEASE);
	return k < 0;
}

int nd_member_until_past(const int32_t *pid, int n, uint64_t vt, uint64_t bound_ns)
{
	if (nd_member_me < 0)
		return 1;
	uint64_t self = nd_member_id(nd_member_me);
	if (all_past(pid, n, vt, self))
		return 1;
	struct nd_member_state was;
	struct nd_member *me = slot(nd_member_me);
	nd_member_state_save(&was);
	/* taken for asleep without /proc (its looks wake it every millisecond) */
	__atomic_store_n(&me->quiet, 1 + nd_holder_signals(me), __ATOMIC_SEQ_CST);
	/* a reader's floor left from an earlier wait would hold every timed
	 * event of the others (holder.c) while this one is blocked */
	uint64_t floor = __atomic_exchange_n(&me->floor, ND_NO_FLOOR, __ATOMIC_SEQ_CST);
	/* published as waiting until vt: the others' timed events after it
	 * still wait for it (it goes on from there), their events by count do not */
	nd_member_wait_real(vt);
	nd_member_keeps_turn(1);
	__atomic_add_fetch(&nd_tree->waiting, 1, __ATOMIC_SEQ_CST); /* every change wakes the wait */
	uint64_t give_up = nd_sys_monotonic_ns() + bound_ns;
	int past;
	for (;;) {
		uint32_t e = __atomic_load_n(&nd_tree->epoch, __ATOMIC_SEQ_CST);
		if ((past = until_held_by(pid, n, vt, self)) || nd_sys_monotonic_ns() > give_up)
			break;
		/* a clock read moves a member's time unannounced: look again soon */
		struct timespec to = { 0, 1000000L };
		nd_sys(SYS_futex, (long)&nd_tree->epoch, FUTEX_WAIT, e, (long)&to, 0, 0);
	}
	for (int i = 0; !past && i < n; i++) {
		struct nd_member *m = nd_member_of(pid[i]);
		if (m && acts_before(pid[i], vt, self))
			nd_holder_skip(slot_of(m));
	}
	__atomic_sub_fetch(&nd_tree->waiting, 1, __ATOMIC_SEQ_CST);
	nd_member_keeps_turn(0);
	uint64_t none = ND_NO_FLOOR;
	__atomic_compare_exchange_n(&me->floor, &none, floor, 0, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE);
	nd_member_state_restore(&was);
	__atomic_store_n(&me->quiet, 0, __ATOMIC_SEQ_CST);
	return past;
}
