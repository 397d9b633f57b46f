/*
 * A scheduled thread's blocking wait for children of the tree (waitpid,
 * wait, waitid): asyncio's child watcher thread, `subprocess` in a thread
 * pool, os.wait() in a program with a thread. A child's end is a write of
 * the tree (process/childend.c): the thread waits on a pidfd for it as a
 * descriptor waiter (block.c, treeread.c), so the wait ends at its
 * process's turn past the count the child ended at, and the process's other
 * threads' waits on pipes stay in the tree's order meanwhile (a thread
 * outside would send them to the kernel's). A wait for any child waits on
 * every child's pidfd at once and reaps the end that comes first in
 * virtual time among those it sees (a race of real time when the thread
 * left its turn for the kernel's wait: os.wait() on four children gave four
 * orders in five runs); a child another thread starts meanwhile makes it
 * look again; a wait for a process group, on the children in it. Waits for
 * stopped or continued children, for more than ANY children, for a child
 * that is not a member, and a second concurrent wait for any child keep
 * the old way.
 */
#include "nodice.h"
#include "block.h"
#include "childend.h"
#include "deliver.h"
#include "members.h"
#include "reap.h"
#include "vclock.h"

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define ANY (ND_DELIVER_FDS - 1) /* children a wait for any child waits on in the order (31), with the eventfd */

/* A scheduled thread's wait for child pid, in the tree's order: 0 when it
 * can be reaped now (or the call answers ECHILD at once), 1 when the turn
 * was left for the call, -1 to make the call as before. */
static int one_end(pid_t pid, int options)
{
	int fd = nd_childend_open(pid);
	if (fd < 0)
		return -1;
	struct pollfd p = { fd, POLLIN, 0 };
	int how = nd_block_until_ready(&p, 1, -1, ND_NO_DEADLINE);
	nd_childend_close(fd);
	if (how == ND_LEFT)
		return 1;
	if (how == ND_INTR) /* the call is made outside, where the kernel restarts it or not */
		return nd_sched_leave();
	return nd_reap_ended(pid, options) ? 0 : -1; /* reapable now (or ECHILD at once), else the old way */
}

/* Among the ends the look saw, the first in virtual time, as a process
 * without threads reaps (process/reap.c); then by the count its mark
 * carries; an end that left neither (a child killed by SIGKILL: the
 * kernel's order) only if none did. Until 2026-12-07 by count alone: a
 * child that a thread forked late ends early in time but at a higher count
 * than the children forked before it, so whether it was reaped before a
 * sibling that woke from a sleep just after it depended on whether the
 * sibling's end had reached the look too (1 run in 75 of child_waits.py
 * any, under load). */
static int first_seen(const struct pollfd *p, const int32_t *pid, int n)
{
	int best = -1, kind = 0; /* 2: by time, 1: by count */
	uint64_t bt = 0, bid = 0;
	for (int i = 0; i < n; i++) {
		uint64_t t, id;
		if (!p[i].revents)
			continue;
		int k = nd_vclock_ended(pid[i], &t, &id) ? 2 : nd_childend_end_of(p[i].fd, &t, &id) ? 1 : 0;
		if (best < 0 || k > kind || (k == kind && k && nd_member_before(t, id, bt, bid))) {
			best = i;
			kind = k;
			bt = t;
			bid = id;
		}
	}
	return best;
}

/* The children in process group `group` (its id as getpgid answers here:
 * 0 for a group whose leader is outside the run's pid namespace). */
static int in_group(int32_t *pid, int n, long group)
{
	int k = 0;
	for (int i = 0; i < n; i++)
		if (nd_sys(SYS_getpgid, pid[i], 0, 0, 0, 0, 0) == group)
			pid[k++] = pid[i];
	return k;
}

/* group -1: any child */
static int any_end(long group, int options, pid_t *chosen)
{
	for (;;) {
		int32_t pid[ANY];
		struct pollfd p[ANY + 1];
		int n = nd_reap_children(pid, ANY), k = 0;
		if (n > 0 && group >= 0)
			n = in_group(pid, n, group);
		if (n < 1)
			return -1; /* none: the kernel says ECHILD */
		while (k < n && (p[k].fd = nd_childend_open(pid[k])) >= 0) {
			p[k].events = POLLIN;
			p[k++].revents = 0;
		}
		int s = k == n ? nd_childend_started_open() : -1;
		p[n] = (struct pollfd){ s, POLLIN, 0 };
		int how = s >= 0 ? nd_block_until_ready(p, n + 1, -1, ND_NO_DEADLINE) : -1;
		/* a child seen ending has settled its group: one that left it
		 * since the list was made is not this wait's */
		int left = 0;
		for (int j = 0; group >= 0 && how == ND_READY && j < n; j++)
			if (p[j].revents && nd_sys(SYS_getpgid, pid[j], 0, 0, 0, 0, 0) != group) {
				p[j].revents = 0;
				left = 1;
			}
		int i = how == ND_READY && !p[n].revents ? first_seen(p, pid, n) : -1;
		while (k--)
			nd_childend_close(p[k].fd);
		if (s >= 0)
			nd_childend_started_close(s);
		if (how == ND_LEFT)
			return 1;
		if (how == ND_INTR)
			return nd_sched_leave();
		if (how != ND_READY || (i < 0 && !p[n].revents && !left))
			return -1;
		if (i >= 0 && nd_reap_ended(pid[i], options) == 1) {
			*chosen = pid[i];
			return 0;
		}
		/* a child started meanwhile, or the one seen was reaped by
		 * another thread: look at the children again */
	}
}

int nd_sched_child_end(pid_t pid, idtype_t type, int options, pid_t *chosen)
{
	if (options & (WSTOPPED | WCONTINUED | __WCLONE | __WALL))
		return -1;
	if (type == P_PID)
		return one_end(pid, options);
	if (type == P_ALL)
		return any_end(-1, options, chosen);
	if (type != P_PGID)
		return -1;
	long group = pid ? pid : nd_sys(SYS_getpgid, 0, 0, 0, 0, 0, 0); /* waitpid(0): the caller's */
	return group >= 0 ? any_end(group, options, chosen) : -1;
}

void nd_sched_child_started(void)
{
	if (nd_childend_started() && nd_sched_on)
		nd_sched_fd_event();
}
