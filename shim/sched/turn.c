/*
 * The turn: the right to run, held by at most one managed thread. Handed on
 * at synchronization and blocking points to the next runnable thread in slot
 * order (round robin over creation order), after a quantum of QUANTUM
 * points, or at once when the holder blocks; with NODICE_SCHEDULE_SEED the
 * next thread and the quantum lengths are drawn from a generator seeded with
 * it instead. Everything shared lives in static arrays under one futex lock;
 * nothing allocates.
 */
#include "nodice.h"
#include "vclock.h"
#include "signals.h"
#include "scheduler.h"
#include "turn.h"
#include "members.h"

#include "itimer.h"

#include <linux/futex.h>
#include <sys/syscall.h>

struct slot nd_slots[ND_SCHED_SLOTS];
int nd_slots_hi;
int nd_turn = -1;
int nd_sched_noutside, nd_sched_nblocked, nd_sched_ntree;
char nd_sched_fd_obj;
int nd_sched_nfdwait;
uint64_t nd_sched_seq;
uint64_t nd_sched_rng;
uint64_t nd_turn_gen, nd_turn_gen_seen, nd_turn_gen_seen_at;
int nd_sched_spin_limit;
int nd_sched_cpus;
uint64_t nd_sched_progress;
ND_TLS unsigned nd_sched_quantum = QUANTUM;
ND_TLS int nd_sched_fire_pending;
ND_TLS int nd_sched_interrupted_here;

int nd_sched_on;
uint64_t nd_sched_next_deadline = ND_NO_DEADLINE;
ND_TLS int nd_sched_me = -1;

static uint32_t lk;
/* A grant's FUTEX_WAKE is made after the lock is released: on one CPU the
 * woken thread often runs at once, and would find the lock taken. */
static ND_TLS int pending_wake = -1;

long nd_sched_futex(uint32_t *w, int op, uint32_t v, const struct timespec *to)
{
	return nd_sys(SYS_futex, (long)w, op | FUTEX_PRIVATE_FLAG, v, (long)to, 0, 0);
}

void nd_sched_lock(void)
{
	uint32_t c = 0;
	if (__atomic_compare_exchange_n(&lk, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	if (c != 2)
		c = __atomic_exchange_n(&lk, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		nd_sched_futex(&lk, FUTEX_WAIT, 2, NULL);
		c = __atomic_exchange_n(&lk, 2, __ATOMIC_ACQUIRE);
	}
}

static void fire_alarm(void)
{
	/* Process-directed, as the kernel's timer sends it: the kernel picks the
	 * thread group leader when it does not block the signal. */
	long tid = nd_sys0(SYS_gettid);
	if (nd_itimer_fire(nd_vclock_now(), nd_pid == tid ? tid : 0))
		nd_sched_interrupted_here = 1;
}

void nd_sched_unlock(void)
{
	if (__atomic_exchange_n(&lk, 0, __ATOMIC_RELEASE) == 2)
		nd_sched_futex(&lk, FUTEX_WAKE, 1, NULL);
	if (pending_wake >= 0) {
		int i = pending_wake;
		pending_wake = -1;
		nd_sched_futex(&nd_slots[i].go, FUTEX_WAKE, 1, NULL);
	}
	if (nd_sched_fire_pending) {
		nd_sched_fire_pending = 0;
		fire_alarm();
	}
}

static uint64_t draw(void)
{
	uint64_t z = (nd_sched_rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

unsigned nd_sched_next_quantum(void)
{
	return nd_cfg.schedule_seed ? 1 + (unsigned)(draw() % (2 * QUANTUM)) : QUANTUM;
}

void nd_sched_kick(int i)
{
	__atomic_add_fetch(&nd_slots[i].go, 1, __ATOMIC_SEQ_CST);
	if (i != me && __atomic_load_n(&nd_slots[i].sleeping, __ATOMIC_SEQ_CST)) {
		if (pending_wake >= 0 && pending_wake != i)
			nd_sched_futex(&nd_slots[pending_wake].go, FUTEX_WAKE, 1, NULL);
		pending_wake = i;
	}
}

void nd_sched_grant(int i)
{
	nd_member_run();
	__atomic_add_fetch(&nd_turn_gen, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&nd_turn, i, __ATOMIC_SEQ_CST);
	nd_sched_kick(i);
}

/* Whether runnable slot s takes its turns: not while the watch has
 * preempted it (watch.c) and it computes or sleeps in the kernel without a
 * point, since every grant to it would hold the others until the watch took
 * the turn back again (torch with OMP_WAIT_POLICY=active, whose pool
 * threads spin without end, took a second per mutex at exit). Preemption
 * is already real time (logged), so where it rejoins may follow real time.
 *
 * Tried and taken back: passing over, in parallel mode, a thread that
 * yields holding the turn (OpenBLAS's idle workers). Whether a yield finds
 * the turn held follows real time (the grant comes at the end of another
 * thread's call, concurrently), so the flag made race-free programs differ
 * (`threads yield-order`: 8 outputs in 10 parallel runs). */
static int takes_turns(const struct slot *s)
{
	return s->state == S_RUN && !s->preempted;
}

/* The next runnable slot after `after`, wrapping round to it last; a
 * preempted one only when no other is runnable. */
static int round_robin(int after)
{
	int fallback = -1;
	for (int k = 1; k <= nd_slots_hi; k++) {
		int i = (after + k + nd_slots_hi) % nd_slots_hi;
		if (takes_turns(&nd_slots[i]))
			return i;
		if (fallback < 0 && nd_slots[i].state == S_RUN)
			fallback = i;
	}
	return fallback;
}

/* The next runnable slot after `after`: the round robin, or a draw. */
int nd_sched_pick(int after)
{
	if (nd_cfg.schedule_seed) {
		int n = 0;
		for (int i = 0; i < nd_slots_hi; i++)
			n += takes_turns(&nd_slots[i]);
		if (n) {
			int k = (int)(draw() % (uint64_t)n);
			for (int i = 0; i < nd_slots_hi; i++)
				if (takes_turns(&nd_slots[i]) && k-- == 0)
					return i;
		}
	}
	return round_robin(after);
}

/* A fork child: the lock may have been held by a thread that is not there. */
void nd_sched_lock_reset(void)
{
	lk = 0;
	pending_wake = -1;
	nd_sched_fire_pending = 0;
}
