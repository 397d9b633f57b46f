/*
 * Which child a wait for any child reaps (issue 14): natively the one the
 * kernel finds first, a race between the children's ends when several
 * finish close together (make's next job, a shell's `wait`, os.wait()).
 * Here every child's end is an event of the tree at (the virtual time it
 * ended at, its member id), left in the tree's exits table as it ends
 * (vclock.c), and a blocking wait for any child reaps the child whose end
 * comes first, once no other process of the run can still act before it
 * (order.c): a sibling still running at an earlier time could end first.
 * So `(sleep 0.2; exit 1) & (sleep 0.1; exit 2) & wait` reaps the second,
 * as natively, on every run; two children that end at the same virtual
 * time are reaped in the order of their ids.
 *
 * WNOHANG asks "has one ended yet", a real-time question, and is answered
 * by virtual time (below): an end at or before the caller's present is
 * reported, the first end first (a child that has left its time is in its
 * last instructions, so the call waits the moment it takes to become
 * reapable: a parent that read the end of a child's output and polls finds
 * it on every run); a later one is kept from the call, its SIGCHLD owed;
 * with SIGCHLD at its default action, the children behind the caller are
 * waited for first, and a look that finds none takes a tick (below).
 *
 * What is left to the kernel (docs/limits.md): stopped and continued
 * children, waits by process group, a process whose threads are scheduled
 * (but its threads' blocking waits for a child: sched/childwait.c),
 * and a child that ended without leaving its time (killed by SIGKILL, or
 * outside the shim: a static program) when no other child left one. Raw
 * system calls and the stack only.
 */
#include "nodice.h"
#include "fmt.h"
#include "members.h"
#include "reap.h"
#include "scheduler.h"
#include "vclock.h"
#include "owed.h"
#include "signals.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define KIDS 64 /* more children than this: the kernel decides */

struct kids {
	int n, over;
	int32_t pid[KIDS];
	/* the end that comes first so far, and whose it is */
	uint64_t vt, id;
	int32_t first;
	uint64_t give_up; /* a WNOHANG wait's: the real time it reports at (0: none) */
};

/* How long a WNOHANG wait waits for the tree before it reports what it
 * found: a process that waits in real time for this one (a pool's parent
 * waiting on its forkserver) would otherwise hold it for ever, its state
 * changing too often for order.c's own bound. */
#define SOFT_HOLD_NS 2000000000ULL

/* One thread's children (/proc/self/task/<tid>/children). */
static int add_thread(const char *tid, void *arg)
{
	struct kids *k = arg;
	if (tid[0] < '0' || tid[0] > '9')
		return 0;
	char path[64], text[1024];
	struct nd_buf b = ND_BUF(path);
	nd_fmt_str(&b, "/proc/self/task/");
	nd_fmt_str(&b, tid);
	nd_fmt_str(&b, "/children");
	long len = b.overflow ? -1 : nd_sys_read_file(path, text, sizeof text);
	if (len < 0)
		return 0;
	if (len >= (long)sizeof text - 1)
		return k->over = 1;
	for (const char *p = text; *p;) {
		int32_t pid = 0;
		while (*p >= '0' && *p <= '9')
			pid = pid * 10 + (*p++ - '0');
		if (pid > 0) {
			if (k->n == KIDS)
				return k->over = 1;
			k->pid[k->n++] = pid;
		}
		while (*p && (*p < '0' || *p > '9'))
			p++;
	}
	return 0;
}

static int children(struct kids *k)
{
	k->n = k->over = 0;
	if (nd_sys_listdir("/proc/self/task", add_thread, k) < 0 || k->over)
		return -1;
	return k->n;
}

int nd_reap_children(int32_t *pid, int max)
{
	struct kids k;
	int n = children(&k);
	if (n < 0 || n > max)
		return -1;
	for (int i = 0; i < n; i++)
		pid[i] = k.pid[i];
	return n;
}

/* The first end among the children that left theirs (k->first: 0 if none). */
static void first_end(struct kids *k)
{
	k->first = 0;
	for (int i = 0; i < k->n; i++) {
		uint64_t vt, id;
		if (nd_vclock_ended(k->pid[i], &vt, &id) && (!k->first || nd_member_before(vt, id, k->vt, k->id))) {
			k->first = k->pid[i];
			k->vt = vt;
			k->id = id;
		}
	}
}

