/*
 * The order of timed events across the tree (members.h, docs/design.md "The
 * process tree"): a member performs an event due at virtual time d only when
 * no other can still act before (d, its id). members.c keeps the slots,
 * holder.c finds who can still act first; this file waits on it: timed
 * events, communication events' turns, and how long a holder that neither
 * waits nor reads a clock holds them (ND_HOLD_NS, COUNT_HOLD_NS).
 * Raw system calls only, no allocation, no lock.
 */
#include "nodice.h"
#include "tree.h"
#include "members.h"
#include "member_slots.h"
#include "holder.h"
#include "vclock.h"

#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>

#define POLL_MS 1                     /* how often a waiter looks again */
#define COUNT_HOLD_NS 30000000000ULL  /* ... for a communication event (turns.c) */
#define SPINS 2000                    /* pauses before a turn's wait sleeps (~20 us), with 2 CPUs or more */

static int wait_epoch(uint32_t e, int ms)
{
	struct timespec to = { 0, ms * 1000000L };
	__atomic_add_fetch(&nd_tree->waiting, 1, __ATOMIC_SEQ_CST);
	long r = nd_sys(SYS_futex, (long)&nd_tree->epoch, FUTEX_WAIT, e, (long)&to, 0, 0);
	__atomic_sub_fetch(&nd_tree->waiting, 1, __ATOMIC_SEQ_CST);
	return r == -EINTR ? -EINTR : 0;
}

/* One wait for the tree: who holds it, since when, what was found. */
struct hold {
	int held;
	uint32_t change;
	struct nd_watch w;
	uint64_t real_start, vt_start; /* when the wait began, both clocks */
};
#define NO_HOLD ((struct hold){ .held = -1 })

/* How long a holder that neither waits nor moves holds the wait: for a
 * timed event, ND_HOLD_NS or, when longer, the wait's own length in real time,
 * as natively. A holder computing without clock reads kept loky's idle
 * workers (a 300 s timeout on their task queue) for 5 s, then let their
 * timeouts go: their time lines jumped 300 s, their event counts with them
 * (35,700 ahead), and each later event of theirs waited, at its turn, for
 * the parent's count to catch up — sklearn's model_selection suite waited
 * about 300 s of real time in test_cross_validate_many_jobs, and loky warned
 * that a worker had stopped on its timeout. Natively the worker is still
 * waiting when the parent sends it work. */
static uint64_t hold_for(uint64_t d, const struct hold *h, int count)
{
	if (count)
		return COUNT_HOLD_NS;
	return d > h->vt_start && d - h->vt_start > ND_HOLD_NS ? d - h->vt_start : ND_HOLD_NS;
}

/* 1 when this process may act at d now; otherwise h->held holds it. With a
 * member outside the order alive (a static child, an exempt program), what
 * it does is unknown: the deadline elapses in real time, as natively (a
 * parent's timeout must leave it the time to answer). */
static int look(uint64_t d, uint64_t id, struct hold *h, int count)
{
	uint64_t now = 0;
	int who = nd_holder(d, id, &now, count);
	/* what holds this wait, for a look for a cycle (holder.c) */
	__atomic_store_n(&slot(nd_member_me)->held_by, who >= 0 ? who + 1 : 0, __ATOMIC_RELEASE);
	if (who == -1)
		return 1;
	nd_holder_real_now(&now);
	if (!h->real_start) {
		h->real_start = now;
		h->vt_start = nd_vclock_now();
	}
	if (who == ND_OUTSIDE_ONLY) {
		h->held = -1; /* no holder to nap on: real time runs */
		return count || d <= h->vt_start || now - h->real_start >= d - h->vt_start;
	}
	uint32_t c = __atomic_load_n(&slot(who)->change, __ATOMIC_ACQUIRE);
	if (who != h->held || c != h->change) {
		h->held = who;
		h->change = c;
		h->w = (struct nd_watch){ now, now, 0 };
		return 0;
	}
	if (!nd_holder_watch(who, now, &h->w, hold_for(d, h, count)))
		return 0;
	__atomic_store_n(&slot(nd_member_me)->held_by, 0, __ATOMIC_RELEASE); /* passed over: not held */
	return 1;
}

