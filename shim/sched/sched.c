/*
 * Deterministic scheduling: at most one managed thread runs at a time.
 *
 * The right to run is the *turn*. The thread holding it passes it only at
 * synchronization and blocking points (sync.c, wait.c, sleep.c, block.c),
 * to the next runnable thread in slot order (round robin over creation
 * order), after a quantum of QUANTUM such points, or at once when it blocks.
 * Slots are handed out while the creator holds the turn, so the order, and
 * with it every interleaving, depends only on what the program did. With
 * NODICE_SCHEDULE_SEED set, the next thread and the quantum lengths are
 * drawn from a generator seeded with it instead: another interleaving, as
 * reproducible as the first.
 *
 * Blocking is done here, not in the kernel: a thread waiting for a mutex,
 * condition, semaphore, barrier or join is marked blocked on the object's
 * address and woken by the call that releases it. Deadlines are virtual:
 * when no thread can run and none is outside, virtual time jumps to the
 * earliest deadline and that thread times out; a clock read or
 * synchronization point that finds a deadline passed wakes its sleeper.
 * While some thread waits on the outside world, nothing runnable, deadlines
 * elapse in real time instead.
 *
 * Calls that may block outside the scheduler's knowledge (pipes, sockets,
 * child processes, futexes) leave the turn and rejoin when they return.
 * What the scheduler cannot see is covered by the waiting threads
 * themselves: each waits on its futex word with a 10 ms timeout and then
 * checks the holder. A holder seen asleep in the kernel twice, 10 ms apart,
 * or running without a synchronization point for a whole second while
 * others are runnable (five while the others only sleep: a long computation
 * in one Python thread must not be cut at a timing-dependent point just
 * because another waits for the GIL with a timeout), loses the turn; each
 * preemption is logged as uncontrolled. A free turn with nothing runnable
 * lets blocked threads that can re-check their object (a mutex released by
 * a thread nodice did not start, a semaphore posted from another process)
 * retry.
 *
 * Everything shared lives in static arrays under one futex lock; nothing
 * allocates. A signal handler that interrupts a thread inside the scheduler
 * sees nd_sched_depth set and passes through to libc.
 *
 * This file is the interface (scheduler.h) and the wait for the turn; turn.h
 * lists the files that hold the rest: the turn itself (turn.c), blocked
 * threads (queue.c), stalls (stall.c), the waiting threads' watch
 * (watch.c), threads coming and going (lifecycle.c).
 */
#include "nodice.h"
#include "vclock.h"
#include "scheduler.h"
#include "turn.h"
#include "members.h"
#include "carry.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>

static ND_TLS unsigned ops;
static ND_TLS int go_when_woken; /* this wait is ND_BLOCK_GO in parallel mode */

/* Whether the waiting thread may go on: it holds the turn, or its wait
 * lets it go when woken. */
static int may_go(struct slot *s)
{
	return __atomic_load_n(&nd_turn, __ATOMIC_SEQ_CST) == me ||
	       (go_when_woken && __atomic_load_n(&s->state, __ATOMIC_SEQ_CST) != S_BLOCKED);
}

/* The caller no longer runs (blocked, outside, finished): hand the turn on.
 * With nothing runnable, the oldest descriptor waiter looks once more (and
 * leaves for the real wait if it must), then virtual time jumps; with no
 * deadline either, it is a stall. */
void nd_sched_release(void)
{
	int n = nd_sched_pick(me);
	if (n < 0)
		n = nd_sched_line_keeper();
	if (n < 0 && (n = nd_sched_oldest_on(&nd_sched_fd_obj)) >= 0)
		nd_sched_runnable(n, ND_WOKEN_RETRY);
	if (n < 0 && !nd_sched_noutside)
		n = nd_sched_jump();
	if (n == -1 && !nd_sched_noutside)
		n = nd_sched_stall();
	if (n >= 0) {
		nd_sched_grant(n);
		return;
	}
	__atomic_store_n(&nd_turn, -1, __ATOMIC_RELEASE);
	if (n == -1)
		nd_sched_publish_idle();
}

