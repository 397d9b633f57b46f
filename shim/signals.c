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
 */
#include "nodice.h"

#include <signal.h>
#include <string.h>
#include <sys/syscall.h>

static const int hooked_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2 };
static int hooked[65];                    /* 1 while our handler stands in for SIG_DFL */
static struct sigaction program_view[65]; /* what the program last set (SIG_DFL) */

static void on_signal(int sig)
{
	nd_log_flush("signal");
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

/* sigaction(2): see the file comment. */
ND_EXPORT int sigaction(int sig, const struct sigaction *restrict act, struct sigaction *restrict old)
{
	if (nd_passthrough() || sig <= 0 || sig >= 65 || !hooked[sig])
		return nd_real.sigaction(sig, act, old);
	if (old)
		*old = program_view[sig];
	if (act) {
		if (act->sa_handler == SIG_DFL && !(act->sa_flags & SA_SIGINFO)) {
			program_view[sig] = *act;
		} else {
			hooked[sig] = 0;
			return nd_real.sigaction(sig, act, NULL);
		}
	}
	return 0;
}

/* signal(2): glibc's BSD semantics (SA_RESTART), through sigaction above,
 * since glibc's own signal() calls its internal sigaction. */
ND_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
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
