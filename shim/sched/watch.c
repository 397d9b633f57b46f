/*
 * What the scheduler cannot see is covered by the waiting threads
 * themselves: each waits on its futex word with a POLL_NS timeout and then
 * looks at the turn. A holder seen asleep in the kernel twice, POLL_NS apart,
 * or running without a synchronization point for STUCK_RUNNING_NS while
 * others are runnable (STUCK_SLEEPER_NS while the others only sleep: a long
 * computation in one Python thread must not be cut at a timing-dependent
 * point just because another waits for the GIL with a timeout; after a
 * first such cut, STUCK_AGAIN_NS), loses the turn; each preemption is
 * logged as uncontrolled. A free turn with nothing runnable lets blocked
 * threads that can re-check their object retry, and a deadline that only
 * the outside world can precede elapses in real time.
 */
#include "nodice.h"
#include "vclock.h"
#include "scheduler.h"
#include "turn.h"
#include "procstate.h"
#include "members.h"

#include <poll.h>
#include <sys/syscall.h>

/* How long the current turn has lasted, as far as the waiters know. */
static uint64_t held_for(uint64_t now)
{
	if (nd_turn_gen_seen != nd_turn_gen) {
		nd_turn_gen_seen = nd_turn_gen;
		nd_turn_gen_seen_at = now;
	}
	return now - nd_turn_gen_seen_at;
}

/* Whether the holder t, in turn number g, has been seen asleep in the
 * kernel twice, POLL_NS apart (off the run queue: one preempted on busy
 * cores right after a wake-up is not). The state is read without the lock:
 * a holder waiting for the lock is asleep too. */
static int holder_asleep(int t, uint64_t g, uint64_t now)
{
	int waits = nd_proc_thread_waits(0, nd_slots[t].tid);
	nd_sched_lock();
	int same = nd_turn == t && nd_turn_gen == g;
	int asleep = 0;
	if (same && waits) {
		if (nd_slots[t].asleep_gen != g) {
			nd_slots[t].asleep_gen = g;
			nd_slots[t].asleep_at = now;
		} else {
			asleep = now - nd_slots[t].asleep_at >= POLL_NS;
		}
	} else if (same) {
		nd_slots[t].asleep_gen = 0;
	}
	nd_sched_unlock();
	return asleep;
}

void nd_sched_note_outside(void)
{
	nd_log_uncontrolled("schedule-outside",
			    "a thread waited outside the scheduler (pipe, socket, child, signal, lock, futex): it rejoined the order when the call returned");
}

void nd_sched_note_tree_rejoin(void)
{
	nd_log_uncontrolled("tree-order", "a thread's wait on another process ended while another thread "
					  "of this process ran: where it rejoined this process's order "
					  "followed real time");
}

/* Whether the watch has cut a computation in this process: from then on it
 * cuts after STUCK_AGAIN_NS. The first cut waits long (a computation in one
 * Python thread that ends within seconds must not be cut at a
 * timing-dependent point); once one has been made, the run already follows
 * real time there (logged, fails --strict), and waiting seconds at each
 * later cut only made the program slow: a Python thread that loops on a
 * flag another thread sets after a torch operator needs the GIL back after
 * every operator, and each hand-back cost 5 s (100 operators: >300 s,
 * 2.5 s natively). */
static int cut;

static uint64_t stuck_running(void)
{
	return cut ? STUCK_AGAIN_NS : STUCK_RUNNING_NS;
}

static uint64_t stuck_sleeper(void)
{
	return cut ? STUCK_AGAIN_NS : STUCK_SLEEPER_NS;
}

/* Whether sleeper s wakes on real time while the holder computes: once
 * the holder has run the watch's bound and, as natively, as long as is left
 * of the sleep. Before, the sleeper woke at its deadline after the bound
 * alone: after a first cut, every 20 ms of computation without a clock
 * read woke the earliest sleeper, however far its deadline (regrtest's
 * 120 s exit watchdog fired while the interpreter finalized, and
 * `python -m test test_multiprocessing_spawn` exited 1 in 2 runs of 3). */
