/*
 * A scheduled process's waits on pipes of the tree. A multiprocessing Pool's
 * parent has a thread blocked reading the result pipe and another polling it
 * with the workers' sentinels; natively each wakes when a worker's result
 * reaches the kernel. Here both used to wake in real time too: one rejoined
 * its process's turn order wherever the other's loop had got to (the poller
 * spun on the unread result 11 times in one run, 607 in another), and
 * `nodice verify` failed Pool programs whose output repeated.
 *
 * So the threads of such a process see the writes of other members in the
 * tree's order (process/deliver.c decides, as for a single-threaded reader):
 * - The process keeps a horizon: every write stamped before (horizon, its
 *   id) has been made. A readiness check of a thread (a read that would
 *   block, a poll) sees only the pipes whose first unread write comes before
 *   it; the others look empty, whatever the kernel holds.
 * - When no thread can run and none waits outside, the thread that found it
 *   so waits for all the process's descriptor waiters at once (their pipes,
 *   and the earliest deadline among its sleepers), as one reader: the wait
 *   is decided at a count of the tree, the horizon moves there, and the
 *   waiters that now see a ready pipe are made runnable in slot order.
 * - A waiter that looks again and finds only writes it may not see yet
 *   moves the horizon to its process's count at a turn of the tree, when
 *   the count has passed it (a thread that resubmits itself to a thread
 *   pool while the main thread makes process pools: the manager thread's
 *   looks move it). Not at every scheduling point of a running thread:
 *   that would make it wait for every member behind it in count.
 * - The watch (watch.c) wakes a waiter whose input of the tree is ready
 *   only while the thread holding the turn runs and sleeps in the kernel,
 *   or once the process has computed 50 ms of CPU time without moving the
 *   horizon: it sees what the kernel holds then, on real time, reported
 *   as such rejoins always were (nd_sched_watch_fds). (Until 2026-12-06
 *   the watch asked applies() from inside the scheduler, where it always
 *   says no, and woke every waiter whose pipe the kernel showed ready,
 *   10 ms of real time after the last news: under load, a thread pool's
 *   Popen.wait saw its child's end at a
 *   real-time turn, 3 runs in 64 with four at once; 0 in 192 after.)
 * Bytes that carry no count (a stdio flush, a writer outside the tree) and
 * ends of file are seen as the kernel shows them, as before. Parallel mode,
 * waits that also wait to write, and more than ND_DELIVER_FDS descriptors
 * keep the old way (the thread leaves the turn for the kernel's wait), and
 * so does a waiter while a thread of its process waits outside: it sees
 * what the kernel holds (a poller must never spin on data it cannot see).
 */
#include "nodice.h"
#include "scheduler.h"
#include "turn.h"
#include "block.h"
#include "deliver.h"
#include "members.h"
#include "tree.h"
#include "vclock.h"
#include "childend.h"
#include "devices.h"

#include <errno.h>
#include <poll.h>
#include <sys/syscall.h>
#include <time.h>

#define READ_EVENTS (POLLIN | POLLPRI | POLLRDNORM | POLLRDBAND | POLLHUP | POLLRDHUP)

static uint64_t horizon; /* the writes stamped before (horizon, this member's id) are all made */
/* ... until this process's clock passes (wake_due, wake_due_id): the
 * earliest wait, among the members behind the horizon, that the tree's
 * order ends. Such a member wakes there and writes at its count, before
 * the horizon: a look showed its write once it reached the kernel
 * (asyncio's loop turned 102 times instead of 108 about once in 500 runs:
 * a shell's line after its `sleep`). Past it, the horizon is renewed at a
 * turn, which waits for that member (process/holder.c), before a thread
 * looks again (renew). Both are written under the scheduler's lock. */
static uint64_t wake_due = ND_NO_DEADLINE, wake_due_id;
/* The clock at the last renewal: one renewal per point of the time line.
 * A wake the renewal's turn did not wait for (a cycle of waits, holder.c;
 * a member passed over) stays behind the horizon, and a blocked reader
 * would renew again and again, holding its process's turn (found by
 * reading the code, not seen). */
static uint64_t renewed_vt = UINT64_MAX;

