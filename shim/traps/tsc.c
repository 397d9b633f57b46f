/*
 * The time-stamp counter. RDTSC and RDTSCP read it without any call a
 * preload can see (OpenSSL mixes it into its DRBG, glibc's adaptive mutexes
 * spin on it). prctl(PR_SET_TSC, PR_TSC_SIGSEGV) makes both instructions
 * fault; the SIGSEGV handler recognizes them at the faulting address (a
 * general-protection fault, si_code SI_KERNEL, never a page fault), answers
 * from the virtual clock (one TSC tick per virtual nanosecond; RDTSCP's
 * TSC_AUX is CPU 0), steps over the instruction and returns. Every other
 * SIGSEGV goes to the program's own handler, or kills as natively.
 *
 * The setting survives execve, so it is switched off right before every exec
 * the shim sees (the next image's shim switches it on again) and back on if
 * the exec fails: a static child must never meet a trapped RDTSC without a
 * handler. Cost: a trapped read takes a signal round trip (microseconds).
 * A program's own PR_SET_TSC/PR_GET_TSC are kept apart (prctl below), and
 * signals.c never lets the program block SIGSEGV, which would make the
 * kernel kill it at the next trapped read.
 */
#include "nodice.h"
#include "tsc.h"
#include "signals.h"
#include "cpuid_fault.h"
#include "vclock.h"
#include "scheduler.h"
#include "pyframes.h"

#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <ucontext.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#endif

int nd_tsc_trapped;
static int program_mode = PR_TSC_ENABLE; /* what the program set with prctl */
static volatile int probing, probe_hit;    /* the start-up check that the trap fires */

static void on_segv(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *g = uc->uc_mcontext.gregs;
	if (info->si_code == SI_KERNEL) {
		const uint8_t *ip = (const uint8_t *)g[REG_RIP];
		if (nd_cpuid_emulate(g))
			return;
		int rdtsc = ip[0] == 0x0f && ip[1] == 0x31;
		int rdtscp = ip[0] == 0x0f && ip[1] == 0x01 && ip[2] == 0xf9;
		if ((rdtsc || rdtscp) && program_mode == PR_TSC_ENABLE) {
			/* the start-up probe must not move the clock: a machine
			 * that traps and one that does not start at one time; in
			 * parallel mode the counter is the thread's own (vclock.h) */
			uint64_t t = probing			     ? nd_vclock_now()
				     : nd_sched_parallel && nd_sched_managed() ? nd_vclock_own_read()
									 : nd_vclock_read();
			g[REG_RAX] = (greg_t)(uint32_t)t;
			g[REG_RDX] = (greg_t)(t >> 32);
			if (rdtscp)
				g[REG_RCX] = 0;
			g[REG_RIP] += rdtscp ? 3 : 2;
			if (probing)
				probe_hit = 1;
			else
				nd_log_trap(rdtscp ? ND_TRAP_RDTSCP : ND_TRAP_RDTSC);
			return;
		}
	}
	nd_py_fault(ctx); /* returns only when the fault is not a frame read's */
	nd_signals_chain(sig, info, ctx);
}

void nd_tsc_start(void)
{
	if (nd_cfg.native_tsc) {
		nd_log_uncontrolled("rdtsc", "NODICE_RDTSC=native: rdtsc reads the real counter");
		nd_signals_own(SIGSEGV, on_segv); /* still needed for CPUID faulting */
		return;
	}
	if (nd_signals_own(SIGSEGV, on_segv) < 0 || nd_real.prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0) < 0) {
		nd_log_uncontrolled("rdtsc", "PR_SET_TSC is not available: rdtsc reads the real counter");
		return;
	}
	/* Some hypervisors accept PR_SET_TSC and still let RDTSC run: believe
	 * the trap only once one has fired. */
	probing = 1;
	__asm__ volatile("rdtsc" ::: "rax", "rdx", "memory");
	probing = 0;
	if (!probe_hit) {
		nd_real.prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0);
		nd_log_uncontrolled("rdtsc", "PR_SET_TSC was accepted but rdtsc does not fault on this machine "
					     "(hypervisor): rdtsc reads the real counter");
		return;
	}
	nd_tsc_trapped = 1;
	nd_log_trap_active(ND_TRAP_RDTSC);
	nd_log_trap_active(ND_TRAP_RDTSCP);
}

void nd_tsc_before_exec(void)
{
	if (nd_tsc_trapped && program_mode == PR_TSC_ENABLE)
		nd_real.prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0);
}

void nd_tsc_after_exec_failed(void)
{
	if (nd_tsc_trapped)
		nd_real.prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0);
}

/* PR_SET_TSC and PR_GET_TSC as the program sees them (prctl.c): the
 * program's own setting is kept apart and the trap stays armed. 1 when
 * handled, with the call's result in *r. */
int nd_tsc_prctl(int option, unsigned long a, long *r)
{
	if (!nd_tsc_trapped || (option != PR_SET_TSC && option != PR_GET_TSC))
		return 0;
	if (option == PR_SET_TSC) {
		*r = a != PR_TSC_ENABLE && a != PR_TSC_SIGSEGV ? -EINVAL : 0;
		if (!*r)
			program_mode = (int)a;
		return 1;
	}
	*r = a ? 0 : -EFAULT;
	if (a)
		*(int *)a = program_mode;
	return 1;
}