/* Nothing to run until another process or the outside acts. Threads that
 * wait outside with a timeout, and (while any waits outside) sleepers, whose
 * deadlines then elapse in real time, make the earliest of them this
 * process's next event for the tree. */
void nd_sched_publish_idle(void)
{
	uint64_t d = ND_NO_DEADLINE;
	for (int i = 0; nd_sched_noutside && i < nd_slots_hi; i++) {
		uint64_t x = nd_slots[i].state == S_OUTSIDE ? nd_slots[i].out_deadline
			   : nd_slots[i].state == S_BLOCKED ? nd_slots[i].deadline : ND_NO_DEADLINE;
		d = x < d ? x : d;
	}
	if (d == ND_NO_DEADLINE)
		nd_member_block();
	else
		nd_member_wait_real(d);
}

void nd_sched_outside_deadline(uint64_t d)
{
	if (!nd_sched_managed())
		return;
	nd_sched_lock();
	nd_slots[me].out_deadline = d;
	if (nd_turn < 0)
		nd_sched_publish_idle();
	nd_sched_unlock();
}

/* A signal handler ran in this thread while it waited: an interruptible wait
 * ends (ND_WOKEN_INTR), as the kernel ends sem_wait, sleeps and poll. */
static void interrupted(void)
{
	nd_sched_lock();
	struct slot *s = &nd_slots[me];
	if (s->state == S_BLOCKED && (s->flags & ND_BLOCK_INTR)) {
		nd_sched_runnable(me, ND_WOKEN_INTR);
		nd_sched_progress++;
		if (nd_turn < 0)
			nd_sched_grant(me);
	}
	nd_sched_unlock();
}

/* How long a waiting thread spins before it sleeps in the kernel. In
 * parallel mode the turn comes back when another thread's call ends, often
 * after tens of microseconds of its computation; a sleep then costs a
 * cross-CPU wake-up (30-50 us on a VM) at each hand-off, so while the
 * threads that want a CPU fit the CPUs the wait spins longer (torch's
 * 2-thread elementwise loop: 1.38x -> 1.19x its native time). Wanting a CPU:
 * this process's runnable threads, its blocked threads in their own long
 * spin, and the run's other running processes (DataLoader workers: 1.59 s
 * -> 1.29-1.35 s for train_mlp_workers.py). The counts are read without the
 * lock: they only set how long to spin; the tree's table is read only when
 * this process's own count still fits. */
static int blocked_spinners; /* blocked threads in their long spin */

static int spin_limit(void)
{
	if (!nd_sched_spin_limit || !nd_sched_parallel)
		return nd_sched_spin_limit;
	int want = __atomic_load_n(&blocked_spinners, __ATOMIC_RELAXED) +
		   (__atomic_load_n(&nd_slots[me].state, __ATOMIC_RELAXED) != S_RUN);
	for (int i = 0; i < nd_slots_hi && want <= nd_sched_cpus; i++)
		want += __atomic_load_n(&nd_slots[i].state, __ATOMIC_RELAXED) == S_RUN;
	if (want <= nd_sched_cpus)
		want += nd_member_others_running(nd_sched_cpus + 1 - want);
	return want <= nd_sched_cpus ? SPIN_PARALLEL : nd_sched_spin_limit;
}

/* Waits for the turn: a short spin first (a hand-off between two running
 * threads then costs no system call), then the futex. */
