/*
 * Who can still act before an event of the tree's order (members.h, order.c):
 * the slots as they are, and what they cannot show bounded by real time and
 * /proc: a member that died without leaving (LIVE_NS), one asleep in a wait
 * the shim does not see, one that executed a program the shim cannot enter
 * (EXEC_GRACE_NS). Raw system calls only, no allocation, no lock.
 */
#include "nodice.h"
#include "tree.h"
#include "members.h"
#include "member_slots.h"
#include "holder.h"
#include "devices.h"
#include "procstate.h"
#include "vclock.h"

#include <sys/syscall.h>
#include <time.h>

#define LIVE_NS 20000000ULL         /* a holder unchanged this long: is it alive? */
#define EXEC_GRACE_NS 2000000000ULL /* an exec not adopted by then: outside */
/* A client blocked for a listener's answer it is owed (answering) holds the
 * others this long at most: a Manager answers in well under a millisecond,
 * but one may be unable to (its reader waits for its process's turn, which
 * waits for the member this client holds: CPython's WithManagerTestPool
 * paid the bound a few times; 2 s each with a 2 s bound). With 50 ms, a
 * Manager at the lowest priority beside CPU hogs (tree_managers' slow runs)
 * answered late in 2 runs of 7, and the order followed real time. */
#define ANSWER_NS 1000000000ULL
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
uint64_t nd_holder_real_now(uint64_t *now)
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

static int ahead_of(struct nd_member *m, uint32_t st, uint64_t d, uint64_t id, uint64_t *now, int count,
		    uint64_t vt);

/* m is in a wait the tree's order ends: its count when it wakes at its
 * deadline due, at least (the count's steps of time, members.h). */
static int ordered_wait(struct nd_member *m, uint64_t *due, uint64_t *wake_count)
{
	if (__atomic_load_n(&m->state, __ATOMIC_ACQUIRE) != ND_M_WAIT || !__atomic_load_n(&m->ordered, __ATOMIC_ACQUIRE))
		return 0;
	*due = __atomic_load_n(&m->deadline, __ATOMIC_ACQUIRE);
	*wake_count = __atomic_load_n(&m->ev, __ATOMIC_ACQUIRE) + (*due >> ND_COUNT_VT_SHIFT);
	return 1;
}

/* The published holders from 1 + slot k on lead to this member. */
static int leads_to_me(int k)
{
	for (int n = 0; k > 0 && k <= ND_MEMBERS && n < ND_MEMBERS; n++) {
		if (k - 1 == nd_member_me)
			return 1;
		k = __atomic_load_n(&slot(k - 1)->held_by, __ATOMIC_ACQUIRE);
	}
	return 0;
}

/* m's wait (at deadline due, ordered by wid) is held, along the members'
 * published holders, by this member's own wait. The first link is looked
 * at again (m naps between its looks, and this member no longer holds it:
 * its clock is past due); the others are waits for turns, looked at again
 * every millisecond or sooner. */
static int waits_on_me(struct nd_member *m, uint64_t due, uint64_t wid)
{
	int k = __atomic_load_n(&m->held_by, __ATOMIC_ACQUIRE);
	uint64_t now = 0;
	if (k <= 0 || k > ND_MEMBERS || k - 1 == nd_member_me ||
	    !ahead_of(slot(k - 1), __atomic_load_n(&slot(k - 1)->state, __ATOMIC_ACQUIRE), due, wid, &now, 0, 0))
		return 0;
	return leads_to_me(__atomic_load_n(&slot(k - 1)->held_by, __ATOMIC_ACQUIRE));
}

/* m, blocked in a read of a named connection, is owed an answer by its
 * listener s: its request is still unread (the listener's reader is woken
 * by it at once), nothing was said yet (the listener accepts and speaks
 * first: a Manager's challenge), or a thread of s read a request and runs
 * on without having answered or waited since (convo.c's serving). A Pool
 * worker asleep for its first proxy answer was passed over, or not, as real
 * time had it; answered, it acts at its count. A listener that waits (for
 * a pool's workers, behind m) owes nothing yet: m is passed over as before
 * (CPython's WithManagerTestPool took 160 s while any running listener
 * held its clients). */
