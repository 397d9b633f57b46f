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
 * WNOHANG asks "has one ended yet", a real-time question; what it can be
 * given is this: a child that has left its time (it is in its last
 * instructions, the shim's destructor runs at the end of exit) is about to
 * be reapable, so the call waits the moment it takes to be; and of the
 * children that have, the first end is reaped first. A parent that read
 * the end of a child's output (its descriptors close as it exits) and then
 * polls with WNOHANG (subprocess's wait(timeout)) finds it on every run.
 *
 * What is left to the kernel (docs/limits.md): which children have ended
 * when a WNOHANG call is made, stopped and continued children, waits by
 * process group, a process whose threads are scheduled, and a child that
 * ended without leaving its time (killed by SIGKILL, or outside the shim: a
 * static program) when no other child left one. Raw system calls and the
 * stack only.
 */
#include "nodice.h"
#include "fmt.h"
#include "members.h"
#include "reap.h"
#include "scheduler.h"
#include "vclock.h"

#include <sys/syscall.h>
#include <sys/wait.h>

#define KIDS 64 /* more children than this: the kernel decides */

struct kids {
	int n, over;
	int32_t pid[KIDS];
	/* the end that comes first so far, and whose it is */
	uint64_t vt, id;
	int32_t first;
};

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
	if (ms) {
		struct timespec to = { 0, ms * 1000000L };
		if (nd_sys(SYS_nanosleep, (long)&to, 0, 0, 0, 0, 0) == -EINTR)
			return -EINTR;
	}
	return 0;
}

/* pid has left its time: until it can be reaped (at most about a second:
 * an exit stuck after the shim's destructor is left to the kernel). */
static void until_reapable(int32_t pid)
{
	for (int i = 0; i < 2000; i++) {
		siginfo_t si;
		si.si_pid = 0;
		if (nd_sys(SYS_waitid, P_PID, pid, (long)&si, WEXITED | WNOHANG | WNOWAIT, 0, 0) < 0 || si.si_pid)
			return;
		struct timespec to = { 0, 500000 };
		if (i < 50)
			nd_sys0(SYS_sched_yield);
		else
			nd_sys(SYS_nanosleep, (long)&to, 0, 0, 0, 0, 0);
	}
}

pid_t nd_reap_nohang(idtype_t type, id_t id, int options)
{
	if (!(options & WNOHANG) || nd_member_me < 0 || (options & (WSTOPPED | WCONTINUED | __WCLONE)) ||
	    (type != P_PID && type != P_ALL))
		return 0;
	uint64_t vt, who;
	if (type == P_PID) {
		if (nd_vclock_ended((int32_t)id, &vt, &who))
			until_reapable((int32_t)id);
		return 0;
	}
	struct kids k;
	if (children(&k) < 1)
		return 0;
	first_end(&k);
	if (!k.first)
		return 0;
	until_reapable(k.first);
	/* A child still running at an earlier time could have ended first. */
	for (int i = 0; i < k.n; i++)
		if (!nd_vclock_ended(k.pid[i], &vt, &who) && nd_member_now_of(k.pid[i], &vt, &who) &&
		    nd_member_before(vt, who, k.vt, k.id)) {
			nd_log_uncontrolled("tree-order", "a WNOHANG wait for any child reaped one while another that "
							  "could still end before it ran: which had ended was a matter "
							  "of real time");
			break;
		}
	return k.first;
}

pid_t nd_reap_first(idtype_t type, int options)
{
	if (type != P_ALL || nd_member_me < 0 || nd_sched_managed() ||
	    (options & (WNOHANG | WSTOPPED | WCONTINUED | WNOWAIT | __WCLONE)))
		return 0;
	struct kids k;
	if (children(&k) < 2)
		return 0;
	/* Until one can be reaped, as the call itself waits: interrupted by a
	 * handler as it would be, restarted by the kernel as it would be. */
	siginfo_t si;
	si.si_pid = 0;
	long r = nd_sys(SYS_waitid, P_ALL, 0, (long)&si, options | WNOWAIT, 0, 0);
	if (r < 0)
		return r == -EINTR ? (errno = EINTR, -1) : 0; /* ECHILD: the call says so */
	for (;;) {
		if (children(&k) < 0)
			return 0;
		first_end(&k);
		if (!k.first) {
			if (k.n > 1)
				nd_log_uncontrolled("tree-order", "a wait for any child reaped one that ended without "
								  "leaving its time (killed by SIGKILL, or outside the "
								  "shim) while others ran: the kernel chose");
			return 0;
		}
		/* An interrupted look started again: a child is waiting to be
		 * reaped, so natively the call would not have been interrupted. */
		if (nd_member_until_as(k.vt, k.id, probe, &k) == 0)
			return k.first;
	}
}