static void set_horizon(uint64_t h)
{
	uint64_t d = ND_NO_DEADLINE, id = 0;
	__atomic_store_n(&horizon, h, __ATOMIC_RELEASE);
	nd_member_wake_before(h, &d, &id);
	__atomic_store_n(&wake_due_id, id, __ATOMIC_RELAXED);
	__atomic_store_n(&wake_due, d, __ATOMIC_RELEASE);
}

static int expired(void)
{
	uint64_t d = __atomic_load_n(&wake_due, __ATOMIC_ACQUIRE), now = nd_vclock_now();
	return d != ND_NO_DEADLINE && now != __atomic_load_n(&renewed_vt, __ATOMIC_ACQUIRE) &&
	       nd_member_before(d, __atomic_load_n(&wake_due_id, __ATOMIC_RELAXED), now, nd_member_id(nd_member_me));
}

/* fd, after a poll, is a pipe of the tree ready to read with an end of file
 * or bytes without a count (the kernel's order). */
static int unmarked_ready(const struct pollfd *p)
{
	return p->fd >= 0 && (p->events & POLLIN) && (p->revents & READ_EVENTS) && nd_deliver_unmarked(p->fd);
}

/* fd, after a poll, shows input whose first unread write comes at or after
 * the horizon h (and whose writer lives, when `live`). */
static int hides(const struct pollfd *p, uint64_t h, int live)
{
	return (p->events & POLLIN) && (p->revents & READ_EVENTS) &&
	       (live ? nd_deliver_hidden_live(p->fd, h) : nd_deliver_hidden(p->fd, h));
}

static int applies(void)
{
	return nd_member_me >= 0 && !nd_sched_parallel && nd_sched_managed();
}

/* What fds show when the horizon applies (on) or not. */
static int visible_on(struct pollfd *fds, int n, int on)
{
	int r = 0;
	uint64_t h = __atomic_load_n(&horizon, __ATOMIC_ACQUIRE);
	/* an end of file of a pipe (a writer's exit, after its writes) is the
	 * kernel's order: with one ready, everything the kernel holds is seen
	 * (a worker's end must not come before its last result) */
	for (int i = 0; on && i < n; i++)
		if (unmarked_ready(&fds[i]))
			on = 0;
	for (int i = 0; i < n; i++) {
		if (fds[i].fd < 0 || !fds[i].revents)
			continue;
		if (on && hides(&fds[i], h, 0))
			fds[i].revents &= (short)~READ_EVENTS;
		r += fds[i].revents != 0;
	}
	return r;
}

int nd_sched_visible(struct pollfd *fds, int n)
{
	return visible_on(fds, n, applies());
}

/* A zero-timeout look hides what a wait that blocks would not show at once
 * (an end of file: the keeper decides it) and the writes after the
 * horizon while their writer lives: until 2026-12-06 it showed them when
 * they had reached the kernel, and asyncio's loop over subprocesses turned
 * 102 times in one of CI's runs, 108 in another. A write whose writer has
 * ended is shown: the caller may know of the end without a count (a
 * worker's sentinel), and then of its writes (get_nowait() on its queue).
 * Zero-timeout looks in a row that hid something from the thread: */
static ND_TLS unsigned hid_looks;
#define ND_LOOK_SPINS 256

int nd_sched_look(struct pollfd *fds, int n, int r)
{
	if (r <= 0 || !applies())
		return r;
	if (hid_looks >= ND_LOOK_SPINS) { /* a loop that never waits: the kernel's answer */
		hid_looks = 0;
		return -2 - r;
	}
	int v = 0, hid = 0;
	uint64_t h = __atomic_load_n(&horizon, __ATOMIC_ACQUIRE);
	for (int i = 0; i < n; i++) {
		if (fds[i].fd < 0 || !fds[i].revents)
			continue;
		if (unmarked_ready(&fds[i]) || hides(&fds[i], h, 1)) {
			fds[i].revents &= (short)~READ_EVENTS;
			hid = 1;
		}
		v += fds[i].revents != 0;
	}
	hid_looks = hid ? hid_looks + 1 : 0;
	return v;
}

static int fd_waiter(int s)
{
	return s != me && nd_slots[s].state == S_BLOCKED && nd_slots[s].obj == &nd_sched_fd_obj;
}

/* The descriptors the caller and every descriptor waiter wait on, when all
 * wait only to read: how many (distinct), or -1. Lock held. */