static int owed(struct nd_member *m, struct nd_member *s)
{
	uint64_t out = __atomic_load_n(&m->answer_out, __ATOMIC_RELAXED), in = __atomic_load_n(&m->answer_in, __ATOMIC_RELAXED);
	struct nd_tree_pipe *po = out ? nd_pipes_entry(out, 0) : NULL, *pi = in ? nd_pipes_entry(in, 0) : NULL;
	if (po && __atomic_load_n(&po->written, __ATOMIC_ACQUIRE) != __atomic_load_n(&po->readpos, __ATOMIC_ACQUIRE))
		return 1;
	if (!__atomic_load_n(&m->answer_wrote, __ATOMIC_RELAXED) && (!pi || !__atomic_load_n(&pi->written, __ATOMIC_ACQUIRE)))
		return 1;
	return __atomic_load_n(&s->serving, __ATOMIC_ACQUIRE) && __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == ND_M_RUN;
}

/* Not this member's own answer, nor one of a listener gone, or waiting for
 * a turn that this member's event holds. */
static int answering(struct nd_member *m)
{
	int k = __atomic_load_n(&m->answer_from, __ATOMIC_ACQUIRE);
	if (k <= 0 || k > ND_MEMBERS || k - 1 == nd_member_me)
		return 0;
	struct nd_member *s = slot(k - 1);
	uint32_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&s->pid, __ATOMIC_ACQUIRE) <= 0 || st == ND_M_OUTSIDE || st == ND_M_EXITING || st == ND_M_FREE)
		return 0;
	if (st == ND_M_RUN && __atomic_load_n(&s->turn_wait, __ATOMIC_ACQUIRE) &&
	    leads_to_me(__atomic_load_n(&s->held_by, __ATOMIC_ACQUIRE)))
		return 0;
	return owed(m, s);
}

/* An event by count at (d, id) of a member whose clock is at vt, and m in
 * a wait the tree's order ends at (deadline, wait_id): m holds it when the
 * event's clock has passed that deadline and m's count at its wake comes
 * first. m wakes there and goes on from that count, which the event has
 * passed: whether the event saw what m did next followed real time. A loop
 * polling a pipe without blocking, whose writer slept 5 ms first, met the
 * byte at another iteration in every run (docs/limits.md). m is not held
 * by the event in turn: a member at or past m's deadline does not hold it
 * (ahead_of below, in time), nor while woken by a pipe at its floor
 * (floored). But the two orders can disagree along a chain: m's wake held
 * by a member still before its deadline in time, that member's turn by
 * this one in count (shared_mutex sem2: a parent's reap at a child's end,
 * a sibling still at that time, waiting for the turn of one past it, held
 * 5 s). Each look publishes what holds it (held_by); when m's wait leads
 * back to this member, the wait's edge is the one left out: the event goes
 * first, as before. Every member on such a cycle waits, so the
 * choice does not follow real time. */
static int wakes_first(struct nd_member *m, uint64_t d, uint64_t id, uint64_t vt)
{
	uint64_t due, wc;
	if (!ordered_wait(m, &due, &wc))
		return 0;
	uint64_t wid = __atomic_load_n(&m->wait_id, __ATOMIC_RELAXED);
	return nd_member_before(due, wid, vt, id) && nd_member_before(wc, m->id, d, id) && !waits_on_me(m, due, wid);
}

/* A running member comes before (d, id) by its count or its clock. */
static int as_running(struct nd_member *m, uint64_t d, uint64_t id, int count)
{
	return nd_member_before(count ? nd_member_count(m) : __atomic_load_n(&m->vt, __ATOMIC_RELAXED), m->id, d, id);
}

