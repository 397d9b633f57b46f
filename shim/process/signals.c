/*
 * The event log must be complete when a process is killed by a signal it
 * does not handle. With the log on, the constructor installs a handler for
 * each signal whose action is still the default one and whose default is to
 * terminate (HUP, INT, QUIT, PIPE, ALRM, TERM, USR1, USR2): it writes the log,
 * restores the default action and raises the signal again, so the process
 * dies of the same signal with the same status as natively.
 *
 * The program must not see the difference: sigaction and signal are
 * interposed so that asking for one of these signals' action answers
 * SIG_DFL while the hook stands in for it (CPython, for one, installs its
 * KeyboardInterrupt handler only if SIGINT's initial action is the default),
 * setting SIG_DFL keeps the hook, and setting anything else replaces it.
 * SIGKILL cannot be caught; a process killed by it leaves no records.
 *
 * Signals the shim itself needs (SIGSEGV for the rdtsc trap, SIGSYS for
 * system call dispatch) are "owned": the shim's handler stays installed,
 * the program's sigaction calls read and write a saved action instead, and
 * nd_signals_chain() hands it every signal that was not the shim's, as the
 * kernel would have.
 */
#include "nodice.h"
#include "signals.h"
#include "process.h"
#include "tree.h"

#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>

static const int hooked_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2 };
static int hooked[_NSIG];                    /* 1 while our handler stands in for SIG_DFL */
static int owned[_NSIG];                     /* 1 for signals the shim needs itself */
static struct sigaction program_view[_NSIG]; /* what the program last set */
static int chld_wrapped;                     /* SIGCHLD's handler runs through chld_wrapper */

static void on_signal(int sig)
{
	nd_process_end("signal");
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	nd_real.sigaction(sig, &dfl, NULL);
	hooked[sig] = 0;
	sigset_t unblock;
	sigemptyset(&unblock);
	sigaddset(&unblock, sig);
	nd_sys(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&unblock, 0, 8, 0, 0);
	nd_sys(SYS_tgkill, nd_sys0(SYS_getpid), nd_sys0(SYS_gettid), sig, 0, 0, 0);
}

void nd_signals_start(void)
{
	if (!nd_sites_on)
		return;
	for (size_t i = 0; i < sizeof(hooked_signals) / sizeof(hooked_signals[0]); i++) {
		int sig = hooked_signals[i];
		struct sigaction cur, hook;
		if (nd_real.sigaction(sig, NULL, &cur) < 0 || cur.sa_handler != SIG_DFL ||
		    (cur.sa_flags & SA_SIGINFO))
			continue;
		memset(&hook, 0, sizeof(hook));
		hook.sa_handler = on_signal;
		sigfillset(&hook.sa_mask);
		hook.sa_flags = SA_RESTART;
		program_view[sig] = cur;
		if (nd_real.sigaction(sig, &hook, NULL) == 0)
			hooked[sig] = 1;
	}
}

int nd_signals_own(int sig, void (*handler)(int, siginfo_t *, void *))
{
	struct sigaction cur, ours;
	if (nd_real.sigaction(sig, NULL, &cur) < 0)
		return -errno;
	memset(&ours, 0, sizeof(ours));
	ours.sa_sigaction = handler;
	ours.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigemptyset(&ours.sa_mask);
	if (nd_real.sigaction(sig, &ours, NULL) < 0)
		return -errno;
	program_view[sig] = cur;
	owned[sig] = 1;
	return 0;
}

void nd_signals_chain(int sig, siginfo_t *info, void *ctx)
{
	struct sigaction a = program_view[sig];
	/* Sent (kill, raise, sigqueue: si_code <= 0) rather than raised by a
	 * fault of the instruction: an ignored one is ignored, as natively. */
	int sent = info && info->si_code <= 0;
	if (a.sa_handler == SIG_IGN && !(a.sa_flags & SA_SIGINFO) && sent)
		return;
	if ((a.sa_handler == SIG_IGN || a.sa_handler == SIG_DFL) && !(a.sa_flags & SA_SIGINFO)) {
		/* No handler: the default action kills. Flush the log, restore the
		 * default action; a fault then happens again when the instruction
		 * is retried, a sent signal is sent again to this thread (blocked
		 * here, it is delivered as the handler returns). */
		struct sigaction dfl;
		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		nd_process_end("signal");
		nd_real.sigaction(sig, &dfl, NULL);
		owned[sig] = 0;
		if (sent)
			nd_sys(SYS_tgkill, nd_sys0(SYS_getpid), nd_sys0(SYS_gettid), sig, 0, 0, 0);
		return;
	}
	if (a.sa_flags & SA_RESETHAND) {
		memset(&program_view[sig], 0, sizeof(program_view[sig]));
		program_view[sig].sa_handler = SIG_DFL;
	}
	sigset_t mask = a.sa_mask, old;
	if (!(a.sa_flags & SA_NODEFER))
		sigaddset(&mask, sig);
	nd_sys(SYS_rt_sigprocmask, SIG_BLOCK, (long)&mask, (long)&old, 8, 0, 0);
	if (a.sa_flags & SA_SIGINFO)
		a.sa_sigaction(sig, info, ctx);
	else
		a.sa_handler(sig);
	nd_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, 8, 0, 0);
}