static int all_waited(struct pollfd *mine, int n, int *list)
{
	int k = 0;
	for (int s = -1; s < nd_slots_hi; s++) {
		if (s >= 0 && !fd_waiter(s))
			continue;
		struct pollfd *f = s < 0 ? mine : nd_slots[s].fds;
		int m = s < 0 ? n : nd_slots[s].nfds;
		if (s >= 0)
			nd_slots[s].kept = 1;
		for (int i = 0; i < m; i++) {
			if (f[i].fd < 0)
				continue;
			if (!(f[i].events & POLLIN) || (f[i].events & ~(POLLIN | POLLPRI | POLLRDNORM | POLLRDHUP)))
				return -1;
			int j = 0;
			while (j < k && list[j] != f[i].fd)
				j++;
			if (j < k)
				continue;
			if (k == ND_DELIVER_FDS)
				return -1;
			list[k++] = f[i].fd;
		}
	}
	return k;
}

/* Descriptor waiters that now see a ready pipe: runnable, in slot order. */
static void wake_seeing(void)
{
	for (int s = 0; s < nd_slots_hi; s++)
		if (fd_waiter(s) && (nd_childend_settle(nd_slots[s].fds, nd_slots[s].nfds, horizon), 1) &&
		    nd_sys(SYS_poll, (long)nd_slots[s].fds, nd_slots[s].nfds, 0, 0, 0, 0) > 0 &&
		    nd_sched_visible(nd_slots[s].fds, nd_slots[s].nfds)) {
			nd_sched_runnable(s, ND_WOKEN_RETRY);
			nd_sched_progress++;
		}
}

/* The keeping is over: the watch looks at the waiters again. Lock held. */
static void unkeep(void)
{
	for (int s = 0; s < nd_slots_hi; s++)
		nd_slots[s].kept = 0;
}

struct all {
	struct pollfd pf[ND_DELIVER_FDS];
	int n;
};

/* A signal handler may have made a thread of the process runnable: the
 * wait ends, and the turn goes on. */
static int look_all(void *arg, int ms)
{
	struct all *a = arg;
	if (nd_sched_others_runnable())
		return ND_DELIVER_YIELD;
	return nd_deliver_probe(a->pf, a->n, NULL, ms);
}

int nd_sched_keep(struct pollfd *fds, int n, uint64_t deadline)
{
	if (!applies())
		return ND_KEEP_NOT;
	struct all a;
	int list[ND_DELIVER_FDS];
	nd_sched_lock();
	/* With threads in lines of the tree, one of them keeps the turn for
	 * all (treeline.c), and wakes this one when the kernel shows its pipes
	 * ready: the wait is then decided here, at once. */
	int lines = nd_sched_nlinewait && !nd_sched_noutside;
	if (lines && nd_sys(SYS_poll, (long)fds, n, 0, 0, 0, 0) == 0) {
		nd_sched_unlock();
		return ND_KEEP_BLOCK;
	}
	a.n = nd_sched_noutside ? -1 : all_waited(fds, n, list);
	if (a.n <= 0)
		unkeep();
	int e = nd_sched_earliest();
	uint64_t due = e >= 0 ? nd_slots[e].deadline : ND_NO_DEADLINE;
	nd_sched_unlock();
	if (a.n <= 0)
		return ND_KEEP_NOT;
	if (deadline < due)
		due = deadline;
	for (int i = 0; i < a.n; i++)
		a.pf[i] = (struct pollfd){ list[i], POLLIN, 0 };
	struct nd_delivered out;
	nd_sched_calm(1); /* it holds its process's turn for all of them */
	__atomic_store_n(&nd_slots[me].keeps, 1, __ATOMIC_RELAXED); /* read by the watch */
	int how = nd_deliver(list, a.n, look_all, &a, due, &out);
	__atomic_store_n(&nd_slots[me].keeps, 0, __ATOMIC_RELAXED);
	nd_sched_calm(0);
	if (how == ND_NOT_DELIVERED || how == ND_INTR) {
		nd_sched_lock();
		unkeep();
		nd_sched_unlock();
		return how == ND_INTR ? ND_INTR : ND_KEEP_NOT;
	}
	nd_sched_lock();
	unkeep();
	if (out.decided && how == ND_READY && out.at > horizon)
		set_horizon(out.at);
	if (how == ND_TIMED_OUT) {
		nd_sched_expire(due);
		nd_sched_progress++;
	}
	wake_seeing();
	nd_sched_unlock();
	return how == ND_TIMED_OUT && deadline <= due ? ND_TIMED_OUT : ND_KEEP_AGAIN;
}