static int sleeper_due(const struct slot *s, uint64_t held)
{
	uint64_t v = nd_vclock_now();
	return held >= stuck_sleeper() && (s->deadline <= v || held >= s->deadline - v);
}

/* The watch takes the turn from holder t for the caller. Until t reaches a
 * point (nd_sched_wait_turn), the round robin passes over it (turn.c): it
 * still computes or sleeps in the kernel, and a grant would hold everyone
 * for another watch period. */
static void preempt(int t)
{
	nd_slots[t].preempted = 1;
	nd_sched_grant(me);
}

/* A thread outside whose own timeout comes before d: the process's next
 * event for the tree is that (published by nd_sched_publish_idle), and its
 * real wait ends first. */
static int outside_before(uint64_t d)
{
	for (int i = 0; i < nd_slots_hi; i++)
		if (nd_slots[i].state == S_OUTSIDE && nd_slots[i].out_deadline < d)
			return 1;
	return 0;
}

/* A waiting thread looks at the turn after POLL_NS without news. */
void nd_sched_watch(uint64_t started)
{
	nd_sched_lock();
	struct slot *s = &nd_slots[me];
	int t = nd_turn;
	uint64_t now = nd_sys_monotonic_ns(), held = held_for(now);
	if (t < 0 && nd_sched_jump_held && !nd_sched_noutside) {
		/* The tree held the jump to the next deadline: try it again. */
		nd_sched_release();
		nd_sched_unlock();
		return;
	}
	if (t >= 0 && t != me && s->state == S_RUN && !nd_slots[t].calm && held >= STUCK_BLOCKED_NS &&
	    held < stuck_running()) {
		uint64_t g = nd_turn_gen;
		nd_sched_unlock();
		if (!holder_asleep(t, g, now))
			return;
		nd_sched_lock();
		if (nd_turn == t && nd_turn_gen == g && s->state == S_RUN) {
			nd_log_uncontrolled("schedule-preempted",
					    "a thread blocked in the kernel outside the scheduler while holding the turn: another ran meanwhile");
			preempt(t);
		}
		nd_sched_unlock();
		return;
	}
	if (s->state == S_BLOCKED && s->obj == &nd_sched_line_obj) {
		/* handed while a thread runs on without a point (real time), or
		 * nothing runs and nobody keeps the turn for the lines */
		if (t < 0 && !nd_sched_line_keeping) {
			nd_sched_runnable(me, ND_WOKEN_RETRY);
			nd_sched_grant(me);
		} else if (t >= 0 && held >= STUCK_BLOCKED_NS && nd_sched_watch_line(s, !nd_slots[t].calm)) {
			nd_log_uncontrolled("tree-order", "a thread's wait in a process-shared object's line was "
							  "handed over while another thread of its process ran on without "
							  "a scheduling point: it was woken on real time");
			nd_sched_runnable(me, ND_WOKEN_SIGNAL);
		}
		nd_sched_unlock();
		return;
	}
	if (s->state == S_BLOCKED && (s->flags & ND_BLOCK_FD) && t >= 0 && nd_slots[t].calm &&
	    (nd_sched_line_keeping || s->kept)) {
		/* a line waiter keeps the turn, and looks at the pipes too
		 * (treeline.c); or a descriptor waiter keeps it for this one's
		 * (treeread.c) and wakes it at the count it decides */
		nd_sched_unlock();
		return;
	}
	if (s->state == S_BLOCKED && (s->flags & ND_BLOCK_FD)) {
		/* Ready by something from outside the process: real time. In
		 * the tree, with another thread of this process running, where
		 * the wake-up falls in its turns is the cross-process order
		 * nd_sched_rejoin reports too. Input of the tree waits for the
		 * holder (treeread.c). Whether a running holder sleeps in the
		 * kernel is asked only when such input is ready (a read of
		 * /proc), and without the lock (a holder waiting for it sleeps
		 * too). */
		enum nd_holder holder = ND_HOLDER_NONE;
		if (t >= 0 && !__atomic_load_n(&nd_slots[t].calm, __ATOMIC_RELAXED))
			holder = ND_HOLDER_RUNS;
		else if (t >= 0)
			holder = __atomic_load_n(&nd_slots[t].keeps, __ATOMIC_RELAXED) ? ND_HOLDER_KEEPS : ND_HOLDER_WAITS;
		int w = nd_sched_watch_fds(s->fds, s->nfds, holder, 0);
		if (w == ND_WATCH_HELD) {
			uint64_t g = nd_turn_gen;
			nd_sched_unlock();
			int sleeps = holder_asleep(t, g, now);
			nd_sched_lock();
			if (nd_turn != t || nd_turn_gen != g || s->state != S_BLOCKED || !(s->flags & ND_BLOCK_FD)) {
				nd_sched_unlock();
				return;
			}
			w = sleeps ? nd_sched_watch_fds(s->fds, s->nfds, holder, 1) : 0;
		}
		if (w) {
			if (t >= 0 && nd_member_me >= 0)
				nd_sched_note_tree_rejoin();
			else
				nd_sched_note_outside();
			nd_sched_runnable(me, ND_WOKEN_SIGNAL);
			if (nd_turn < 0)
				nd_sched_grant(me);
		}
		nd_sched_unlock();
		return;
	}
	if (t == me) {
		/* granted while we looked */
	} else if (t < 0 && s->state == S_RUN) {
		nd_sched_grant(me);
	} else if (t < 0 && s->state == S_BLOCKED) {
		if (s->deadline != ND_NO_DEADLINE && nd_sched_earliest() == me &&
		    nd_sched_noutside > nd_sched_ntree) {
			/* Only threads waiting on the outside world can change
			 * anything now: the deadline elapses in real time, as it
			 * would natively (a connect timeout must leave the peer
			 * process time to answer), and no sooner than the tree's
			 * order reaches it: a Manager's main thread waits 1 s at a
			 * time while its accepting thread is outside, and past 1 s
			 * of real time its clock jumped mid-run, each answer
			 * carrying the second to whichever client asked next (a
			 * Pool's workers then took other tasks: `manager_pool.py`
			 * slowed beside CPU hogs). Threads outside in waits only
			 * the tree can end keep it in the tree's order instead
			 * (treewait.c). */
			uint64_t v = nd_vclock_now();
			uint64_t rel = s->deadline > v ? s->deadline - v : 0;
			if (now - started >= rel && !outside_before(s->deadline) && nd_member_may_real(s->deadline)) {
				nd_vclock_advance_to(s->deadline);
				nd_sched_expire_idle(s->deadline);
				nd_sched_grant(me);
			}
		} else if (s->flags & ND_BLOCK_RETRY) {
			nd_sched_runnable(me, ND_WOKEN_RETRY);
			nd_sched_grant(me);
		}
	} else if (t >= 0 && s->state == S_BLOCKED && s->deadline != ND_NO_DEADLINE && !nd_slots[t].calm &&
		   sleeper_due(s, held) && nd_sched_earliest() == me) {
		/* The holder spins without reading a clock or reaching a point,
		 * so virtual time cannot bring this deadline: real time does. The
		 * line catches up with the real time the holder ran, so a thread
		 * that computes until another's sleep ends (natively, after that
		 * sleep) sees it end now, not after many more such rounds; every
		 * sleeper due by then wakes. */
		nd_log_uncontrolled("schedule-preempted",
				    cut ? "a thread ran 20 ms without a synchronization point or clock read while another slept, after an earlier cut: the sleeper woke on real time"
					: "a thread ran 5 s without a synchronization point or clock read while another slept: the sleeper woke on real time");
		cut = 1;
		uint64_t v = nd_vclock_now(), to = v + held > s->deadline ? v + held : s->deadline;
		nd_vclock_advance_to(to);
		nd_sched_expire(to);
		preempt(t);
	} else if (t >= 0 && s->state == S_RUN && !nd_slots[t].calm && held >= stuck_running()) {
		nd_log_uncontrolled("schedule-preempted",
				    cut ? "a thread ran 20 ms without a synchronization point while another was runnable, after an earlier cut: both ran at once"
					: "a thread ran 1 s without a synchronization point while another was runnable: both ran at once");
		cut = 1;
		preempt(t);
	}
	nd_sched_unlock();
}