/* The scheduler's jumps (sched/queue.c) ask without waiting, again and
 * again under its lock: their hold is kept here across the asks. */
static struct hold asked = { .held = -1 };
static uint64_t asked_d = ND_NO_DEADLINE;

static int may(uint64_t d, int ordered)
{
	if (nd_member_me < 0)
		return 1;
	struct nd_member *me = slot(nd_member_me);
	if (ordered)
		nd_member_set_ordered_wait(me, d, me->id);
	else
		nd_member_set_state(me, ND_M_WAIT, d);
	if (d != asked_d) {
		asked_d = d;
		asked = NO_HOLD;
	}
	if (!look(d, me->id, &asked, 0))
		return 0;
	asked_d = ND_NO_DEADLINE;
	return 1;
}

int nd_member_may(uint64_t d)
{
	return may(d, 1);
}

int nd_member_may_real(uint64_t d)
{
	return may(d, 0);
}

int nd_member_until(uint64_t d, int (*probe)(void *arg, int ms), void *arg)
{
	return nd_member_until_as(d, nd_member_me >= 0 ? slot(nd_member_me)->id : 0, probe, arg);
}

/* How long a wait on the epoch sleeps before it looks again, doubling
 * while the holder stays as it was. A holder that itself waits or is
 * blocked moves only by a change of state, which bumps the epoch and wakes
 * the wait. One that runs moves its clock without waking anyone: a tick per
 * clock read, 100,000 reads a millisecond at most, so a deadline that far
 * ahead of it is not reached sooner (a jump, a pipe's time carried forward,
 * is seen late by at most the nap: a delay, not another order). A hundred
 * children asleep for 100 s, each looking every millisecond while their
 * parent started the next, made each start three times slower. */
#define NAP_MAX_MS 16
#define READS_PER_MS 100000ULL

static int nap_ms(const struct hold *h, uint64_t d, int ms)
{
	if (h->held < 0)
		return POLL_MS;
	struct nd_member *m = slot(h->held);
	uint32_t st = __atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
	uint64_t cap = NAP_MAX_MS;
	if (st == ND_M_RUN) {
		uint64_t vt = __atomic_load_n(&m->vt, __ATOMIC_RELAXED), far = d > vt ? (d - vt) / (nd_cfg.tick_ns * READS_PER_MS) : 0;
		cap = far < cap ? far : cap;
	} else if (st != ND_M_WAIT && st != ND_M_BLOCKED) {
		cap = POLL_MS;
	}
	if (cap <= POLL_MS || __atomic_load_n(&m->change, __ATOMIC_ACQUIRE) != h->change)
		return POLL_MS;
	return (uint64_t)ms * 2 < cap ? ms * 2 : (int)cap;
}

