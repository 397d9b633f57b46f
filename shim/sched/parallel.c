/*
 * Parallel mode (NODICE_THREADS=parallel): the turn orders the intercepted
 * calls of the scheduled threads, not their computation.
 *
 * In serial mode a thread holds the turn from one synchronization point to
 * the next, computation included, so one thread computes at a time. Here a
 * thread takes the turn when it enters an interposed function (ND_ORDERED)
 * and passes it on, to the next runnable slot in round robin, when the
 * function returns; it does not wait for the turn to come back until its
 * next interposed call. The order of the calls of all threads is therefore
 * decided as in serial mode, by the calls themselves (which thread is
 * runnable, which blocks, which wakes which) and never by how long the
 * computation between them took; what a thread computes between two calls
 * only reads and writes memory, and in a race-free program memory that
 * another thread also writes is only reached after a synchronization call
 * that orders the two. Race-free programs so give one result, and the cores
 * compute at once. A thread granted the turn while it computes keeps the
 * others' calls waiting until its own next call (a round robin visits every
 * runnable thread): threads whose calls come at very different rates run in
 * step with the slowest, and the waiting threads' watch (watch.c) applies as
 * in serial mode.
 */
#include "nodice.h"
#include "vclock.h"
#include "scheduler.h"
#include "turn.h"

static ND_TLS int depth; /* interposed calls the thread is inside */
static ND_TLS unsigned yields; /* yields made holding the turn since its last ordered call */
static int waiting;          /* threads inside a call, waiting for the turn */
static int held;             /* mutexes locked through the scheduler, all threads */
static ND_TLS int held_here; /* ... by this thread */

void nd_sched_parallel_held(int delta)
{
	if (!nd_sched_parallel)
		return;
	held_here += delta;
	__atomic_add_fetch(&held, delta, __ATOMIC_SEQ_CST);
}

/* Another thread holds a mutex; or is inside a call waiting for the turn. */
static int others_hold(void)
{
	return __atomic_load_n(&held, __ATOMIC_SEQ_CST) - held_here > 0;
}

static int others_busy(void)
{
	return __atomic_load_n(&waiting, __ATOMIC_SEQ_CST) > 0 || others_hold();
}

static int ordered_begin(void)
{
	if (!nd_sched_managed())
		return 0;
	/* A signal handler that interrupted a wait outside the order: its calls
	 * come at a real-time moment anyway, and nobody grants the turn to a
	 * thread that is outside. libuv's SIGCHLD handler reads its signal
	 * pipe while the loop waits in epoll_pwait, and waiting for the turn
	 * there hung node's child_timeout.js in parallel mode. */
	if (__atomic_load_n(&nd_slots[me].state, __ATOMIC_RELAXED) == S_OUTSIDE)
		return 0;
	depth++;
	nd_sched_depth++;
	if (__atomic_load_n(&nd_turn, __ATOMIC_ACQUIRE) != me) {
		__atomic_add_fetch(&waiting, 1, __ATOMIC_SEQ_CST);
		nd_sched_wait_turn();
		__atomic_sub_fetch(&waiting, 1, __ATOMIC_SEQ_CST);
	}
	nd_sched_depth--;
	yields = 0;
	nd_vclock_own_sync();
	return 1;
}

/* A turn granted to a thread outside a call is spent by its next ordered
 * call. A yield made holding it keeps it: whether the grant came before or
 * after a yield follows real time (it comes at the end of another thread's
 * call), so a yield that passed it made the thread's next call wait for
 * the next round in some runs and not in others (`threads yield-order`:
 * 1 run in 10 differed, 14 in 120 on busy cores, nothing reported). Only a
 * thread that keeps yielding — a spin on a flag, OpenBLAS's idle workers —
 * passes it after YIELDS_KEPT yields, so the others' calls do not wait for
 * its spin; how many yields a spin makes follows real time anyway. */
#define YIELDS_KEPT 64

int nd_sched_parallel_yield_passes(void)
{
	if (++yields < YIELDS_KEPT)
		return 0;
	yields = 0;
	return 1;
}

void nd_sched_pass_on(void)
{
	if (__atomic_load_n(&nd_turn, __ATOMIC_ACQUIRE) != me)
		return;
	nd_sched_depth++;
	nd_sched_lock();
	if (nd_turn == me) {
		nd_sched_expire(nd_vclock_now());
		int n = nd_sched_pick(me);
		if (n >= 0 && n != me)
			nd_sched_grant(n);
	}
	nd_sched_unlock();
	nd_sched_depth--;
}

int nd_sched_holds_turn(void)
{
	return __atomic_load_n(&nd_turn, __ATOMIC_ACQUIRE) == me;
}

static void ordered_end(void)
{
	if (--depth > 0 || !nd_sched_managed())
		return;
	nd_sched_pass_on();
}

/* fork in a process whose threads compute at once: another thread may hold
 * a mutex while it computes or waits for the turn to unlock it, and a
 * child forked then inherits it locked (`threads fork` hung in its child:
 * natively the window is a few instructions, here it is a turn). The turn
 * goes round first until no other thread waits for it inside a call (at
 * most 64 rounds) nor holds a mutex locked through the scheduler (a
 * pthread/C11 mutex; rwlocks and spin locks are not counted; at most 4096
 * rounds: threads that keep calling used up the 64 rounds, and a fork that
 * followed an fflush, itself a call since the tree orders shared output,
 * left its child a mutex locked, 3 runs in 15). Where the
 * fork lands among the others' calls then follows real time, as natively
 * (schedule-parallel). */
#define BUSY_ROUNDS 64
#define HELD_ROUNDS 4096
static void before_fork(void)
{
	if (me < 0 || nd_sched_depth)
		return;
	for (int round = 0; round < HELD_ROUNDS && others_busy(); round++) {
		if (round >= BUSY_ROUNDS && !others_hold())
			break;
		nd_sched_pass_on();
		nd_sched_depth++;
		nd_sched_wait_turn_if_not_mine();
		nd_sched_depth--;
	}
}

void nd_ordered_install(void)
{
	static const struct nd_ordered_ops ops = { ordered_begin, ordered_end, before_fork };
	nd_sched_parallel = 1;
	__atomic_store_n(&nd_ordered, &ops, __ATOMIC_RELEASE);
}
