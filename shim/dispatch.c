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
 * instruction. Unlike a seccomp filter, the setting is cleared by execve, so
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

#include <signal.h>
#include <string.h>
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

ND_TLS char nd_dispatch_selector; /* ALLOW (0) until the thread is armed */
int nd_dispatch_on;

static long raw(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

long nd_sys(long nr, long a, long b, long c, long d, long e, long f)
{
	char was = nd_dispatch_selector;
	nd_dispatch_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	long ret = raw(nr, a, b, c, d, e, f);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	nd_dispatch_selector = was;
	return ret;
}

/* Serves a controlled call; -ENOSYS when nr is not one. */
static long serve(long nr, const greg_t *g)
{
	long a = g[REG_RDI], b = g[REG_RSI], c = g[REG_RDX];
	switch (nr) {
	case SYS_getrandom:
		return nd_random_getrandom((void *)a, (size_t)b, (unsigned)c);
	case SYS_clock_gettime:
		return nd_clock_gettime((int)a, (struct timespec *)b);
	case SYS_gettimeofday: {
		struct timespec ts;
		nd_clock_gettime(CLOCK_REALTIME, &ts);
		if (a) {
			((struct timeval *)a)->tv_sec = ts.tv_sec;
			((struct timeval *)a)->tv_usec = ts.tv_nsec / 1000;
		}
		if (b)
			memset((void *)b, 0, sizeof(struct timezone));
		return 0;
	}
	case SYS_time: {
		struct timespec ts;
		nd_clock_gettime(CLOCK_REALTIME, &ts);
		if (a)
			*(time_t *)a = ts.tv_sec;
		return ts.tv_sec;
	}
	case SYS_nanosleep:
		return nd_sleep_ns(CLOCK_MONOTONIC, 0, (const struct timespec *)a);
	case SYS_clock_nanosleep:
		return nd_sleep_ns((int)a, (int)b, (const struct timespec *)c);
	case SYS_sched_getaffinity:
		if ((size_t)b < sizeof(unsigned long))
			return -EINVAL;
		nd_cpu_fill((cpu_set_t *)c, (size_t)b);
		return (long)(((nd_cfg.cpus + 63) / 64) * sizeof(unsigned long));
	case SYS_getcpu:
		if (a)
			*(unsigned *)a = 0;
		if (b)
			*(unsigned *)b = 0;
		return 0;
	}
	return -ENOSYS;
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
			for (int s = 1; s < 65; s++)
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
	nd_dispatch_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
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
	r = serve(nr, g);
	if (r != -ENOSYS) {
		nd_log_trap(ND_TRAP_SYSCALL);
		g[REG_RAX] = r;
		return;
	}
	if (nr == SYS_execve || nr == SYS_execveat)
		nd_tsc_before_exec();
	g[REG_RAX] = nd_sys(nr, g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8], g[REG_R9]);
	if (nr == SYS_execve || nr == SYS_execveat)
		nd_tsc_after_exec_failed();
}

/* Arms dispatch for the calling thread. */
void nd_dispatch_thread_start(void)
{
	if (!nd_dispatch_on)
		return;
	nd_dispatch_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
	if (raw(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, (long)nd_libc_text_lo,
		(long)(nd_libc_text_hi - nd_libc_text_lo), (long)&nd_dispatch_selector, 0) == 0)
		nd_dispatch_selector = SYSCALL_DISPATCH_FILTER_BLOCK;
}

void nd_dispatch_start(void)
{
	if (!nd_libc_text_hi || nd_signals_own(SIGSYS, on_sigsys) < 0) {
		nd_log_uncontrolled("syscall", "syscall user dispatch is not available: inline system calls reach the kernel");
		return;
	}
	nd_dispatch_on = 1;
	nd_dispatch_thread_start();
	if (nd_dispatch_selector != SYSCALL_DISPATCH_FILTER_BLOCK) {
		nd_dispatch_on = 0;
		nd_log_uncontrolled("syscall", "syscall user dispatch is not available: inline system calls reach the kernel");
		return;
	}
	nd_log_trap_active(ND_TRAP_SYSCALL);
}