int nd_signals_handled_here(int sig)
{
	struct sigaction cur;
	sigset_t mask;
	if (nd_sys(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&mask, 8, 0, 0) < 0 || sigismember(&mask, sig))
		return 0;
	if (owned[sig] || hooked[sig] || (sig == SIGCHLD && chld_wrapped))
		cur = program_view[sig];
	else if (nd_real.sigaction(sig, NULL, &cur) < 0)
		return 0;
	return !(cur.sa_flags & SA_SIGINFO) ? cur.sa_handler != SIG_IGN && cur.sa_handler != SIG_DFL : 1;
}

int nd_signals_action(int sig, struct sigaction *out)
{
	if (sig <= 0 || sig >= NSIG)
		return -EINVAL;
	if (owned[sig] || hooked[sig] || (sig == SIGCHLD && chld_wrapped)) {
		*out = program_view[sig];
		return 0;
	}
	return nd_real.sigaction(sig, NULL, out) < 0 ? -EINVAL : 0;
}

/* An owned signal: the program's setting is kept apart; ours stays. */
static int owned_action(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (old)
		*old = program_view[sig];
	if (act)
		program_view[sig] = *act;
	return 0;
}

/* A hooked signal: SIG_DFL stays ours (to flush the log), anything else is
 * the program's and unhooks it. */
static int hooked_action(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (old)
		*old = program_view[sig];
	if (!act)
		return 0;
	if (act->sa_handler == SIG_DFL && !(act->sa_flags & SA_SIGINFO)) {
		program_view[sig] = *act;
		return 0;
	}
	hooked[sig] = 0;
	return nd_real.sigaction(sig, act, NULL);
}

/* SIGCHLD with a program handler is wrapped: the kernel runs chld_wrapper
 * with the program's mask and flags (SA_SIGINFO added), which runs the
 * program's handler and then lets owed.c send a SIGCHLD it owes before the
 * program goes back, with the signal let in, to what it was interrupted in
 * (a loop that waits for its handler's word without a call of the shim's).
 * SA_RESETHAND is the wrapper's to carry out: it resets the action to the
 * default before the handler runs, as the kernel would. */
ND_TLS int nd_signals_in_chld;
static const struct nd_chld_hooks *chld_hooks;

void nd_signals_chld_hooks(const struct nd_chld_hooks *h)
{
	__atomic_store_n(&chld_hooks, h, __ATOMIC_RELEASE);
}

static void chld_unblocked(void)
{
	const struct nd_chld_hooks *h = __atomic_load_n(&chld_hooks, __ATOMIC_ACQUIRE);
	if (h)
		h->unblocked();
}

/* Whether the signal came while the thread computed (not in a system
 * call, where it waited or called the kernel): a moment of real time. */
static int mid_computation(const ucontext_t *uc)
{
	if (!uc)
		return 0;
	const unsigned char *ip = (const unsigned char *)uc->uc_mcontext.gregs[REG_RIP];
	if (((uintptr_t)ip & 4095) < 2)
		return 1; /* the page before need not be readable: not looked at */
	return !(ip[-2] == 0x0f && ip[-1] == 0x05); /* syscall */
}