void nd_sched_wait_turn(void)
{
	struct slot *s = &nd_slots[me];
	uint64_t started = 0;
	if (__atomic_load_n(&s->preempted, __ATOMIC_RELAXED)) {
		/* Back at a point after the watch took the turn: in the round
		 * robin again, where real time brought it (logged then). */
		nd_sched_lock();
		s->preempted = 0;
		if (nd_turn < 0 && s->state == S_RUN)
			nd_sched_grant(me);
		nd_sched_unlock();
	}
	if (nd_sched_interrupted_here) {
		nd_sched_interrupted_here = 0;
		interrupted();
	}
	int limit = spin_limit(), counted = limit > nd_sched_spin_limit && s->state != S_RUN;
	if (counted)
		__atomic_add_fetch(&blocked_spinners, 1, __ATOMIC_RELAXED);
	for (int spin = 0; spin < limit; spin++) {
		if (may_go(s))
			break;
		__builtin_ia32_pause();
	}
	if (counted)
		__atomic_sub_fetch(&blocked_spinners, 1, __ATOMIC_RELAXED);
	if (may_go(s))
		goto mine;
	for (;;) {
		__atomic_store_n(&s->sleeping, 1, __ATOMIC_SEQ_CST);
		uint32_t g = __atomic_load_n(&s->go, __ATOMIC_SEQ_CST);
		if (may_go(s))
			break;
		struct timespec to = { 0, nd_sched_jump_held ? HELD_POLL_NS : POLL_NS };
		long r = nd_sched_futex(&s->go, FUTEX_WAIT, g, &to);
		__atomic_store_n(&s->sleeping, 0, __ATOMIC_RELAXED);
		if (r == -EINTR || nd_sched_interrupted_here) {
			nd_sched_interrupted_here = 0;
			interrupted();
		}
		if (r == -ETIMEDOUT) {
			if (!started)
				started = nd_sys_monotonic_ns() - POLL_NS;
			nd_sched_watch(started);
		}
	}
	__atomic_store_n(&s->sleeping, 0, __ATOMIC_RELAXED);
mine:
	ops = 0;
}

void nd_sched_wait_turn_if_not_mine(void)
{
	if (__atomic_load_n(&nd_turn, __ATOMIC_ACQUIRE) != me)
		nd_sched_wait_turn();
}

void nd_sched_calm(int on)
{
	if (me < 0)
		return;
	if (!on)
		__atomic_add_fetch(&nd_turn_gen, 1, __ATOMIC_RELAXED); /* a new turn starts after the real wait */
	/* counted: a tree turn inside a wait that is calm already (treeread.c) */
	if (on)
		__atomic_add_fetch(&nd_slots[me].calm, 1, __ATOMIC_RELAXED);
	else if (__atomic_load_n(&nd_slots[me].calm, __ATOMIC_RELAXED) > 0)
		__atomic_sub_fetch(&nd_slots[me].calm, 1, __ATOMIC_RELAXED);
}

/* The tree's turns (process/order.c) say when a thread waits for them. */
__attribute__((constructor)) static void calm_for_tree_turns(void)
{
	__atomic_store_n(&nd_member_calm, nd_sched_calm, __ATOMIC_RELEASE);
}

/* Passes the turn to the next runnable thread, which may be the caller. In
 * parallel mode the end of the ordered call passes it (parallel.c): a point
 * only makes sure the caller holds the turn (an unlock that handed it to a
 * waiter waits for it here) and wakes the sleepers that are due. */
static void pass(void)
{
	if (nd_sched_parallel) {
		nd_sched_wait_turn_if_not_mine();
		nd_sched_lock();
		nd_sched_expire(nd_vclock_now());
		nd_sched_unlock();
		ops = 0;
		return;
	}
	nd_sched_lock();
	nd_sched_expire(nd_vclock_now());
	nd_sched_quantum = nd_sched_next_quantum();
	if (nd_turn == me) {
		int n = nd_sched_pick(me);
		if (n >= 0 && n != me)
			nd_sched_grant(n);
	}
	nd_sched_unlock();
	nd_sched_wait_turn();
}

