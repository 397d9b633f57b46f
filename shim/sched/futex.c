/*
 * Futex calls made without libc's locks: libgomp's barriers, locks and
 * thread dock, and any runtime that calls futex(2) itself — an inline system
 * call trapped by syscall user dispatch (dispatch.c) or syscall(2)
 * (syscall.c).
 *
 * A private FUTEX_WAIT of a scheduled thread waits in the scheduler, blocked
 * on the word's address, and FUTEX_WAKE makes such waiters runnable, oldest
 * first, in the turn order, before it passes what is left of its count to
 * the kernel for waiters outside. So which OpenMP worker resumes first, and
 * where, is decided by the order of the calls, as for a pthread mutex;
 * before, such a wait left the turn for the kernel and rejoined it in
 * real-time order (schedule-outside).
 *
 * The word is compared with the turn held, as the kernel compares it under
 * its hash-bucket lock: a waker changes the word and then calls FUTEX_WAKE,
 * which needs the turn, so a waiter that found the old value is registered
 * before the wake can look for it. In serial mode the word itself is
 * written with the turn held, so the comparison is deterministic; in
 * parallel mode it is written by computation that runs beside the call,
 * which is synchronization through memory (docs/scheduling.md).
 *
 * Left to the kernel, as before: process-shared futexes (another process
 * may wake them), absolute and bitset timeouts, requeue and PI operations,
 * threads the scheduler does not manage. A waiter the scheduler holds while
 * nothing else can run (a waker it does not see: a thread without dispatch,
 * code inside libc) is woken by the stall breaker (stall.c), looks at the
 * word again and, when it has not changed, waits in the kernel like before.
 */
#include "nodice.h"
#include "vclock.h"
#include "scheduler.h"
#include "block.h"

#include <linux/futex.h>
#include <sys/syscall.h>

static long kernel_futex(long a, long b, long c, long d, long e, long f)
{
	return nd_sys(SYS_futex, a, b, c, d, e, f);
}

/* A wait that cannot be decided here: the kernel's, outside the turn. */
static long wait_outside(long a, long b, long c, long d, long e, long f)
{
	int out = nd_block_leave_for_syscall(SYS_futex, a, b);
	long r = kernel_futex(a, b, c, d, e, f);
	if (out)
		nd_block_rejoin();
	return r;
}

/* The kernel's comparison, without waiting: FUTEX_CMP_REQUEUE that wakes and
 * moves nobody fails with EAGAIN when the word differs from val, and with
 * EFAULT or EINVAL for a bad or misaligned address, exactly as FUTEX_WAIT
 * would; 0 means the wait would sleep. It used to be FUTEX_WAIT with a zero
 * timeout, which sleeps out the thread's timer slack (78 us here) before it
 * times out: each libgomp barrier or dock wait cost that, and the turn,
 * still held by the waiter, kept the other threads' calls waiting as long
 * (torch's 2-thread loop: two such waits per operator). */
static long compare(long a, long b, long val)
{
	return kernel_futex(a, FUTEX_CMP_REQUEUE | (b & FUTEX_PRIVATE_FLAG), 0, 0, a, val);
}

static long wait_here(long a, long b, long c, long d, long e, long f)
{
	const int *word = (const int *)a;
	struct timespec rel;
	if (d && nd_user_read(&rel, d, sizeof(rel)) < 0)
		return -EFAULT;
	if (d && (rel.tv_sec < 0 || rel.tv_nsec < 0 || rel.tv_nsec >= (long)ND_NS))
		return -EINVAL;
	long r = compare(a, b, c);
	if (r != 0)
		return r;
	uint64_t deadline = d ? nd_vclock_now() + (uint64_t)rel.tv_sec * ND_NS + (uint64_t)rel.tv_nsec
			      : ND_NO_DEADLINE;
	switch (nd_sched_block(word, deadline, ND_BLOCK_RETRY | ND_BLOCK_INTR | (nd_sched_parallel ? ND_BLOCK_GO : 0) | ND_BLOCK_ON(ND_WAIT_FUTEX))) {
	case ND_WOKEN_SIGNAL:
		return 0;
	case ND_WOKEN_TIMEOUT:
		return -ETIMEDOUT;
	case ND_WOKEN_INTR:
		return -EINTR;
	default: /* the stall breaker: nobody here will wake it */
		if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != (int)c)
			return 0; /* a spurious wake-up, which every futex user allows */
		return wait_outside(a, b, c, d, e, f);
	}
}

/* Wakes up to n waiters held here, oldest first; the rest of n goes to the
 * kernel. Returns how many were woken in all. */
static long wake(long a, long b, long c, long d, long e, long f)
{
	int n = (int)c;
	if (n <= 0)
		return kernel_futex(a, b, c, d, e, f);
	int woken = nd_sched_wake((const void *)a, n);
	if (woken == n)
		return woken;
	long r = kernel_futex(a, b, n - woken, d, e, f);
	return r < 0 ? (woken ? woken : r) : woken + r;
}

long nd_futex_call(long a, long b, long c, long d, long e, long f)
{
	int cmd = (int)(b & FUTEX_CMD_MASK), private = (b & FUTEX_PRIVATE_FLAG) != 0;
	if (cmd == FUTEX_WAKE && private)
		return wake(a, b, c, d, e, f);
	if (cmd == FUTEX_WAIT && private && nd_sched_managed())
		return wait_here(a, b, c, d, e, f);
	return wait_outside(a, b, c, d, e, f);
}
