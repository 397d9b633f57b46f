/*
 * Blocked threads: each waits on an object's address, until a wake-up on it
 * (oldest first), its virtual deadline, or a retry. When no thread can run
 * and none is outside, virtual time jumps to the earliest deadline (or to the
 * virtual alarm, when it comes first) once the tree's other processes have
 * nothing due before it (members.c); until then the jump is held and the
 * waiting threads retry it. A condition waiter signalled while its
 * mutex is held is moved to wait for the mutex (wait morphing).
 */
#include "nodice.h"
#include "vclock.h"
#include "scheduler.h"
#include "turn.h"

#include "itimer.h"
#include "members.h"

#include <pthread.h>

void nd_sched_recompute_deadline(void)
{
	uint64_t d = ND_NO_DEADLINE;
	for (int i = 0; i < nd_slots_hi; i++)
		if (nd_slots[i].state == S_BLOCKED && nd_slots[i].deadline < d)
			d = nd_slots[i].deadline;
	__atomic_store_n(&nd_sched_next_deadline, d, __ATOMIC_RELAXED);
}

void nd_sched_runnable(int i, enum nd_woken why)
{
	int had_deadline = nd_slots[i].deadline != ND_NO_DEADLINE;
	if (nd_slots[i].flags & ND_BLOCK_FD)
		__atomic_sub_fetch(&nd_sched_nfdwait, 1, __ATOMIC_RELAXED);
	int go = nd_slots[i].flags & ND_BLOCK_GO;
	nd_slots[i].flags = 0;
	__atomic_store_n(&nd_slots[i].state, S_RUN, __ATOMIC_SEQ_CST);
	if (go)
		nd_sched_kick(i);
	nd_slots[i].woken = why;
	nd_slots[i].deadline = ND_NO_DEADLINE;
	__atomic_sub_fetch(&nd_sched_nblocked, 1, __ATOMIC_RELAXED);
	if (had_deadline)
		nd_sched_recompute_deadline();
}

/* The blocked slot with the earliest deadline (oldest first on ties). */
int nd_sched_earliest(void)
{
	int best = -1;
	for (int i = 0; i < nd_slots_hi; i++) {
		struct slot *s = &nd_slots[i];
		if (s->state != S_BLOCKED || s->deadline == ND_NO_DEADLINE)
			continue;
		if (best < 0 || s->deadline < nd_slots[best].deadline ||
		    (s->deadline == nd_slots[best].deadline && s->seq < nd_slots[best].seq))
			best = i;
	}
	return best;
}

/* Wakes every sleeper whose deadline is at or before vt; returns how many. */
static int expire(uint64_t vt, int jumped)
{
	int n = 0;
	for (int i = 0; i < nd_slots_hi; i++)
		if (nd_slots[i].state == S_BLOCKED && nd_slots[i].deadline <= vt) {
			nd_slots[i].jumped = jumped;
			nd_sched_runnable(i, ND_WOKEN_TIMEOUT);
			n++;
		}
	return n;
}

int nd_sched_expire(uint64_t vt)
{
	return expire(vt, 0);
}

int nd_sched_expire_idle(uint64_t vt)
{
	return expire(vt, 1);
}

int nd_sched_jump_held;

int nd_sched_jump(void)
{
	int d = nd_sched_earliest();
	uint64_t t = __atomic_load_n(&nd_itimer_next, __ATOMIC_ACQUIRE);
	int alarm = t != ND_NO_DEADLINE && (d < 0 || t < nd_slots[d].deadline);
	if (!alarm && d < 0)
		return -1;
	/* The other processes of the tree may have something due first. */
	if (!nd_member_may(alarm ? t : nd_slots[d].deadline)) {
		nd_sched_jump_held = 1;
		return ND_JUMP_HELD;
	}
	nd_sched_jump_held = 0;
	nd_sched_progress++;
	if (alarm) {
		nd_vclock_advance_to(t);
		nd_sched_fire_pending = 1;
		return ND_JUMP_ALARM;
	}
	nd_vclock_advance_to(nd_slots[d].deadline);
	nd_sched_expire_idle(nd_slots[d].deadline);
	return d;
}

/* The thread blocked on obj the longest, or -1. */
int nd_sched_oldest_on(const void *obj)
{
	int best = -1;
	for (int i = 0; i < nd_slots_hi; i++)
		if (nd_slots[i].state == S_BLOCKED && nd_slots[i].obj == obj &&
		    (best < 0 || nd_slots[i].seq < nd_slots[best].seq))
			best = i;
	return best;
}

/* A condition waiter signalled while its mutex is held now waits for the
 * mutex, as woken by the signal; 1 when it was moved. */
static int morph(int i)
{
	const pthread_mutex_t *m = nd_slots[i].mutex;
	if (!m || !__atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED))
		return 0;
	int had_deadline = nd_slots[i].deadline != ND_NO_DEADLINE;
	nd_slots[i].obj = m;
	nd_slots[i].mutex = NULL;
	nd_slots[i].deadline = ND_NO_DEADLINE;
	nd_slots[i].flags = ND_BLOCK_RETRY | ND_BLOCK_ON(ND_WAIT_MUTEX);
	nd_slots[i].woken = ND_WOKEN_SIGNAL;
	nd_slots[i].seq = ++nd_sched_seq;
	if (had_deadline)
		nd_sched_recompute_deadline();
	return 1;
}

int nd_sched_wake_locked(const void *obj, int n)
{
	int first = -1, i, any = 0;
	while (n-- > 0 && (i = nd_sched_oldest_on(obj)) >= 0) {
		any = 1;
		if (morph(i))
			continue;
		nd_sched_runnable(i, ND_WOKEN_SIGNAL);
		if (first < 0)
			first = i;
	}
	if (first >= 0 && nd_turn < 0)
		nd_sched_grant(first);
	nd_sched_progress += any;
	return first;
}