int nd_sched_keep_end(struct pollfd *fds, int n, uint64_t deadline)
{
	int end = 0;
	for (int i = 0; !end && i < n; i++)
		end = unmarked_ready(&fds[i]);
	if (!end || !applies() || nd_sched_others_runnable())
		return ND_KEEP_NOT;
	return nd_sched_keep(fds, n, deadline) == ND_INTR ? ND_INTR : ND_KEEP_AGAIN;
}

void nd_sched_settle_ends(struct pollfd *fds, int n)
{
	if (applies())
		nd_childend_settle(fds, n, __atomic_load_n(&horizon, __ATOMIC_ACQUIRE));
}

static ND_TLS uint64_t blocked_vt; /* the waiter's clock then */

uint64_t nd_sched_blocking_at(void)
{
	blocked_vt = nd_vclock_now();
	return applies() ? nd_member_count(&nd_tree->members[nd_member_me]) + 1 : 0;
}

/* A waiter that blocked while other threads of its process ran, at count
 * at - 1, and is now shown a write stamped before that: had the write
 * reached the kernel before it looked, it would have gone on then (after a
 * catch-up to its count, which waits for that write). Where it went on
 * instead, among its process's other threads, followed real time (a
 * thread reading a worker's pipe while another thread of its process
 * computes saw the write at one or another of that thread's points). Reported, as
 * other rejoins on real time are, unless the write's virtual time is after
 * the waiter's clock when it blocked: a writer that slept until then could
 * not have written before the look (a child's line after its sleep, in
 * every run of child_waits.py; a writer that got there by its own clock
 * reads could, and is not reported). A thread that blocked only once every
 * thread waited is woken at a count the tree decided. */
int nd_sched_late_look(const struct pollfd *fds, int n, uint64_t at)
{
	uint64_t ev, vt;
	for (int i = 0; at && applies() && i < n; i++)
		if (fds[i].fd >= 0 && (fds[i].revents & READ_EVENTS) && !nd_pipes_as_key(fds[i].fd) &&
		    nd_deliver_least_vt(fds[i].fd, &ev, &vt) && ev + 1 < at && vt <= blocked_vt) {
			nd_sched_note_tree_rejoin();
			break;
		}
	return ND_READY;
}

/* A wait of the tree told what the kernel holds, because its process's
 * order could not decide it (a thread of the process waits outside):
 * reported since 2026-12-07 when it shows a pipe's or socket's write the
 * order has not reached. A child's end (its pidfd reads the child's entry,
 * childwait.c) is decided among the ends a look sees, by their times. */
int nd_sched_kernels_order(const struct pollfd *fds, int n)
{
	struct pollfd seen[ND_DELIVER_FDS]; /* the visible look cleared what it hid */
	uint64_t h = __atomic_load_n(&horizon, __ATOMIC_ACQUIRE);
	for (int i = 0; i < n && i < ND_DELIVER_FDS; i++)
		seen[i] = (struct pollfd){ fds[i].fd, fds[i].events, 0 };
	if (n > ND_DELIVER_FDS || nd_sys(SYS_poll, (long)seen, n, 0, 0, 0, 0) <= 0)
		return ND_READY;
	for (int i = 0; i < n; i++)
		if (seen[i].fd >= 0 && !nd_pipes_as_key(seen[i].fd) && hides(&seen[i], h, 0)) {
			nd_sched_note_tree_rejoin();
			break;
		}
	return ND_READY;
}

int nd_sched_catch_up(void)
{
	if (!applies())
		return 0;
	uint64_t c = nd_member_count(&nd_tree->members[nd_member_me]);
	int renew = expired();
	int fds = c > __atomic_load_n(&horizon, __ATOMIC_ACQUIRE) || renew;
	int lines = nd_sched_lines_due(c);
	if (!fds && !lines)
		return 0;
	nd_member_turn(); /* every write and hand-off stamped before (c, id) is made */
	nd_sched_lock();
	if (renew)
		__atomic_store_n(&renewed_vt, nd_vclock_now(), __ATOMIC_RELEASE);
	if (fds) {
		set_horizon(c > horizon ? c : horizon);
		wake_seeing();
	}
	if (lines)
		nd_sched_lines_at(c);
	nd_sched_unlock();
	return fds;
}

