/*
 * The order of timed events across the tree (members.h, docs/design.md "The
 * process tree"): a member performs an event due at virtual time d only when
 * no other can still act before (d, its id). members.c keeps the slots; this
 * file decides from them, and bounds by real time what they cannot show: a
 * member that neither waits nor reads a clock (HOLD_NS), one that died
 * without leaving (LIVE_NS, /proc), one asleep in a wait the shim does not
 * see, one that executed a program the shim cannot enter (EXEC_GRACE_NS).
 * Raw system calls only, no allocation, no lock.
 */
#include "nodice.h"
#include "tree.h"
#include "members.h"
#include "member_slots.h"
#include "procstate.h"
#include "vclock.h"

#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>

#define POLL_MS 1                     /* how often a waiter looks again */
#define LIVE_NS 20000000ULL           /* a holder unchanged this long: is it alive? */
#define HOLD_NS 5000000000ULL         /* a holder unchanged this long: go ahead */
#define EXEC_GRACE_NS 2000000000ULL   /* an exec not adopted by then: outside */
#define COUNT_HOLD_NS 30000000000ULL  /* ... for a communication event (turns.c) */
#define SPINS 2000                    /* pauses before a turn's wait sleeps (~20 us), with 2 CPUs or more */

/* Whether member m can still act before (d, id), BLOCKED and WAIT ones
 * aside: by count (turns.c) d is an event count; a waiting member is asked
 * later, as a blocked one is, whether it really sleeps (a wait with a
 * later deadline can end early, by data or a signal, and its wake-up in
 * flight must be seen: rsync's three processes each wait in select with
 * a 60 s timeout, and one's timeout went first while another had just been
 * woken by data, sending its clock 60 s ahead and its parent's 20 ms
 * sleeps, 10 ms of real time each, through 3000 rounds to catch up). */
/* The real time, read once per look and only when needed: most looks find
 * nobody ahead and read no clock (a system call). */
static uint64_t real_now(uint64_t *now)
{
	if (!*now)
		*now = nd_sys_monotonic_ns();
	return *now;
}

/* A member blocked or waiting on pipes that a write has just made ready
 * (process/deliver.c): it is woken, and acts at its floor, not before. */
static int floored(struct nd_member *m, uint32_t st)
{
	return (st == ND_M_BLOCKED || st == ND_M_WAIT) && __atomic_load_n(&m->floor, __ATOMIC_ACQUIRE) != ND_NO_FLOOR;
}

static int ahead_of(struct nd_member *m, uint32_t st, uint64_t d, uint64_t id, uint64_t *now, int count)
{
	if (floored(m, st)) {
		uint64_t at = __atomic_load_n(&m->floor, __ATOMIC_ACQUIRE), c = nd_member_count(m);
		/* a timed event waits for its wake-up, as for one /proc shows */
		return !count || nd_member_before(at > c ? at : c, m->id, d, id);
	}
	switch (st) {
	case ND_M_WAIT:
		return !count && nd_member_before(__atomic_load_n(&m->deadline, __ATOMIC_ACQUIRE), m->id, d, id);
	case ND_M_RUN: {
		uint64_t at = __atomic_load_n(&m->exec_at, __ATOMIC_ACQUIRE);
		/* the look's clock may have been read before the exec began */
		if (at && real_now(now) > at && *now - at > EXEC_GRACE_NS) {
			nd_log_uncontrolled("tree-outside", "a member executed a program the shim could not enter "
							    "(static, or it dropped LD_PRELOAD): it runs outside the order");
			nd_member_set_state(m, ND_M_OUTSIDE, ND_NO_DEADLINE);
			return 0;
		}
		return nd_member_before(count ? nd_member_count(m) : __atomic_load_n(&m->vt, __ATOMIC_RELAXED), m->id, d, id);
	}
	case ND_M_EXITING:
		/* Gone: its parent's wake-up may still be in flight, so this
		 * look holds once more (the next comes a poll later). */
		if (nd_proc_gone(m->pid)) {
			nd_member_release((int)(m - slot(0)));
			return 1;
		}
		return count || nd_member_before(__atomic_load_n(&m->vt, __ATOMIC_RELAXED), m->id, d, id);
	}
	return st == ND_M_CLAIMING;
}

/* A blocked member: 1 when it sleeps, 0 when a wake-up is in flight. One
 * asleep in a semaphore's line is woken only by a hand-off, which says so,
 * and one in a calm wait only by a signal, which its sender counts first:
 * /proc is read for the others only. */
static uint32_t signals_of(struct nd_member *m)
{
	return __atomic_load_n(&m->signals, __ATOMIC_SEQ_CST) + __atomic_load_n(&nd_tree->group_signals, __ATOMIC_SEQ_CST);
}

static int asleep(struct nd_member *m)
{
	uint32_t calm = __atomic_load_n(&m->calm, __ATOMIC_SEQ_CST);
	if (calm && calm == 1 + signals_of(m))
		return 1;
	uint32_t lined = __atomic_load_n(&m->lined, __ATOMIC_ACQUIRE);
	if (lined != ND_NOT_LINED)
		return lined == ND_LINED;
	return !m->pid || nd_proc_asleep(m->pid);
}