/* While the tree is asked: 1 when another child ended before the chosen
 * one meanwhile (the wait starts again from it). */
static int probe(void *arg, int ms)
{
	struct kids now = *(const struct kids *)arg;
	first_end(&now);
	if (now.first != ((const struct kids *)arg)->first)
		return 1;
	if (now.give_up && nd_sys_monotonic_ns() > now.give_up)
		return 2;
	if (ms) {
		struct timespec to = { 0, ms * 1000000L };
		if (nd_sys(SYS_nanosleep, (long)&to, 0, 0, 0, 0, 0) == -EINTR)
			return -EINTR;
	}
	return 0;
}

int nd_reap_ended(pid_t pid, int options)
{
	siginfo_t si;
	si.si_pid = 0;
	long r = nd_sys(SYS_waitid, P_PID, pid, (long)&si, options | WEXITED | WNOHANG | WNOWAIT, 0, 0);
	return r < 0 ? -1 : si.si_pid != 0;
}

static int reapable(void *arg)
{
	return nd_reap_ended(*(int32_t *)arg, 0) != 0;
}

/* pid has left its time: until it can be reaped (at most about a second:
 * an exit stuck after the shim's destructor is left to the kernel). */
static void until_reapable(int32_t pid)
{
	nd_member_await(reapable, &pid);
}

/* Waits as a timed event of the tree until (d, id) (order.c), from wherever
 * the call came (a signal handler may have interrupted another wait). */
static int until(uint64_t d, uint64_t id, int (*p)(void *, int), void *arg)
{
	struct nd_member_state was;
	nd_member_state_save(&was);
	int r = nd_member_until_as(d, id, p, arg);
	nd_member_state_restore(&was);
	return r;
}

/* The first end among the children, once no process of the run can still
 * act before it (order.c): a sibling still running at an earlier time
 * could end first. 0: the kernel decides (no child left its time). */
static pid_t ordered_first(struct kids *k)
{
	for (;;) {
		if (children(k) < 0)
			return 0;
		first_end(k);
		if (!k->first) {
			if (k->n > 1)
				nd_log_uncontrolled("tree-order", "a wait for any child reaped one that ended without "
								  "leaving its time (killed by SIGKILL, or outside the "
								  "shim) while others ran: the kernel chose");
			return 0;
		}
		/* An interrupted look started again: a child is waiting to be
		 * reaped, so natively the call would not have been interrupted. */
		int r = until(k->vt, k->id, probe, k);
		if (r == 0)
			return k->first;
		if (r == 2) {
			nd_log_uncontrolled("tree-order", "a WNOHANG wait for any child waited 2 s of real time for "
							  "the run to reach the end it found, and reaped it then");
			return k->first;
		}
	}
}

/*
 * A WNOHANG wait that finds an end after the caller's present, or a child
 * still running at a time before the end it found, asks what real time
 * decided: natively the child was slower on one run and faster on another.
 * The answer is the one virtual time gives: the end is kept from the call
 * (no child has ended yet), and since that must never cost the program a
 * notification, the SIGCHLD it would have had is owed at the end's time
 * when the program blocks the signal (owed.c); the program's SIGCHLD
 * handler itself, told by the kernel's signal, reaps the first end as a
 * blocking wait would; a main flow that polls with a handler installed and
 * the signal let in may have been told already (Python's forkserver: its
 * handler writes to a pipe its loop reads), so it gets the kernel's answer,
 * logged. So make's poll
 * right after starting a job and its poll right after reaping one answer
 * the same on every run, whether the kernel's signal was still pending or
 * had come with another's. A child running behind the end found is waited
 * for, as a blocking wait would. SIGCHLD ignored or SA_NOCLDWAIT: the
 * kernel answers (no child is left to be waited for); a process whose
 * threads are scheduled cannot wait here: the kernel's answer, logged.
 * SIGCHLD at its default action and let in (no one is told by a signal):
 * default_nohang, below, for every process.
 */
enum { REPORT, KEEP, WAIT };

