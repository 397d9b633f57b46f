/*
 * A scheduled process's waits in the tree's lines (objects.h): a thread of a
 * multi-threaded member waiting on a process-shared semaphore, mutex,
 * barrier or condition that another process holds (treesem.c). Natively it
 * wakes when the other's release reaches the kernel. It used to wait outside
 * the scheduler and rejoin its process's order wherever the other threads
 * had got to: a Pool's terminate, whose main thread waits for the task
 * queue's read lock a worker holds, came back after 0 to 4 of the result
 * handler's polls (real time, reported as tree-order, and verify failed).
 *
 * Now it waits in the scheduler, as a descriptor waiter does (treeread.c):
 * - A hand-off carries the count its waiter goes on from (join). At a turn
 *   of the tree at its process's count c, every hand-off with join <= c has
 *   been made (a release is stamped before its maker's count moves) and no
 *   other can still come, so when a descriptor waiter of the process moves
 *   its horizon (nd_sched_catch_up) the line waiters handed by then are
 *   woken, in slot order (not at every scheduling point: sched/scheduler.h).
 * - With nothing else of the process runnable, the oldest line waiter keeps
 *   the process's turn for all of them: blocked for the tree meanwhile (a
 *   hand-off to a waiter here lowers its process's floor to the join: the
 *   others wait for it from there), it waits in real time for a hand-off,
 *   takes the turn at the least join made and wakes those handed by then.
 *   A sleeper's deadline in the process is a timed event of the tree
 *   meanwhile. A handler that makes a thread runnable, or a descriptor
 *   waiter whose pipe the kernel shows ready, ends the keeping (descriptor
 *   waiters then look as the kernel shows, as while a thread is outside).
 * - A thread that runs on without a point while a hand-off waits: the
 *   waiter's watch (watch.c) wakes it on real time, reported.
 * Timed waits and parallel mode keep the old way (outside, reported).
 */
#include "nodice.h"
#include "scheduler.h"
#include "turn.h"
#include "members.h"
#include "tree.h"

#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <sys/syscall.h>

#define SLICE_MS 20

char nd_sched_line_obj;
int nd_sched_nlinewait;
int nd_sched_line_keeping;    /* a line waiter keeps the process's turn */
static uint64_t woken_up_to;  /* the count line waiters were last woken at */

int nd_sched_lines_apply(void)
{
	return nd_member_me >= 0 && !nd_sched_parallel && nd_sched_managed();
}

static int line_waiter(int s)
{
	return nd_slots[s].state == S_BLOCKED && nd_slots[s].obj == &nd_sched_line_obj && nd_slots[s].line;
}

static int handed_by(const struct nd_tree_waiter *w, uint64_t c)
{
	return __atomic_load_n(&w->woken, __ATOMIC_ACQUIRE) && w->join <= c;
}

/* The least join handed to a thread of the process in a line (blocked: to
 * one still blocked there), or ND_NO_FLOOR. Lock held. */
static uint64_t least_handed(int blocked)
{
	uint64_t f = ND_NO_FLOOR;
	for (int s = 0; s < nd_slots_hi; s++) {
		const struct nd_tree_waiter *w = nd_slots[s].line;
		if (w && (!blocked || line_waiter(s)) && __atomic_load_n(&w->woken, __ATOMIC_ACQUIRE) && w->join < f)
			f = w->join;
	}
	return f;
}

/* The floor the process's line waiters need: the least join handed to one
 * still waiting (its slot still holds its place), or none. Set again
 * whenever a wait ends, however it ended (at its turn, by a handler, by the
 * watch's wake on real time, by a hand-off made after it stopped waiting):
 * a floor left behind makes the idle process act at its count for the
 * others, which then wait for it for ever (two DataLoader workers' feeders
 * on the result queue's lock: the parent's semaphore try waited for a
 * worker idle in a timed poll). The floor is read before the waiters: a
 * hand-off that lowered it since is seen in them or keeps it (the clear
 * fails). Lock held. */
static void refloor(void)
{
	uint64_t have = nd_member_floor(), f = least_handed(0);
	if (have == f)
		return;
	if (f < have) {
		nd_member_floor_lower(nd_member_me, f);
		return;
	}
	nd_member_floor_clear(have);
	if (f != ND_NO_FLOOR)
		nd_member_floor_lower(nd_member_me, f);
}

void nd_sched_lines_refloor(void)
{
	if (!nd_sched_lines_apply())
		return;
	nd_sched_lock();
	refloor();
	nd_sched_unlock();
}

/* Line waiters handed over by count c: runnable, in slot order; the floor
 * then only for hand-offs still to come. Lock held. */
void nd_sched_lines_at(uint64_t c)
{
	int n = 0;
	for (int s = 0; s < nd_slots_hi; s++)
		if (line_waiter(s) && handed_by(nd_slots[s].line, c)) {
			nd_sched_runnable(s, ND_WOKEN_SIGNAL);
			nd_slots[s].line = NULL; /* its place is taken: no floor for it */
			n++;
		}
	nd_sched_progress += n > 0;
	if (c > woken_up_to)
		woken_up_to = c;
	refloor();
}

int nd_sched_lines_due(uint64_t c)
{
	return __atomic_load_n(&nd_sched_nlinewait, __ATOMIC_RELAXED) && c > woken_up_to;
}