/* Members found asleep in the kernel while they run (a reader in fread,
 * whose read is libc's own): passed over until they change state or count,
 * by every later wait of this process too. Before, each wait found them
 * again, 40 ms per event: a shell's two jobs echoing 300 lines each into
 * `md5sum`, their writes ordered (sources/writers.c), took 100 s. Entries
 * are written with atomics (threads of a process may look at once); a
 * place being rewritten reads as none. */
#define SKIPS 16
static struct skip {
	int32_t who[SKIPS]; /* slot + 1, 0: none */
	uint32_t change[SKIPS];
	uint64_t count[SKIPS];
	int hi; /* places used so far: every look reads only these (usually none) */
} skips;

static int skipped(int i, struct nd_member *m)
{
	int hi = __atomic_load_n(&skips.hi, __ATOMIC_ACQUIRE);
	for (int k = 0; k < hi; k++) {
		if (__atomic_load_n(&skips.who[k], __ATOMIC_ACQUIRE) != i + 1)
			continue;
		uint32_t c = __atomic_load_n(&skips.change[k], __ATOMIC_ACQUIRE);
		uint64_t n = __atomic_load_n(&skips.count[k], __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&skips.who[k], __ATOMIC_ACQUIRE) != i + 1)
			return 0;
		return __atomic_load_n(&m->change, __ATOMIC_ACQUIRE) == c && nd_member_count(m) == n;
	}
	return 0;
}

static void skip_from_now(int h, struct nd_member *m)
{
	int k = 0, free = -1;
	for (; k < SKIPS; k++) {
		int32_t w = __atomic_load_n(&skips.who[k], __ATOMIC_ACQUIRE);
		if (w == h + 1)
			break;
		if (free < 0 && (w == 0 || !skipped(w - 1, slot(w - 1))))
			free = k;
	}
	if (k == SKIPS)
		k = free >= 0 ? free : h % SKIPS;
	__atomic_store_n(&skips.who[k], 0, __ATOMIC_RELEASE);
	__atomic_store_n(&skips.change[k], __atomic_load_n(&m->change, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
	__atomic_store_n(&skips.count[k], nd_member_count(m), __ATOMIC_RELEASE);
	__atomic_store_n(&skips.who[k], h + 1, __ATOMIC_RELEASE);
	int hi = __atomic_load_n(&skips.hi, __ATOMIC_ACQUIRE);
	while (hi <= k && !__atomic_compare_exchange_n(&skips.hi, &hi, k + 1, 1, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		;
}

#define OUTSIDE_ONLY (-2) /* held by none, but a member runs outside the order */

/* The member that can still act before (d, id), or -1. Blocked members are
 * asked last, and only then, whether they really sleep (two reads of /proc
 * per thread): only at the moment the event could go ahead does it matter
 * that none of them has just been woken. A member that changed between the
 * two passes is judged again by its new state (one found blocked in pass 0
 * may be running by pass 1: seen once under load, when a parent reaping the
 * writer of the pipe the caller read was passed over), and one whose state
 * changed while /proc was read holds. */
static int holder(uint64_t d, uint64_t id, uint64_t *now, int count)
{
	uint32_t hi = __atomic_load_n(&nd_tree->members_hi, __ATOMIC_ACQUIRE);
	int outside = 0;
	uint32_t seen[ND_MEMBERS]; /* each one's change count as pass 0 found it */
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < hi; i++) {
			struct nd_member *m = slot((int)i);
			uint32_t c = __atomic_load_n(&m->change, __ATOMIC_ACQUIRE);
			uint32_t st = __atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
			if ((int)i == nd_member_me || skipped((int)i, m))
				continue;
			if (!pass) {
				if (ahead_of(m, st, d, id, now, count))
					return (int)i;
				seen[i] = c;
				continue;
			}
			/* Changed since pass 0: a blocked member woken and running
			 * again, or waiting for an earlier deadline, holds. */
			if (c != seen[i] && ahead_of(m, st, d, id, now, count))
				return (int)i;
			if ((st == ND_M_BLOCKED || st == ND_M_WAIT) && !floored(m, st) &&
			    (asleep(m) <= 0 || __atomic_load_n(&m->change, __ATOMIC_ACQUIRE) != c))
				return (int)i;
			if (st == ND_M_OUTSIDE && m->pid) {
				if (nd_proc_gone(m->pid))
					nd_member_release((int)i);
				else
					outside = 1;
			}
		}
	return outside ? OUTSIDE_ONLY : -1;
}

/* The holder h has not changed since `since`. A dead one is freed. A
 * running one seen asleep in the kernel twice, LIVE_NS apart, waits in a call
 * the shim does not see (a libc-internal wait): it is passed over until it
 * changes, and that is logged. 1 when the wait may go ahead regardless
 * (HOLD_NS passed). */
struct watch {
	uint64_t since, checked;
	int asleep; /* times seen asleep */
};

static int watch(int h, uint64_t now, struct watch *w, uint64_t hold_ns)
{
	struct nd_member *m = slot(h);
	if (now - w->since >= hold_ns) {
		nd_log_uncontrolled("tree-preempted", "a member waited (5 s, or its wait's own length if longer, for a timed "
						      "event, 30 s for a communication event) for another that neither waited nor moved (a long computation "
						      "without clock reads or events, or a spin): it went ahead on real time");
		return 1;
	}
	if (now - w->since < LIVE_NS || now - w->checked < LIVE_NS)
		return 0;
	w->checked = now;
	int pid = __atomic_load_n(&m->pid, __ATOMIC_ACQUIRE);
	if (pid > 0 && nd_proc_gone(pid)) {
		nd_log_uncontrolled("member-lost", "a member ended without leaving the tree (killed by a signal): its "
						   "slot was freed");
		nd_member_release(h);
	} else if (pid > 0 && __atomic_load_n(&m->state, __ATOMIC_ACQUIRE) == ND_M_RUN &&
		   !__atomic_load_n(&m->turn_wait, __ATOMIC_ACQUIRE) && nd_proc_asleep(pid)) {
		if (++w->asleep >= 2) {
			nd_log_uncontrolled("tree-asleep", "a member waited in the kernel in a call nodice does not see "
							   "(a libc-internal wait): the others went on without it, on real time");
			skip_from_now(h, m);
		}
	} else {
		w->asleep = 0;
	}
	return 0;
}

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
	struct watch w;
	uint64_t real_start, vt_start; /* when the wait began, both clocks */
};
#define NO_HOLD ((struct hold){ .held = -1 })

/* How long a holder that neither waits nor moves holds the wait: for a
 * timed event, HOLD_NS or, when longer, the wait's own length in real time,
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
	return d > h->vt_start && d - h->vt_start > HOLD_NS ? d - h->vt_start : HOLD_NS;
}

/* 1 when this process may act at d now; otherwise h->held holds it. With a
 * member outside the order alive (a static child, an exempt program), what
 * it does is unknown: the deadline elapses in real time, as natively (a
 * parent's timeout must leave it the time to answer). */
static int look(uint64_t d, uint64_t id, struct hold *h, int count)
{
	uint64_t now = 0;
	int who = holder(d, id, &now, count);
	if (who == -1)
		return 1;
	real_now(&now);
	if (!h->real_start) {
		h->real_start = now;
		h->vt_start = nd_vclock_now();
	}
	if (who == OUTSIDE_ONLY)
		return count || d <= h->vt_start || now - h->real_start >= d - h->vt_start;
	uint32_t c = __atomic_load_n(&slot(who)->change, __ATOMIC_ACQUIRE);
	if (who != h->held || c != h->change) {
		h->held = who;
		h->change = c;
		h->w = (struct watch){ now, now, 0 };
		return 0;
	}
	return watch(who, now, &h->w, hold_for(d, h, count));
}

/* The scheduler's jumps (sched/queue.c) ask without waiting, again and
 * again under its lock: their hold is kept here across the asks. */
static struct hold asked = { .held = -1 };
static uint64_t asked_d = ND_NO_DEADLINE;

int nd_member_may(uint64_t d)
{
	if (nd_member_me < 0)
		return 1;
	struct nd_member *me = slot(nd_member_me);
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
	nd_member_set_state(me, ND_M_WAIT, d);
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
			nd_member_set_state(me, ND_M_RUN, ND_NO_DEADLINE);
			if (r == -EINTR)
				nd_member_take_signal_time();
			return r;
		}
	}
	nd_vclock_advance_to(d);
	nd_member_set_state(me, ND_M_RUN, ND_NO_DEADLINE);
	return 0;
}