/* A process whose threads are scheduled cannot wait here. */
static int kernels_answer(void)
{
	nd_log_uncontrolled("tree-order", "a WNOHANG wait in a process whose threads are scheduled reaped a child "
					  "whose end comes after the caller's present, or while another that could end "
					  "before it ran: which had ended was a matter of real time");
	return REPORT;
}

/* For the first end found, at (vt, id) of pid: REPORT, KEEP or WAIT. */
static int undecided(int32_t pid, uint64_t vt)
{
	if (vt <= nd_vclock_now()) /* an end at the caller's present is in its past */
		return REPORT;
	if (nd_sched_managed())
		return kernels_answer();
	uint64_t blocked = 0;
	struct sigaction own;
	if (nd_sys(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&blocked, 8, 0, 0) < 0 || nd_signals_action(SIGCHLD, &own) < 0 ||
	    ((own.sa_handler == SIG_IGN && !(own.sa_flags & SA_SIGINFO)) || (own.sa_flags & SA_NOCLDWAIT)))
		return REPORT;
	/* The program's SIGCHLD handler was told by the kernel's signal: it
	 * reaps the first end, as a blocking wait would (when it ran is
	 * reported where it was a moment of real time: signals.c). An end kept
	 * from it could be owed to a handler that is no more (SA_RESETHAND,
	 * or one that changes the action). */
	if (nd_signals_in_chld)
		return WAIT;
	/* blocked: the owed signal is sure to come */
	if (blocked & (1ULL << (SIGCHLD - 1))) {
		nd_owed_chld(vt, pid);
		return KEEP;
	}
	/* A handler, and the signal let in (the default action let in is
	 * default_nohang's, never here): the program may have been told
	 * already (a handler that wrote to a pipe its main loop reads: Python's
	 * forkserver). The kernel's answer, as a moment of real time decided it. */
	nd_log_uncontrolled("tree-order", "a WNOHANG wait in a program with a SIGCHLD handler reaped a child "
					  "whose end comes after the caller's present: that it had ended was a "
					  "matter of real time");
	return REPORT;
}

/* A child still running at a time before (vt, id): it could end first. Or
 * one that ended before it since first_end looked (it was running then;
 * until_reapable gives it the time): reaped first. A child's slot stays
 * until it is reaped, so one not ended when asked still has its slot. */
static int one_behind(const struct kids *k)
{
	uint64_t vt, who;
	for (int i = 0; i < k->n; i++)
		if (k->pid[i] != k->first &&
		    (nd_vclock_ended(k->pid[i], &vt, &who) || nd_member_now_of(k->pid[i], &vt, &who)) &&
		    nd_member_before(vt, who, k->vt, k->id))
			return 1;
	return 0;
}

/*
 * SIGCHLD at its default action and let in: no signal tells the program of
 * an end, so the answer is wholly the present's, for a process with one
 * thread or several. First the children that could still act or end before
 * the caller's present (running at an earlier time, or asleep until one)
 * are waited for (behind.c), when no other thread of the process can run
 * or is in a call outside: the wait would stop them too (a Pool's task
 * handler blocked on a full task pipe: 1.35x the throughput of one worker
 * fell to 1.1x), and then the look is made at once, as before, a child
 * behind found running or ended by real time, unreported. Then the first
 * end at or before the present is reported and a later one kept from the
 * call, and a look that finds none takes a tick, as a clock read does: a
 * loop of looks moves on in time until it reaches the end, after the same
 * number of looks on every run. Without the wait the tick let a busy loop's
 * clock run on while a sleeping child was slow to end in real time
 * (`reapers busypoll` reaped at 298, 306 and 627 ms instead of 4); without
 * the tick such a loop found an end 20 ms of real time after it was first
 * kept from it, reported (until 2026-12-07). A threaded process got the
 * kernel's answer, reported, and a Pool's terminate sent SIGTERM to the
 * workers still exiting on one run and not on another. A child that is no
 * member, or one that ended without leaving its time (killed by SIGKILL),
 * is the kernel's.
 */
#define PAST_NS 5000000000ULL

static int chld_default(void)
{
	struct sigaction own;
	uint64_t blocked = 0;
	return nd_sys(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&blocked, 8, 0, 0) == 0 &&
	       !(blocked & (1ULL << (SIGCHLD - 1))) && nd_signals_action(SIGCHLD, &own) == 0 &&
	       !(own.sa_flags & (SA_SIGINFO | SA_NOCLDWAIT)) && own.sa_handler == SIG_DFL;
}