void nd_sched_point(void)
{
	if (!nd_sched_managed())
		return;
	if (ND_LIKELY(++ops < nd_sched_quantum && __atomic_load_n(&nd_turn, __ATOMIC_RELAXED) == me &&
		      nd_vclock_now() < __atomic_load_n(&nd_sched_next_deadline, __ATOMIC_RELAXED)))
		return;
	nd_sched_depth++;
	pass();
	nd_sched_depth--;
}

void nd_sched_clock(uint64_t vt)
{
	if (ND_LIKELY(vt < __atomic_load_n(&nd_sched_next_deadline, __ATOMIC_RELAXED)) ||
	    !nd_sched_on || nd_sched_depth)
		return;
	nd_sched_depth++;
	nd_sched_lock();
	int n = nd_sched_expire(vt);
	if (n && nd_turn < 0)
		nd_sched_grant(nd_sched_pick(-1));
	int mine = n && me >= 0 && nd_turn == me;
	nd_sched_unlock();
	if (mine)
		pass();
	nd_sched_depth--;
}

void nd_sched_block_locked(const void *obj, const void *mutex, uint64_t deadline, int flags)
{
	struct slot *s = &nd_slots[me];
	s->state = S_BLOCKED;
	s->obj = obj;
	s->deadline = deadline;
	s->flags = flags;
	s->mutex = mutex;
	s->seq = ++nd_sched_seq;
	s->woken = ND_WOKEN_NONE;
	go_when_woken = (flags & ND_BLOCK_GO) && nd_sched_parallel;
	__atomic_add_fetch(&nd_sched_nblocked, 1, __ATOMIC_RELAXED);
	if (flags & ND_BLOCK_FD)
		__atomic_add_fetch(&nd_sched_nfdwait, 1, __ATOMIC_RELAXED);
	if (deadline < nd_sched_next_deadline)
		__atomic_store_n(&nd_sched_next_deadline, deadline, __ATOMIC_RELAXED);
}

static void begin(const void *obj, const void *mutex, uint64_t deadline, int flags)
{
	nd_convo_block_begin(deadline);
	nd_sched_depth++;
	nd_sched_lock();
	nd_sched_block_locked(obj, mutex, deadline, flags);
	nd_sched_unlock();
	nd_sched_depth--;
}

void nd_sched_block_begin(const void *obj, uint64_t deadline, int flags)
{
	begin(obj, NULL, deadline, flags);
}

void nd_sched_block_begin_cond(const void *cond, const void *mutex, uint64_t deadline, int flags)
{
	begin(cond, mutex, deadline, flags);
}

void nd_sched_block_cancel(void)
{
	nd_sched_depth++;
	nd_sched_lock();
	if (nd_slots[me].state == S_BLOCKED)
		nd_sched_runnable(me, ND_WOKEN_NONE);
	go_when_woken = 0;
	nd_sched_unlock();
	nd_sched_depth--;
}

enum nd_woken nd_sched_block_wait(void)
{
	nd_sched_depth++;
	nd_sched_lock();
	if (nd_turn == me)
		nd_sched_release();
	nd_sched_unlock();
	nd_sched_wait_turn();
	go_when_woken = 0;
	nd_sched_depth--;
	enum nd_woken w = nd_slots[me].woken;
	nd_convo_block_end(w == ND_WOKEN_TIMEOUT && nd_slots[me].jumped);
	return w;
}

enum nd_woken nd_sched_block(const void *obj, uint64_t deadline, int flags)
{
	nd_sched_block_begin(obj, deadline, flags);
	return nd_sched_block_wait();
}

int nd_sched_wake(const void *obj, int n)
{
	if (!__atomic_load_n(&nd_sched_nblocked, __ATOMIC_RELAXED) || nd_sched_depth)
		return 0;
	nd_sched_depth++;
	nd_sched_lock();
	int woken = 0;
	while (woken < n && nd_sched_oldest_on(obj) >= 0) {
		nd_sched_wake_locked(obj, 1);
		woken++;
	}
	nd_sched_unlock();
	nd_sched_depth--;
	return woken;
}