static int ahead_of(struct nd_member *m, uint32_t st, uint64_t d, uint64_t id, uint64_t *now, int count,
		    uint64_t vt)
{
	if (floored(m, st)) {
		uint64_t at = __atomic_load_n(&m->floor, __ATOMIC_ACQUIRE), c = nd_member_count(m);
		/* a timed event waits for its wake-up, as for one /proc shows,
		 * unless its clock is past the event's: it goes on from there */
		return count ? nd_member_before(at > c ? at : c, m->id, d, id)
			     : nd_member_before(__atomic_load_n(&m->vt, __ATOMIC_RELAXED), m->id, d, id);
	}
	switch (st) {
	case ND_M_WAIT:
		if (count)
			return wakes_first(m, d, id, vt);
		return nd_member_before(__atomic_load_n(&m->deadline, __ATOMIC_ACQUIRE),
					__atomic_load_n(&m->wait_id, __ATOMIC_RELAXED), d, id);
	case ND_M_RUN: {
		uint64_t at = __atomic_load_n(&m->exec_at, __ATOMIC_ACQUIRE);
		/* the look's clock may have been read before the exec began */
		if (at && nd_holder_real_now(now) > at && *now - at > EXEC_GRACE_NS) {
			nd_log_uncontrolled("tree-outside", "a member executed a program the shim could not enter "
							    "(static, or it dropped LD_PRELOAD): it runs outside the order");
			nd_member_set_state(m, ND_M_OUTSIDE, ND_NO_DEADLINE);
			return 0;
		}
		return as_running(m, d, id, count);
	}
	case ND_M_BLOCKED: /* waiting for a listener's answer: as a running one */
		return as_running(m, d, id, count) && answering(m);
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
 * and one in a quiet wait only by a signal, which its sender counts first:
 * /proc is read for the others only. */
uint32_t nd_holder_signals(struct nd_member *m)
{
	return __atomic_load_n(&m->signals, __ATOMIC_SEQ_CST) + __atomic_load_n(&nd_tree->group_signals, __ATOMIC_SEQ_CST);
}

static int asleep(struct nd_member *m)
{
	uint32_t quiet = __atomic_load_n(&m->quiet, __ATOMIC_SEQ_CST);
	if (quiet && quiet == 1 + nd_holder_signals(m))
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

int nd_holder_skipped(int i)
{
	struct nd_member *m = slot(i);
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

void nd_holder_skip(int h)
{
	struct nd_member *m = slot(h);
	int k = 0, free = -1;
	for (; k < SKIPS; k++) {
		int32_t w = __atomic_load_n(&skips.who[k], __ATOMIC_ACQUIRE);
		if (w == h + 1)
			break;
		if (free < 0 && (w == 0 || !nd_holder_skipped(w - 1)))
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

/* The member that can still act before (d, id), or -1. Blocked members are
 * asked last, and only then, whether they really sleep (two reads of /proc
 * per thread): only at the moment the event could go ahead does it matter
 * that none of them has just been woken. A member that changed between the
 * two passes is judged again by its new state (one found blocked in pass 0
 * may be running by pass 1: seen once under load, when a parent reaping the
 * writer of the pipe the caller read was passed over), and one whose state
 * changed while /proc was read holds. */
int nd_holder(uint64_t d, uint64_t id, uint64_t *now, int count)
{
	uint32_t hi = __atomic_load_n(&nd_tree->members_hi, __ATOMIC_ACQUIRE);
	int outside = 0;
	/* an event by count is this member's, at its clock */
	uint64_t vt = count && nd_member_me >= 0 ? __atomic_load_n(&slot(nd_member_me)->vt, __ATOMIC_RELAXED) : 0;
	uint32_t seen[ND_MEMBERS]; /* each one's change count as pass 0 found it */
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < hi; i++) {
			struct nd_member *m = slot((int)i);
			uint32_t c = __atomic_load_n(&m->change, __ATOMIC_ACQUIRE);
			uint32_t st = __atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
			if ((int)i == nd_member_me || nd_holder_skipped((int)i))
				continue;
			if (!pass) {
				if (ahead_of(m, st, d, id, now, count, vt))
					return (int)i;
				seen[i] = c;
				continue;
			}
			/* Changed since pass 0: a blocked member woken and running
			 * again, or waiting for an earlier deadline, holds. */
			if (c != seen[i] && ahead_of(m, st, d, id, now, count, vt))
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
	return outside ? ND_OUTSIDE_ONLY : -1;
}

int nd_member_wake_before(uint64_t c, uint64_t *d, uint64_t *id)
{
	if (nd_member_me < 0)
		return 0;
	uint64_t self = slot(nd_member_me)->id;
	uint32_t hi = __atomic_load_n(&nd_tree->members_hi, __ATOMIC_ACQUIRE);
	int any = 0;
	for (uint32_t i = 0; i < hi; i++) {
		struct nd_member *m = slot((int)i);
		uint64_t t, wc;
		/* judged by its count at the wake, as wakes_first judges it */
		if ((int)i == nd_member_me || nd_holder_skipped((int)i) || !ordered_wait(m, &t, &wc) ||
		    !nd_member_before(wc, m->id, c, self))
			continue;
		uint64_t w = __atomic_load_n(&m->wait_id, __ATOMIC_RELAXED);
		if (!any || nd_member_before(t, w, *d, *id)) {
			*d = t;
			*id = w;
			any = 1;
		}
	}
	return any;
}

/* The holder h has not changed since `since`. A dead one is freed. A
 * running one seen asleep in the kernel twice, LIVE_NS apart, waits in a call
 * the shim does not see (a libc-internal wait): it is passed over until it
 * changes, and that is logged; so is a client blocked ANSWER_NS for an
 * answer it is owed (answering). 1 when the wait may go ahead regardless
 * (hold_ns passed). */
int nd_holder_watch(int h, uint64_t now, struct nd_watch *w, uint64_t hold_ns)
{
	struct nd_member *m = slot(h);
	if (now - w->since >= hold_ns) {
		nd_log_uncontrolled("tree-preempted", "a member waited (5 s, or its wait's own length if longer, for a timed "
						      "event, 30 s for a communication event) for another that neither waited nor moved (a long computation "
						      "without clock reads or events, or a spin): it went ahead on real time");
		/* and the later waits of this process pass it over until it
		 * changes: each of subprocess's naps between its polls of a
		 * `while True: pass` child waited 5 s again (CPython's
		 * test_call_timeout: 30 s) */
		nd_holder_skip(h);
		return 1;
	}
	if (now - w->since >= ANSWER_NS && __atomic_load_n(&m->state, __ATOMIC_ACQUIRE) == ND_M_BLOCKED &&
	    __atomic_load_n(&m->answer_from, __ATOMIC_ACQUIRE)) {
		nd_log_uncontrolled("tree-order", "a member waited 1 s of real time for a member's answer on a "
						  "named connection it was owed (the member computed, or waited for "
						  "another): the others went on without it, on real time");
		nd_holder_skip(h);
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
			nd_holder_skip(h);
		}
	} else {
		w->asleep = 0;
	}
	return 0;
}

/* Members that have begun to exit, until the kernel has closed their
 * descriptors (a zombie, or gone): at most EXITS_NS. */
#define EXITS_NS 200000000ULL

void nd_member_await_exits(void)
{
	uint32_t hi = __atomic_load_n(&nd_tree->members_hi, __ATOMIC_ACQUIRE);
	uint64_t start = 0;
	for (uint32_t i = 0; i < hi; i++) {
		struct nd_member *m = slot((int)i);
		int pid = __atomic_load_n(&m->pid, __ATOMIC_ACQUIRE);
		while ((int)i != nd_member_me && pid > 0 && __atomic_load_n(&m->state, __ATOMIC_ACQUIRE) == ND_M_EXITING &&
		       __atomic_load_n(&m->pid, __ATOMIC_ACQUIRE) == pid && !nd_proc_gone(pid)) {
			uint64_t now = nd_sys_monotonic_ns();
			if (!start) {
				start = now;
				nd_member_keeps_turn(1); /* a wait the kernel owes the order */
			}
			if (now - start > EXITS_NS)
				goto done;
			struct timespec ts = { 0, 50000 };
			nd_sys(SYS_nanosleep, (long)&ts, 0, 0, 0, 0, 0);
		}
	}
done:
	if (start)
		nd_member_keeps_turn(0);
}