int nd_member_until_as(uint64_t d, uint64_t id, int (*probe)(void *arg, int ms), void *arg)
{
	if (nd_member_me < 0)
		return 0;
	struct nd_member *me = slot(nd_member_me);
	struct hold h = NO_HOLD;
	int nap = POLL_MS;
	nd_member_set_ordered_wait(me, d, id);
	for (;;) {
		uint32_t e = __atomic_load_n(&nd_tree->epoch, __ATOMIC_SEQ_CST);
		int held = h.held;
		uint32_t change = h.change;
		int go = look(d, id, &h, 0);
		if (!go && !probe)
			nap = held == h.held && change == h.change ? nap_ms(&h, d, nap) : POLL_MS;
		/* What the others did before d is already there: a last look. */
		int r = go ? (probe ? probe(arg, 0) : 0) : probe ? probe(arg, POLL_MS) : wait_epoch(e, nap);
		if (go && !r)
			break;
		if (r) {
			nd_member_set_state(me, ND_M_RUN, ND_NO_DEADLINE); /* clears held_by too */
			if (r == -EINTR)
				nd_member_take_signal_time();
			return r;
		}
	}
	/* the thread's own timeout only without other threads: a scheduled
	 * one may keep its process's time for another's sleep (treeread.c's
	 * keeper: a Manager's serving thread counted the pool's 0.1 s waits as
	 * its own, and each answer carried them to the client) */
	if (__atomic_load_n(&nd_threaded, __ATOMIC_RELAXED))
		nd_vclock_advance_to(d);
	else
		nd_vclock_slept_to(d);
	nd_member_set_state(me, ND_M_RUN, ND_NO_DEADLINE);
	return 0;
}

int nd_member_until_quiet(uint64_t d)
{
	if (nd_member_me < 0)
		return 0;
	struct nd_member *me = slot(nd_member_me);
	__atomic_store_n(&me->quiet, 1 + nd_holder_signals(me), __ATOMIC_SEQ_CST);
	int r = nd_member_until(d, NULL, NULL);
	__atomic_store_n(&me->quiet, 0, __ATOMIC_SEQ_CST);
	return r;
}

/* Spinning helps only when the holder has another CPU to run on: on one
 * (`taskset -c 0`) the spin is the holder's time, and an ordered semaphore
 * round trip cost 106 us more than natively instead of 0.4. Asked once per
 * process; a fork child inherits the answer with the mask. */
static int spins = -1;

static int spin_limit(void)
{
	if (spins < 0)
		spins = nd_sys_cpus_allowed() >= 2 ? SPINS : 0;
	return spins;
}

/* With one CPU of its own, a member still spins when another member last
 * ran on another CPU (each process pinned to its own: the other's answer
 * does not need this CPU; it may be blocked this instant, woken by this
 * member's last write and not yet running). */
int nd_member_spins(void)
{
	if (spin_limit() || nd_member_me < 0)
		return spins;
	int mine = nd_sys_cpu();
	uint32_t hi = __atomic_load_n(&nd_tree->members_hi, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; mine >= 0 && i < hi; i++) {
		struct nd_member *m = slot((int)i);
		uint32_t st = __atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
		if ((int)i != nd_member_me && st >= ND_M_RUN && st <= ND_M_BLOCKED &&
		    __atomic_load_n(&m->cpu, __ATOMIC_RELAXED) != mine)
			return SPINS;
	}
	return 0;
}

void (*nd_member_calm)(int on);

void nd_member_keeps_turn(int on)
{
	void (*fn)(int) = __atomic_load_n(&nd_member_calm, __ATOMIC_ACQUIRE);
	if (fn)
		fn(on);
}

void nd_member_await(int (*ready)(void *arg), void *arg)
{
	if (ready(arg))
		return;
	nd_member_keeps_turn(1);
	nd_sys_await(ready, arg);
	nd_member_keeps_turn(0);
}

/* A holder that published a blocking call has not yet been seen asleep
 * in it (a wake-up may be in flight): it enters the kernel within
 * microseconds, and nothing it does there bumps the epoch. Looked at again
 * after BLOCKED_NS instead of a millisecond: a request and its answer
 * between a client blocked in its read and a server whose answering thread
 * is scheduled (a Manager's, a socketpair's) cost a millisecond each way.
 * For a millisecond, and only with another CPU to run on (as the spin
 * above): a holder woken and waiting for a CPU would have the others read
 * /proc for it all that time (`taskset -c 0`: a semaphore round trip cost
 * 7 us more). */
#define BLOCKED_NS 50000L
#define BLOCKED_LOOKS 20
static int blocked_holder(const struct hold *h)
{
	return h->held >= 0 && __atomic_load_n(&slot(h->held)->state, __ATOMIC_ACQUIRE) == ND_M_BLOCKED;
}

