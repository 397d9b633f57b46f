/*
 * fork(2) and kill(2) as events of the tree (members.c).
 *
 * fork claims the child's member slot before the child exists, at the
 * parent's time, so the child is in the order of timed events from its
 * first instant: a parent's timeout cannot pass a child that has not yet
 * reached its first wait. The child takes the slot in the fork hook
 * (init.c); a failed fork gives it back.
 *
 * kill stamps the receiver's slot with the sender's time before the signal
 * leaves: a wait the signal interrupts ends no earlier than it was sent.
 */
#include "nodice.h"
#include "block.h"
#include "members.h"
#include "fork.h"
#include "pids.h"
#include "writers.h"

#include <signal.h>
#include <unistd.h>

ND_TLS int nd_fork_member = -1;

ND_EXPORT pid_t fork(void)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.fork();
	nd_log_served(ND_SYM_fork, 0);
	int k = nd_member_claim_child(0);
	nd_writers_spawning(k);
	nd_fork_member = k;
	nd_sched_ordered_before_fork();
	uint32_t token = nd_pids_token();
	int target = k >= 0 ? nd_pids_before(nd_member_id(k), token) : 0;
	pid_t r = nd_real.fork();
	if (r == 0)
		return 0;
	nd_pids_after(token, target, r);
	nd_fork_member = -1;
	if (r < 0)
		nd_member_unclaim(k);
	else
		nd_member_started(k, r);
	if (r > 0)
		nd_sched_child_started();
	return r;
}

void nd_fork_child_member(void)
{
	nd_member_become(nd_fork_member);
	nd_fork_member = -1;
}

ND_EXPORT int kill(pid_t pid, int sig)
{
	ND_ORDERED();
	if (!nd_passthrough() && sig && pid > 0)
		nd_member_signalled(pid);
	else if (!nd_passthrough() && sig)
		nd_member_group_signalled();
	return nd_real.kill(pid, sig);
}

/* killpg(3): glibc's calls kill without the PLT. */
ND_EXPORT int killpg(pid_t pgrp, int sig)
{
	ND_ORDERED();
	if (!nd_passthrough() && sig)
		nd_member_group_signalled();
	return nd_real.killpg(pgrp, sig);
}
