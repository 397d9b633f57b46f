/*
 * A SIGCHLD owed at a virtual time (reap.c): a WNOHANG wait was told that a
 * child had not ended yet, its end coming after the caller's present, while
 * the program blocks the signal, so the kernel's signal for it may already
 * have been taken together with another's. It is sent when this process's clock gets
 * to the end: it counts in nd_itimer_next, so a clock read past it, a sleep
 * or a wait of the shim's that lasts until then sends it as they send the
 * alarm (itimer.c), an indefinite select, poll or epoll waits for it as a
 * timed event of the tree (sleep.c), and a mask change that lets it in
 * sends it then. A program whose SIGCHLD handler returns to code with the
 * signal let in may wait for the handler's word in a loop that calls
 * nothing of the shim's: the signal comes at once, at its time, as the
 * handler returns (signals.c wraps the handler). It carries what the
 * kernel's would: CLD_EXITED and the child's pid. Raw system calls only.
 */
#include "nodice.h"
#include "itimer.h"
#include "members.h"
#include "owed.h"
#include "scheduler.h"
#include "signals.h"

#include <signal.h>
#include <sys/syscall.h>

uint64_t nd_owed_next = ND_NO_DEADLINE;
static int32_t owed_pid;

void nd_owed_chld(uint64_t vt, int32_t pid)
{
	uint64_t cur = __atomic_load_n(&nd_owed_next, __ATOMIC_ACQUIRE);
	if (vt >= cur)
		return;
	owed_pid = pid;
	__atomic_store_n(&nd_owed_next, vt, __ATOMIC_RELEASE);
	/* the earliest timer is at most this one now (itimer.c recomputes it
	 * when it fires) */
	uint64_t next = __atomic_load_n(&nd_itimer_next, __ATOMIC_ACQUIRE);
	while (vt < next && !__atomic_compare_exchange_n(&nd_itimer_next, &next, vt, 1, __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE))
		;
}

uint64_t nd_owed_fire(uint64_t vt, long tid)
{
	uint64_t d = __atomic_load_n(&nd_owed_next, __ATOMIC_ACQUIRE);
	if (d == ND_NO_DEADLINE || vt < d ||
	    !__atomic_compare_exchange_n(&nd_owed_next, &d, ND_NO_DEADLINE, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return 0;
	siginfo_t si;
	for (size_t i = 0; i < sizeof si; i++)
		((char *)&si)[i] = 0;
	si.si_signo = SIGCHLD;
	si.si_code = CLD_EXITED;
	si.si_pid = owed_pid;
	long pid = nd_sys0(SYS_getpid);
	int here = tid && nd_signals_handled_here(SIGCHLD);
	if (here)
		nd_sys(SYS_rt_tgsigqueueinfo, pid, tid, SIGCHLD, (long)&si, 0, 0);
	else
		nd_sys(SYS_rt_sigqueueinfo, pid, SIGCHLD, (long)&si, 0, 0, 0);
	return here ? ND_SIGBIT(SIGCHLD) : 0;
}

void nd_owed_fork_child(void)
{
	__atomic_store_n(&nd_owed_next, ND_NO_DEADLINE, __ATOMIC_RELEASE);
}

/* The owed signal comes now, at its time, once no other process can act
 * before it; from wherever the call came (a handler may have interrupted a
 * wait of the shim's, whose member state is kept). */
static void come_now(uint64_t d, long tid)
{
	struct nd_member_state was;
	nd_member_state_save(&was);
	int r = nd_member_until(d, NULL, NULL);
	nd_member_state_restore(&was);
	if (r == 0)
		nd_owed_fire(d, tid);
}

void nd_owed_handler_done(int blocked)
{
	uint64_t d = __atomic_load_n(&nd_owed_next, __ATOMIC_ACQUIRE);
	if (blocked || d == ND_NO_DEADLINE || nd_member_me < 0 || nd_sched_managed())
		return;
	come_now(d, 0); /* still blocked while the handler returns: it comes after */
}

void nd_owed_unblocked(void)
{
	uint64_t d = __atomic_load_n(&nd_owed_next, __ATOMIC_ACQUIRE), mask = 0;
	if (d == ND_NO_DEADLINE || nd_member_me < 0 || nd_sched_managed() ||
	    nd_sys(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&mask, 8, 0, 0) < 0 || (mask & ND_SIGBIT(SIGCHLD)))
		return;
	come_now(d, nd_sys0(SYS_gettid));
}

void nd_owed_start(void)
{
	static const struct nd_chld_hooks hooks = { nd_owed_handler_done, nd_owed_unblocked };
	nd_signals_chld_hooks(&hooks);
}