/* The turn at count at(arg), or at this member's own count (at NULL),
 * asked again at every look: first in (count, id) order among the members
 * that can still act. */
static uint64_t turn_at(uint64_t (*at)(void *arg), void *arg)
{
	nd_member_keeps_turn(1);
	struct nd_member *me = slot(nd_member_me);
	int limit = nd_member_spins();
	struct hold h = NO_HOLD;
	int quick = 0;
	for (int waited = 0;; waited = 1) {
		uint32_t e = __atomic_load_n(&nd_tree->epoch, __ATOMIC_SEQ_CST);
		uint64_t c = at ? at(arg) : nd_member_count(me);
		if (look(c, me->id, &h, 1)) {
			if (waited) {
				__atomic_sub_fetch(&me->turn_wait, 1, __ATOMIC_RELEASE);
				__atomic_sub_fetch(&nd_tree->waiting, 1, __ATOMIC_SEQ_CST);
			}
			nd_member_keeps_turn(0);
			return c;
		}
		/* Asleep meanwhile, but not in a call the others cannot see; and
		 * counted as waiting, so every change bumps the epoch (a change
		 * between the epoch's read above and here is seen by the next look). */
		if (!waited) {
			__atomic_add_fetch(&me->turn_wait, 1, __ATOMIC_RELEASE);
			__atomic_add_fetch(&nd_tree->waiting, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		/* The holder is often a member about to publish a new count or
		 * state (a hand-off's receiver): a short spin saves two context
		 * switches. Then sleep; a signal handler may end it (the turn is
		 * still to come). */
		for (int spin = 0; spin < limit && __atomic_load_n(&nd_tree->epoch, __ATOMIC_SEQ_CST) == e; spin++)
			__builtin_ia32_pause();
		struct timespec to = { 0, limit && blocked_holder(&h) && quick++ < BLOCKED_LOOKS ? BLOCKED_NS
												 : POLL_MS * 1000000L };
		if (__atomic_load_n(&nd_tree->epoch, __ATOMIC_SEQ_CST) == e)
			nd_sys(SYS_futex, (long)&nd_tree->epoch, FUTEX_WAIT, e, (long)&to, 0, 0);
	}
}

/* The turn of a communication event (members.h): this member's count first
 * in (count, id) order among the members that can still act. */
void nd_member_turn(void)
{
	if (nd_member_me >= 0)
		turn_at(NULL, NULL);
}

uint64_t nd_member_turn_settled(uint64_t (*at)(void *arg), void *arg)
{
	if (nd_member_me < 0)
		return 0;
	at(arg);
	nd_member_block(); /* at the floor at() publishes, for the others, from now */
	uint64_t granted;
	while ((granted = turn_at(at, arg)) != at(arg))
		;
	nd_member_join(granted);
	return granted;
}

void nd_member_pausing(int on)
{
	if (nd_member_me < 0)
		return;
	struct nd_member *me = slot(nd_member_me);
	if (on)
		__atomic_add_fetch(&me->turn_wait, 1, __ATOMIC_RELEASE);
	else
		__atomic_sub_fetch(&me->turn_wait, 1, __ATOMIC_RELEASE);
}

void nd_member_turn_done(void)
{
	if (nd_member_me < 0)
		return;
	struct nd_member *me = slot(nd_member_me);
	__atomic_add_fetch(&me->ev, 1, __ATOMIC_RELEASE);
	nd_member_changed(me);
}

void nd_member_join(uint64_t ev)
{
	if (nd_member_me < 0)
		return;
	struct nd_member *me = slot(nd_member_me);
	uint64_t have = nd_member_count(me);
	if (ev > have) {
		__atomic_add_fetch(&me->ev, ev - have, __ATOMIC_RELEASE);
		nd_member_changed(me);
	}
}