int nd_sched_line_keeper(void)
{
	if (nd_sched_line_keeping || !nd_sched_nlinewait)
		return -1;
	int s = nd_sched_oldest_on(&nd_sched_line_obj);
	if (s >= 0)
		nd_sched_runnable(s, ND_WOKEN_RETRY);
	return s;
}

static int fd_ready(void)
{
	for (int s = 0; s < nd_slots_hi; s++)
		if (nd_slots[s].state == S_BLOCKED && nd_slots[s].obj == &nd_sched_fd_obj &&
		    nd_sys(SYS_poll, (long)nd_slots[s].fds, nd_slots[s].nfds, 0, 0, 0, 0) > 0)
			return 1;
	return 0;
}

/* The keeper's look: 1 a hand-off, 2 something else of the process to do,
 * -EINTR a handler ran in the keeper, 0 nothing yet (after up to ms). */
static int look(void *arg, int ms)
{
	const struct nd_tree_waiter *own = arg;
	if (__atomic_load_n(&own->woken, __ATOMIC_ACQUIRE) || least_handed(1) != ND_NO_FLOOR)
		return 1;
	if (nd_sched_others_runnable() || fd_ready())
		return 2;
	if (!ms)
		return 0;
	struct timespec to = { ms / 1000, (long)(ms % 1000) * 1000000L };
	long r = nd_sys(SYS_futex, (long)&own->woken, FUTEX_WAIT, 0, (long)&to, 0, 0);
	return r == -EINTR ? -EINTR : 0;
}

/* The count the keeping is decided at: the least join handed (the
 * keeper's own among them), not before the process's own count; published
 * as its floor. */
struct least {
	const struct nd_tree_waiter *keeper;
	uint64_t own, f;
};

static uint64_t least_join(void *arg)
{
	struct least *a = arg;
	uint64_t f = least_handed(1);
	if (__atomic_load_n(&a->keeper->woken, __ATOMIC_ACQUIRE) && a->keeper->join < f)
		f = a->keeper->join;
	if (f < a->own || f == ND_NO_FLOOR)
		f = a->own;
	nd_member_floor_lower(nd_member_me, f);
	return a->f = f;
}

/* Keeps the process's turn for its line waiters (the caller, one of them,
 * holds it): 1 when the caller's own wait was handed by the count decided,
 * 0 when others go on, -EINTR. */
static int keep(struct nd_tree_waiter *own)
{
	nd_sched_lock();
	nd_sched_line_keeping = 1;
	int e = nd_sched_earliest();
	uint64_t due = e >= 0 ? nd_slots[e].deadline : ND_NO_DEADLINE;
	nd_sched_unlock();
	nd_sched_calm(1);
	int r;
	if (due != ND_NO_DEADLINE) {
		r = nd_member_until(due, look, own); /* 0: due came first (the clock is there) */
	} else {
		nd_member_block();
		int ms = nd_sched_nlinewait > 1 || nd_sched_nfdwait ? 1 : SLICE_MS;
		while (!(r = look(own, ms)))
			;
	}
	struct least a = { own, nd_member_count(&nd_tree->members[nd_member_me]), 0 };
	if (r == 1)
		a.f = nd_member_turn_settled(least_join, &a);
	nd_member_run();
	nd_sched_calm(0);
	nd_sched_lock();
	nd_sched_line_keeping = 0;
	if (r == 1)
		nd_sched_lines_at(a.f);
	if (r == 0) {
		nd_sched_expire_idle(due);
		nd_sched_progress++;
	}
	int s = r == 2 && !nd_sched_others_runnable() ? nd_sched_oldest_on(&nd_sched_fd_obj) : -1;
	if (s >= 0) /* it looks outside, as the kernel shows (treeread.c) */
		nd_sched_runnable(s, ND_WOKEN_RETRY);
	nd_sched_unlock();
	return r < 0 ? -EINTR : r == 1 && handed_by(own, a.f);
}

int nd_sched_line_sleep(struct nd_tree_waiter *w)
{
	if (!__atomic_load_n(&w->sched, __ATOMIC_ACQUIRE) || !nd_sched_lines_apply())
		return 0;
	nd_slots[me].line = w;
	__atomic_add_fetch(&nd_sched_nlinewait, 1, __ATOMIC_RELAXED);
	int r = 0;
	while (!r) {
		enum nd_woken why = nd_sched_block(&nd_sched_line_obj, ND_NO_DEADLINE,
						   ND_BLOCK_INTR | ND_BLOCK_ON(ND_WAIT_SEM));
		if (why == ND_WOKEN_SIGNAL)
			r = 1;
		else if (why == ND_WOKEN_INTR)
			r = -EINTR;
		else if (why == ND_WOKEN_RETRY)
			r = keep(w);
	}
	__atomic_sub_fetch(&nd_sched_nlinewait, 1, __ATOMIC_RELAXED);
	nd_sched_lock();
	nd_slots[me].line = NULL;
	refloor();
	nd_sched_unlock();
	return r;
}

int nd_sched_watch_line(const struct slot *s, int holder_runs)
{
	return holder_runs && __atomic_load_n(&s->line->woken, __ATOMIC_ACQUIRE);
}

void nd_sched_lines_reset(void)
{
	nd_sched_nlinewait = nd_sched_line_keeping = 0;
	woken_up_to = 0;
}
