/*
 * Raw system calls: an inline `syscall` instruction outside libc (a
 * statically linked library inside a dynamic program, a runtime that talks
 * to the kernel itself) never passes an interposed function.
 *
 * Syscall user dispatch (Linux 5.11) catches them: once armed for a thread,
 * every system call made from outside one allowed address range raises
 * SIGSYS, unless a selector byte says "allow". The allowed range is libc's
 * executable segment, so the ordinary path through libc costs nothing; the
 * shim's own raw calls (nd_sys) flip the thread's selector around the
 * instruction (core/sys.c). Unlike a seccomp filter, the setting is cleared by execve, so
 * a child that cannot load the shim can never be killed by it.
 *
 * The SIGSYS handler serves the sources the shim controls (getrandom, the
 * clocks, sleeps, the affinity mask, getcpu) from the seeded state, and
 * performs every other call itself and returns its result, as the kernel
 * would have. rt_sigprocmask is applied to the mask the handler will
 * restore. Calls that cannot be made from inside a handler (clone, fork,
 * vfork, rt_sigreturn) switch dispatch off for that thread and run again
 * natively; that is logged as uncontrolled.
 *
 * The selector and the arming are per thread: the main thread is armed by
 * the constructor, others by the pthread_create trampoline. SIGSYS is owned
 * (signals.c): the program cannot block it or replace the handler.
 */
#include "nodice.h"
#include "tsc.h"
#include "stream.h"
#include "sleep.h"
#include "signals.h"
#include "random.h"
#include "dispatch.h"
#include "cpu.h"
#include "clock.h"
#include "block.h"
#include "settime.h"
#include "tree.h"

#include <signal.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_OFF 0
#define PR_SYS_DISPATCH_ON 1
#define SYSCALL_DISPATCH_FILTER_ALLOW 0
#define SYSCALL_DISPATCH_FILTER_BLOCK 1
#endif
#ifndef SYS_USER_DISPATCH
#define SYS_USER_DISPATCH 2
#endif

int nd_dispatch_on;

static long serve_getrandom(long buf, size_t len, unsigned flags)
{
	uint8_t chunk[4096];
	long r = nd_random_getrandom(chunk, 0, flags); /* the flag checks alone */
	if (r < 0)
		return r;
	if (len > 0x7ffff000UL)
		len = 0x7ffff000UL;
	for (size_t done = 0; done < len;) {
		size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		nd_stream_fill(ND_STREAM_ENTROPY, chunk, n);
		if ((r = nd_user_write(buf + (long)done, chunk, n)) < 0)
			return done ? (long)done : r;
		done += n;
	}
	return (long)len;
}

static long serve_sleep(int clk, int flags, long req, long rem)
{
	struct timespec ts, left;
	long r = nd_user_read(&ts, req, sizeof(ts));
	if (r < 0)
		return r;
	r = nd_sleep_ns(clk, flags, &ts, &left);
	if (r == -EINTR && rem && !(flags & TIMER_ABSTIME))
		nd_user_write(rem, &left, sizeof(left));
	return r;
}

/* Serves a controlled call from its first four arguments; -ENOSYS when nr
 * is not one. Shared with syscall(2), the libc function (syscall.c). */
long nd_dispatch_serve(long nr, long a, long b, long c, long d, long e)
{
	long r;
	struct timespec ts;
	switch (nr) {
	case SYS_getrandom:
		return serve_getrandom(a, (size_t)b, (unsigned)c);
	case SYS_clock_gettime:
		if ((r = nd_clock_gettime((int)a, &ts)) < 0)
			return r;
		return nd_user_write(b, &ts, sizeof(ts));
	case SYS_gettimeofday: {
		nd_clock_gettime(CLOCK_REALTIME, &ts);
		struct timeval tv = { ts.tv_sec, ts.tv_nsec / 1000 };
		struct timezone tz = { nd_tree->tz_minuteswest, nd_tree->tz_dsttime };
		if (a && (r = nd_user_write(a, &tv, sizeof(tv))) < 0)
			return r;
		return b ? nd_user_write(b, &tz, sizeof(tz)) : 0;
	}
	case SYS_time:
		nd_clock_gettime(CLOCK_REALTIME, &ts);
		if (a && (r = nd_user_write(a, &ts.tv_sec, sizeof(time_t))) < 0)
			return r;
		return ts.tv_sec;
	case SYS_nanosleep:
		return serve_sleep(CLOCK_MONOTONIC, 0, a, b);
	case SYS_clock_nanosleep:
		return serve_sleep((int)a, (int)b, c, d); /* raw: -errno, unlike the libc wrapper */
	case SYS_sched_getaffinity: {
		cpu_set_t set;
		size_t n = (size_t)b < sizeof(set) ? (size_t)b : sizeof(set);
		if ((size_t)b < sizeof(unsigned long))
			return -EINVAL;
		nd_cpu_fill(&set, n);
		if ((r = nd_user_write(c, &set, n)) < 0)
			return r;
		return (long)(((nd_cfg.cpus + 63) / 64) * sizeof(unsigned long));
	}
	case SYS_clock_settime:
		return nd_settime_clock("clock_settime", (int)a, b);
	case SYS_settimeofday:
		return nd_settime_tod("settimeofday", a, b);
	case SYS_adjtimex:
		return nd_settime_adjtimex("adjtimex", CLOCK_REALTIME, a);
	case SYS_clock_adjtime:
		return nd_settime_adjtimex("clock_adjtime", (int)a, b);
	case SYS_getcpu: {
		unsigned zero = 0;
		if (a && (r = nd_user_write(a, &zero, sizeof(zero))) < 0)
			return r;
		return b ? nd_user_write(b, &zero, sizeof(zero)) : 0;
	}
	}
	return nd_statcall_serve(nr, a, b, c, d, e);
}