/* The process's CPU time when this waiter first found writes hidden at
 * horizon hid_h: real time alone (a watch period, 10 ms) moved the horizon
 * past them whenever the process shared its CPU with other programs (CI,
 * under load: `tree-order` at a thread pool's Popen.wait). */
#define HIDDEN_CPU_NS 50000000ULL
static ND_TLS uint64_t hid_h = UINT64_MAX, hid_cpu;

static int process_computed(uint64_t h)
{
	struct timespec ts;
	if (nd_sys(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, (long)&ts, 0, 0, 0, 0) < 0)
		return 1; /* cannot tell: as on real time */
	uint64_t cpu = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	if (hid_h != h) {
		hid_h = h;
		hid_cpu = cpu;
		return 0;
	}
	return cpu - hid_cpu >= HIDDEN_CPU_NS;
}

/* Ready with something other than input of the tree: a descriptor that is
 * not the tree's (a socket to the network, a terminal), or ready to write. */
static int outside_ready(const struct pollfd *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i].fd >= 0 && fds[i].revents &&
		    ((fds[i].revents & ~READ_EVENTS) || !nd_deliver_of_tree(fds[i].fd)))
			return 1;
	return 0;
}

int nd_sched_watch_fds(struct pollfd *fds, int n, enum nd_holder holder, int sleeps)
{
	if (nd_sys(SYS_poll, (long)fds, n, 0, 0, 0, 0) == 0)
		return 0;
	/* Asked from inside the scheduler, where applies() always says no
	 * (nd_sched_managed: nd_sched_depth): until 2026-12-06 every pipe the
	 * kernel showed ready woke its waiter here, whatever the horizon, at a
	 * moment of real time (CI, under load: `tree-order` at a thread
	 * pool's Popen.wait, the child's end not yet reached by its process). */
	if (holder == ND_HOLDER_NONE || nd_member_me < 0 || nd_sched_parallel || n > ND_DELIVER_FDS ||
	    outside_ready(fds, n))
		return 1;
	/* Input of the tree, even input the horizon shows (an end of file, a
	 * child's end the horizon passed before its pidfd was readable), waits
	 * for the holder: while it runs or waits for the tree, it reaches a
	 * point, blocks or writes (asyncio's watcher thread wakes the loop
	 * through its self-pipe), and the order decides there. Until
	 * 2026-12-07 the watch woke such a waiter 10 ms of real time after the
	 * news whatever the holder did: asyncio's loop once saw a child's end
	 * of file in the middle of a watcher thread's turn (CI, `tree-order` at
	 * its epoll wait). A wait of the tree ends by itself; a thread that
	 * runs is waited for until it sleeps in the kernel or the process has
	 * computed 50 ms without a point that moved the horizon (a thread
	 * running Python alone reads no clock and may make no call): then the
	 * waiter sees what the kernel holds, on real time, reported. */
	if (holder == ND_HOLDER_WAITS)
		return 0;
	uint64_t h = __atomic_load_n(&horizon, __ATOMIC_ACQUIRE), top = h, ev = 0;
	if (holder == ND_HOLDER_RUNS && !sleeps && !process_computed(h))
		return ND_WATCH_HELD;
	struct pollfd seen[ND_DELIVER_FDS];
	for (int i = 0; i < n; i++)
		seen[i] = fds[i];
	if (visible_on(seen, n, 1))
		return 1;
	if (holder == ND_HOLDER_KEEPS)
		return 0;
	for (int i = 0; i < n; i++)
		if (fds[i].fd >= 0 && (fds[i].revents & READ_EVENTS) && nd_deliver_least(fds[i].fd, &ev) && ev + 1 > top)
			top = ev + 1;
	if (top == h)
		return 0;
	set_horizon(top);
	return 1;
}

void nd_sched_renew(void)
{
	if (applies() && expired())
		nd_sched_catch_up();
}
