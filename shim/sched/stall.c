/*
 * A stall: every thread waits, none is outside, no deadline. It is broken
 * where POSIX allows (a condition waiter may wake spuriously), and otherwise
 * reported once per stall, at once, to the log (a process that never ends
 * must still leave the record), with each thread's wait and object.
 */
#include "nodice.h"
#include "scheduler.h"
#include "turn.h"
#include "fmt.h"
#include "itimer.h"

static uint64_t stall_reported = ~0ULL;

static const char *const wait_name[] = {
	[ND_WAIT_OTHER] = "something", [ND_WAIT_MUTEX] = "a mutex", [ND_WAIT_COND] = "a condition variable",
	[ND_WAIT_SEM] = "a semaphore", [ND_WAIT_RWLOCK] = "a rwlock", [ND_WAIT_JOIN] = "the end of thread",
	[ND_WAIT_BARRIER] = "a barrier", [ND_WAIT_SPIN] = "a spin lock", [ND_WAIT_ONCE] = "a pthread_once",
	[ND_WAIT_SLEEP] = "a sleep", [ND_WAIT_FD] = "descriptors", [ND_WAIT_FUTEX] = "a futex",
};

/* The stall, written to the log at once: each thread (by creation order)
 * and what it waits on, with the object's address (the same in every run:
 * address randomization is off). */
static void report_stall(void)
{
	char detail[480];
	struct nd_buf b = ND_BUF(detail);
	nd_fmt_str(&b, "every thread waits and none can run:");
	for (int i = 0; i < nd_slots_hi; i++) {
		if (nd_slots[i].state != S_BLOCKED)
			continue;
		unsigned k = ND_BLOCK_KIND(nd_slots[i].flags);
		nd_fmt_str(&b, " #");
		nd_fmt_u64(&b, (uint64_t)i);
		nd_fmt_str(&b, " on ");
		nd_fmt_str(&b, wait_name[k < sizeof(wait_name) / sizeof(wait_name[0]) ? k : 0]);
		nd_fmt_str(&b, " 0x");
		nd_fmt_hexmin(&b, (uint64_t)(uintptr_t)nd_slots[i].obj);
		nd_fmt_str(&b, ";");
	}
	nd_log_uncontrolled_now("schedule-stall", detail);
}

/* The blocked slot of this kind the current stall has not tried, oldest first. */
static int oldest_untried(unsigned kind)
{
	int best = -1;
	for (int i = 0; i < nd_slots_hi; i++)
		if (nd_slots[i].state == S_BLOCKED && ND_BLOCK_KIND(nd_slots[i].flags) == kind &&
		    nd_slots[i].stall_tried != nd_sched_progress + 1 && (best < 0 || nd_slots[i].seq < nd_slots[best].seq))
			best = i;
	return best;
}

/* Slot i, woken by this stall to look at its object again. */
static int retry(int i)
{
	nd_slots[i].stall_tried = nd_sched_progress + 1;
	nd_sched_runnable(i, ND_WOKEN_RETRY);
	return i;
}

/* Every thread waits, none is outside, no deadline: a stall. A futex
 * waiter is let look again first (futex.c). A condition
 * waiter may be woken at any moment (POSIX allows spurious wake-ups), so
 * each one, oldest first, is woken once per stall: a lost wake-up is found
 * again, deterministically. With none left it is a deadlock, reported once;
 * the threads go on waiting, as natively. A process with a real-time timer
 * armed may be waiting for its signal: not reported. Returns the thread to
 * run, or -1. */
int nd_sched_stall(void)
{
	/* A futex waiter whose waker the scheduler does not see (futex.c) looks
	 * at its word again and, unchanged, waits in the kernel: not a stall. */
	int best = oldest_untried(ND_WAIT_FUTEX);
	if (best >= 0)
		return retry(best);
	if ((best = oldest_untried(ND_WAIT_COND)) >= 0) {
		retry(best);
		nd_log_uncontrolled("schedule-stall-broken", "every thread waited and none could run: the oldest "
							     "condition waiter not yet tried was woken, as POSIX allows");
		return best;
	}
	if (stall_reported != nd_sched_progress && !nd_timers_armed) {
		stall_reported = nd_sched_progress;
		report_stall();
	}
	return -1;
}
