/*
 * A scheduled thread's blocking wait for one child of the tree (waitpid,
 * waitid P_PID): asyncio's child watcher thread, `subprocess` in a thread
 * pool. The child's end is a write of the tree (process/childend.c): the
 * thread waits on a pidfd for it as a descriptor waiter (block.c,
 * treeread.c), so the wait ends at its process's turn past the count the
 * child ended at, and the process's other threads' waits on pipes stay in
 * the tree's order meanwhile (a thread outside would send them to the
 * kernel's). Waits for stopped or continued children, for any child or a
 * group, and for a child that is not a member keep the old way.
 */
#include "nodice.h"
#include "block.h"
#include "childend.h"

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>

int nd_sched_child_end(pid_t pid, idtype_t type, int options)
{
	if (type != P_PID || (options & (WSTOPPED | WCONTINUED)))
		return -1;
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
	siginfo_t si;
	si.si_pid = 0;
	long r = nd_sys(SYS_waitid, P_PID, pid, (long)&si, (options | WEXITED) | WNOHANG | WNOWAIT, 0, 0);
	return r < 0 || si.si_pid ? 0 : -1; /* reapable now, else the old way */
}