/* 1 when a child can be reaped without having left its time (killed, or
 * outside the shim), or is neither a member nor ended: the kernel's. */
static int kernels_child(const struct kids *k)
{
	for (int i = 0; i < k->n; i++) {
		uint64_t vt, id;
		if (nd_vclock_ended(k->pid[i], &vt, &id))
			continue;
		if (!nd_member_now_of(k->pid[i], &vt, &id) || nd_reap_ended(k->pid[i], 0) == 1)
			return 1;
	}
	return 0;
}

static pid_t default_nohang(idtype_t type, id_t id)
{
	struct kids k;
	k.give_up = 0;
	k.n = 1;
	k.pid[0] = (int32_t)id;
	if ((type == P_ALL && children(&k) < 1) || kernels_child(&k))
		return 0;
	uint64_t now = nd_vclock_now();
	if (!nd_sched_others_active() && !nd_member_until_past(k.pid, k.n, now, PAST_NS))
		nd_log_uncontrolled("tree-order", "a WNOHANG wait waited 5 s of real time for a child running before "
						  "the caller's present, and answered from the ends made by then");
	first_end(&k);
	if (!k.first || k.vt > now) {
		nd_vclock_read();
		return !k.first && kernels_child(&k) ? 0 : ND_REAP_NONE;
	}
	until_reapable(k.first);
	return k.first;
}

pid_t nd_reap_nohang(idtype_t type, id_t id, int options)
{
	if (!(options & WNOHANG) || nd_member_me < 0 || (options & (WSTOPPED | WCONTINUED | __WCLONE)) ||
	    (type != P_PID && type != P_ALL))
		return 0;
	if (chld_default())
		return default_nohang(type, id);
	uint64_t vt, who;
	if (type == P_PID) {
		if (!nd_vclock_ended((int32_t)id, &vt, &who))
			return 0;
		until_reapable((int32_t)id);
		switch (undecided((int32_t)id, vt)) {
		case KEEP:
			return ND_REAP_NONE;
		case WAIT: {
			struct kids one = { .n = 0, .first = 0, .give_up = nd_sys_monotonic_ns() + SOFT_HOLD_NS };
			until(vt, who, probe, &one);
		}
		}
		return 0;
	}
	struct kids k;
	k.give_up = 0;
	if (children(&k) < 1)
		return 0;
	first_end(&k);
	if (!k.first)
		return 0;
	until_reapable(k.first);
	int how = undecided(k.first, k.vt);
	if (how == REPORT && one_behind(&k))
		how = nd_sched_managed() ? kernels_answer() : WAIT;
	if (how == WAIT)
		k.give_up = nd_sys_monotonic_ns() + SOFT_HOLD_NS;
	if (how == KEEP)
		return ND_REAP_NONE;
	if (how == REPORT)
		return k.first;
	/* The first may have changed while the tree was asked: a child that
	 * left its time a moment ago may not be reapable yet, and the call
	 * would ask the kernel for any child instead (wait4). A blocking wait
	 * (nd_reap_first) waits for it in the kernel itself. */
	pid_t first = ordered_first(&k);
	if (first > 0)
		until_reapable(first);
	return first;
}

pid_t nd_reap_first(idtype_t type, int options)
{
	if (type != P_ALL || nd_member_me < 0 || nd_sched_managed() ||
	    (options & (WNOHANG | WSTOPPED | WCONTINUED | WNOWAIT | __WCLONE)))
		return 0;
	struct kids k;
	k.give_up = 0;
	if (children(&k) < 2)
		return 0;
	/* Until one can be reaped, as the call itself waits: interrupted by a
	 * handler as it would be, restarted by the kernel as it would be. */
	siginfo_t si;
	si.si_pid = 0;
	long r = nd_sys(SYS_waitid, P_ALL, 0, (long)&si, options | WNOWAIT, 0, 0);
	if (r < 0)
		return r == -EINTR ? (errno = EINTR, -1) : 0; /* ECHILD: the call says so */
	return ordered_first(&k);
}