int nd_member_until_calm(uint64_t d)
{
	if (nd_member_me < 0)
		return 0;
	struct nd_member *me = slot(nd_member_me);
	__atomic_store_n(&me->calm, 1 + signals_of(me), __ATOMIC_SEQ_CST);
	int r = nd_member_until(d, NULL, NULL);
	__atomic_store_n(&me->calm, 0, __ATOMIC_SEQ_CST);
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

static void calm(int on)
{
	void (*fn)(int) = __atomic_load_n(&nd_member_calm, __ATOMIC_ACQUIRE);
	if (fn)
		fn(on);
}

/* The turn at count at(arg), or at this member's own count (at NULL),
 * asked again at every look: first in (count, id) order among the members
 * that can still act. */
static uint64_t turn_at(uint64_t (*at)(void *arg), void *arg)
{
	calm(1);
	struct nd_member *me = slot(nd_member_me);
	int limit = nd_member_spins();
	struct hold h = NO_HOLD;
	for (int waited = 0;; waited = 1) {
		uint32_t e = __atomic_load_n(&nd_tree->epoch, __ATOMIC_SEQ_CST);
		uint64_t c = at ? at(arg) : nd_member_count(me);
		if (look(c, me->id, &h, 1)) {
			if (waited) {
				__atomic_sub_fetch(&me->turn_wait, 1, __ATOMIC_RELEASE);
				__atomic_sub_fetch(&nd_tree->waiting, 1, __ATOMIC_SEQ_CST);
			}
			calm(0);
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
		struct timespec to = { 0, POLL_MS * 1000000L };
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