void nd_sched_handoff(const void *obj, int n)
{
	if (!__atomic_load_n(&nd_sched_nblocked, __ATOMIC_RELAXED) || nd_sched_depth)
		return;
	if (me < 0) {
		nd_sched_wake(obj, n);
		return;
	}
	nd_sched_depth++;
	nd_sched_lock();
	int first = nd_sched_wake_locked(obj, n), give = first >= 0 && nd_turn == me;
	if (give) {
		nd_sched_quantum = nd_sched_next_quantum();
		nd_sched_grant(first);
	}
	nd_sched_unlock();
	if (give && !nd_sched_parallel) /* parallel: waits at its next ordered call */
		nd_sched_wait_turn();
	nd_sched_depth--;
}

int nd_sched_others_runnable(void)
{
	for (int i = 0; i < nd_slots_hi; i++)
		if (i != me && __atomic_load_n(&nd_slots[i].state, __ATOMIC_RELAXED) == S_RUN)
			return 1;
	return 0;
}

int nd_sched_others_active(void)
{
	for (int i = 0; i < nd_slots_hi; i++) {
		int st = __atomic_load_n(&nd_slots[i].state, __ATOMIC_RELAXED);
		if (i != me && (st == S_RUN || st == S_OUTSIDE))
			return 1;
	}
	return 0;
}

enum nd_woken nd_sched_block_fds(struct pollfd *fds, int n, uint64_t deadline)
{
	nd_slots[me].fds = fds;
	nd_slots[me].nfds = n;
	nd_sched_block_begin(&nd_sched_fd_obj, deadline, ND_BLOCK_FD | ND_BLOCK_INTR | ND_BLOCK_ON(ND_WAIT_FD));
	return nd_sched_block_wait();
}

void nd_sched_fd_event(void)
{
	if (__atomic_load_n(&nd_sched_nfdwait, __ATOMIC_RELAXED))
		nd_sched_wake(&nd_sched_fd_obj, ND_SCHED_SLOTS);
}

void nd_sched_yield(void)
{
	nd_sched_depth++;
	nd_sched_lock();
	nd_sched_expire(nd_vclock_now());
	nd_sched_quantum = nd_sched_next_quantum();
	if (nd_turn == me) {
		int n = nd_sched_pick(me);
		if (n == me && !nd_sched_noutside && nd_sched_jump() >= 0)
			n = nd_sched_pick(me);
		nd_member_run(); /* a held jump published a wait: this thread goes on */
		if (n >= 0 && n != me)
			nd_sched_grant(n);
	}
	nd_sched_unlock();
	if (!nd_sched_parallel)
		nd_sched_wait_turn();
	nd_sched_depth--;
}

int nd_sched_leave(void)
{
	if (!nd_sched_managed())
		return 0;
	nd_convo_serve_end(); /* what it waits for outside comes first */
	nd_sched_depth++;
	nd_sched_lock();
	nd_slots[me].state = S_OUTSIDE;
	nd_slots[me].out_deadline = ND_NO_DEADLINE;
	nd_sched_noutside++;
	if (nd_turn == me)
		nd_sched_release();
	nd_sched_unlock();
	nd_sched_depth--;
	return 1;
}

void nd_sched_rejoin(void)
{
	nd_sched_depth++;
	nd_sched_lock();
	nd_sched_noutside--;
	if (nd_slots[me].out_tree) {
		nd_slots[me].out_tree = 0;
		nd_sched_ntree--;
	}
	nd_sched_progress++;
	nd_slots[me].state = S_RUN;
	int busy = nd_turn >= 0;
	if (nd_turn < 0)
		nd_sched_grant(me);
	nd_sched_unlock();
	/* Back from a wait on another process or the outside while a thread of
	 * this one runs: where it joins the order follows real time. */
	if (busy && nd_member_me >= 0)
		nd_sched_note_tree_rejoin();
	nd_sched_wait_turn();
	nd_sched_depth--;
}
