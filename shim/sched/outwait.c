/*
 * A wait in the kernel while a virtual timer is armed, by a process with no
 * scheduled threads: a read from a pipe, a wait for a child. The timer is the
 * process's next timed event, ordered in the tree like any other
 * (members.h): the parent whose alarm is due at 0.4 s interrupts its own
 * wait for a child that sleeps 3 s, as natively.
 *
 * The wait is made in slices of a millisecond with every signal blocked,
 * until what it waits for is ready (the real call is then made, and does not
 * block), a signal arrives, or the tree lets the timer fire. A signal — the
 * timer's, or any other the program does not block — is then let in: its
 * handler runs, and the call fails with EINTR unless the handler asked for
 * SA_RESTART, as the kernel decides; a signal ignored by default restarts
 * too. Otherwise the wait goes on.
 */
#include "nodice.h"
#include "vclock.h"
#include "itimer.h"
#include "members.h"
#include "outwait.h"
#include "signals.h"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

struct probe {
	struct pollfd *fds; /* or NULL: a wait for a child */
	int n;
	idtype_t type;
	id_t id;
	int options;
	const sigset_t *mask; /* the program's */
};

/* The signals pending now that the program does not block. */
static uint64_t deliverable(const sigset_t *mask)
{
	sigset_t p;
	uint64_t out = 0;
	if (nd_sys(SYS_rt_sigpending, (long)&p, 8, 0, 0, 0, 0) < 0)
		return 0;
	for (int sig = 1; sig <= 64 && sig < NSIG; sig++)
		if (sigismember(&p, sig) && !sigismember(mask, sig))
			out |= ND_SIGBIT(sig);
	return out;
}

static int probe(void *arg, int ms)
{
	struct probe *w = arg;
	sigset_t all;
	nd_signals_all_unowned(&all);
	struct timespec to = { 0, ms * 1000000L };
	if (w->fds) {
		if (nd_sys(SYS_ppoll, (long)w->fds, w->n, (long)&to, (long)&all, 8, 0) > 0)
			return 1;
	} else {
		siginfo_t si;
		si.si_pid = 0;
		if (nd_sys(SYS_waitid, w->type, w->id, (long)&si, w->options | WNOHANG | WNOWAIT, 0, 0) < 0 ||
		    si.si_pid)
			return 1; /* ready, or an error the call will report */
		nd_sys(SYS_ppoll, 0, 0, (long)&to, (long)&all, 8, 0);
	}
	return deliverable(w->mask) ? 2 : 0;
}

/* Whether the call goes on after the handlers of `sigs` ran. */
static int restarts(uint64_t sigs)
{
	for (int sig = 1; sig <= 64; sig++) {
		struct sigaction a;
		if (!(sigs & ND_SIGBIT(sig)) || nd_signals_action(sig, &a) < 0)
			continue;
		if (a.sa_handler == SIG_IGN)
			continue;
		if (a.sa_handler == SIG_DFL) {
			if (sig == SIGCHLD || sig == SIGWINCH || sig == SIGURG || sig == SIGCONT)
				continue;
			return 0;
		}
		if (!(a.sa_flags & SA_RESTART))
			return 0;
	}
	return 1;
}

static int wait_timed(struct probe *w)
{
	long tid = nd_sys0(SYS_gettid);
	sigset_t mask;
	if (nd_sys(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&mask, 8, 0, 0) < 0)
		return ND_OUTWAIT_CALL;
	w->mask = &mask;
	for (;;) {
		uint64_t d = __atomic_load_n(&nd_itimer_next, __ATOMIC_ACQUIRE);
		if (d == ND_NO_DEADLINE)
			return ND_OUTWAIT_BLOCK;
		int r = nd_member_until(d, probe, w);
		if (r == 1)
			return ND_OUTWAIT_CALL;
		uint64_t ran;
		if (r == 2 || r == -EINTR) {
			/* Let it in: sigprocmask(mask) delivers it before it returns. */
			ran = deliverable(&mask);
			nd_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&mask, 0, 8, 0, 0);
			nd_member_take_signal_time();
		} else {
			ran = nd_itimer_fire(d, tid);
		}
		if (ran && !restarts(ran))
			return ND_OUTWAIT_EINTR;
	}
}

int nd_outwait_fd(int fd, short events)
{
	if (nd_member_me < 0 || fd < 0 || __atomic_load_n(&nd_itimer_next, __ATOMIC_ACQUIRE) == ND_NO_DEADLINE)
		return ND_OUTWAIT_BLOCK;
	long fl = nd_sys(SYS_fcntl, fd, 3 /* F_GETFL */, 0, 0, 0, 0);
	if (fl < 0 || (fl & 04000 /* O_NONBLOCK */))
		return ND_OUTWAIT_CALL;
	struct pollfd p = { fd, events, 0 };
	struct probe w = { &p, 1, P_ALL, 0, 0, NULL };
	return wait_timed(&w);
}

int nd_outwait_child(idtype_t type, id_t id, int options)
{
	if (nd_member_me < 0 || __atomic_load_n(&nd_itimer_next, __ATOMIC_ACQUIRE) == ND_NO_DEADLINE)
		return ND_OUTWAIT_BLOCK;
	struct probe w = { NULL, 0, type, id, options, NULL };
	return wait_timed(&w);
}