/* rt_sigprocmask, applied to the mask sigreturn will restore. */
static long apply_sigmask(ucontext_t *uc, const greg_t *g)
{
	int how = (int)g[REG_RDI];
	const sigset_t *set = (const sigset_t *)g[REG_RSI];
	sigset_t *old = (sigset_t *)g[REG_RDX];
	if ((size_t)g[REG_R10] != 8)
		return -EINVAL;
	sigset_t cur = uc->uc_sigmask;
	if (set) {
		sigset_t want = *set;
		if (how == SIG_BLOCK)
			sigorset(&uc->uc_sigmask, &cur, &want);
		else if (how == SIG_UNBLOCK) {
			for (int s = 1; s < _NSIG; s++)
				if (sigismember(&want, s))
					sigdelset(&uc->uc_sigmask, s);
		} else if (how == SIG_SETMASK)
			uc->uc_sigmask = want;
		else
			return -EINVAL;
		sigdelset(&uc->uc_sigmask, SIGSYS);
		sigdelset(&uc->uc_sigmask, SIGSEGV);
	}
	if (old)
		*old = cur;
	return 0;
}

static void disarm(void)
{
	nd_sys(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0, 0, 0);
	nd_sys_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
}

static void on_sigsys(int sig, siginfo_t *info, void *ctx)
{
	if (info->si_code != SYS_USER_DISPATCH) {
		nd_signals_chain(sig, info, ctx);
		return;
	}
	ucontext_t *uc = ctx;
	greg_t *g = uc->uc_mcontext.gregs;
	long nr = info->si_syscall, r;
	switch (nr) {
	case SYS_rt_sigreturn:
	case SYS_clone:
	case SYS_clone3:
	case SYS_fork:
	case SYS_vfork:
		/* Not possible from inside a handler: run it natively, undispatched. */
		disarm();
		g[REG_RIP] -= 2;
		g[REG_RAX] = nr;
		nd_log_uncontrolled("syscall", "a thread made clone/fork/vfork without libc: dispatch is off in it");
		return;
	case SYS_rt_sigprocmask:
		g[REG_RAX] = apply_sigmask(uc, g);
		return;
	}
	ND_ORDERED();
	r = nd_dispatch_serve(nr, g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8]);
	if (r != -ENOSYS) {
		nd_log_trap(ND_TRAP_SYSCALL);
		g[REG_RAX] = r;
		return;
	}
	if (nr == SYS_futex) {
		g[REG_RAX] = nd_futex_call(g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8], g[REG_R9]);
		return;
	}
	if (nr == SYS_execve || nr == SYS_execveat)
		nd_tsc_before_exec();
	int out = nd_block_leave_for_syscall(nr, g[REG_RDI], g[REG_RSI]);
	g[REG_RAX] = nd_sys(nr, g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8], g[REG_R9]);
	if (out)
		nd_block_rejoin();
	if (nr == SYS_execve || nr == SYS_execveat)
		nd_tsc_after_exec_failed();
}

/* Arms dispatch for the calling thread. */
void nd_dispatch_thread_start(void)
{
	if (!nd_dispatch_on)
		return;
	if (nd_sys(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, (long)nd_libc_text_lo,
		   (long)(nd_libc_text_hi - nd_libc_text_lo), (long)&nd_sys_selector, 0) == 0)
		nd_sys_selector = SYSCALL_DISPATCH_FILTER_BLOCK;
}

void nd_dispatch_start(void)
{
	if (!nd_libc_text_hi || nd_signals_own(SIGSYS, on_sigsys) < 0) {
		nd_log_uncontrolled("syscall", "syscall user dispatch is not available: inline system calls reach the kernel");
		return;
	}
	nd_dispatch_on = 1;
	nd_dispatch_thread_start();
	if (nd_sys_selector != SYSCALL_DISPATCH_FILTER_BLOCK) {
		nd_dispatch_on = 0;
		nd_log_uncontrolled("syscall", "syscall user dispatch is not available: inline system calls reach the kernel");
		return;
	}
	nd_log_trap_active(ND_TRAP_SYSCALL);
}