static void chld_wrapper(int sig, siginfo_t *info, void *ctx)
{
	struct sigaction a = program_view[sig];
	if (a.sa_flags & SA_RESETHAND) { /* as the kernel resets it before the handler runs */
		struct sigaction dfl;
		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		nd_real.sigaction(sig, &dfl, NULL);
		program_view[sig] = dfl;
		chld_wrapped = 0;
	}
	if (mid_computation(ctx))
		nd_log_uncontrolled("tree-order", "a SIGCHLD handler ran in the middle of the program's computation, "
						  "at the moment the kernel's signal came");
	nd_signals_in_chld++;
	if (a.sa_flags & SA_SIGINFO)
		a.sa_sigaction(sig, info, ctx);
	else
		a.sa_handler(sig);
	nd_signals_in_chld--;
	const ucontext_t *uc = ctx;
	const struct nd_chld_hooks *h = __atomic_load_n(&chld_hooks, __ATOMIC_ACQUIRE);
	if (!nd_signals_in_chld && h)
		h->handled(!uc || sigismember(&uc->uc_sigmask, SIGCHLD));
}

static int chld_action(const struct sigaction *act, struct sigaction *old)
{
	struct sigaction cur;
	if (nd_real.sigaction(SIGCHLD, NULL, &cur) < 0)
		return -1;
	if (old)
		*old = chld_wrapped ? program_view[SIGCHLD] : cur;
	if (!act)
		return 0;
	int handler = act->sa_flags & SA_SIGINFO ? act->sa_sigaction != NULL
						  : act->sa_handler != SIG_IGN && act->sa_handler != SIG_DFL;
	if (!handler) {
		int r = nd_real.sigaction(SIGCHLD, act, NULL);
		if (r == 0)
			chld_wrapped = 0;
		return r;
	}
	struct sigaction k = *act;
	k.sa_sigaction = chld_wrapper;
	k.sa_flags = (k.sa_flags | SA_SIGINFO) & ~SA_RESETHAND; /* reset by the wrapper */
	if (nd_real.sigaction(SIGCHLD, &k, NULL) < 0)
		return -1;
	program_view[SIGCHLD] = *act;
	chld_wrapped = 1;
	return 0;
}

/* sigaction(2): see the file comment. */
ND_EXPORT int sigaction(int sig, const struct sigaction *restrict act, struct sigaction *restrict old)
{
	ND_ORDERED();
	if (nd_passthrough() || sig <= 0 || sig >= _NSIG)
		return nd_real.sigaction(sig, act, old);
	if (owned[sig])
		return owned_action(sig, act, old);
	if (hooked[sig])
		return hooked_action(sig, act, old);
	if (sig == SIGCHLD)
		return chld_action(act, old);
	return nd_real.sigaction(sig, act, old);
}

/* A set without the signals the shim owns: a synchronous fault on a blocked
 * signal is forced to its default action by the kernel, so blocking SIGSEGV
 * would turn the next trapped rdtsc into a crash. */
static const sigset_t *unowned(const sigset_t *set, sigset_t *copy)
{
	if (!set)
		return set;
	*copy = *set;
	for (int sig = 1; sig < _NSIG; sig++)
		if (owned[sig])
			sigdelset(copy, sig);
	return copy;
}

void nd_signals_all_unowned(sigset_t *out)
{
	sigset_t all;
	sigfillset(&all);
	unowned(&all, out);
}

/* sigprocmask(2), pthread_sigmask(3): the owned signals are never blocked. */
ND_EXPORT int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
	ND_ORDERED();
	sigset_t copy;
	if (nd_passthrough())
		return nd_real.sigprocmask(how, set, old);
	int r = nd_real.sigprocmask(how, how == SIG_UNBLOCK ? set : unowned(set, &copy), old);
	if (r == 0 && set && how != SIG_BLOCK)
		chld_unblocked();
	return r;
}

ND_EXPORT int pthread_sigmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
	ND_ORDERED();
	sigset_t copy;
	if (nd_passthrough())
		return nd_real.pthread_sigmask(how, set, old);
	int r = nd_real.pthread_sigmask(how, how == SIG_UNBLOCK ? set : unowned(set, &copy), old);
	if (r == 0 && set && how != SIG_BLOCK)
		chld_unblocked();
	return r;
}

/* signal(2): glibc's BSD semantics (SA_RESTART), through sigaction above,
 * since glibc's own signal() calls its internal sigaction. */
ND_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	ND_ORDERED();
	struct sigaction act, old;
	memset(&act, 0, sizeof(act));
	act.sa_handler = handler;
	act.sa_flags = SA_RESTART;
	sigemptyset(&act.sa_mask);
	sigaddset(&act.sa_mask, sig);
	if (sigaction(sig, &act, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}
