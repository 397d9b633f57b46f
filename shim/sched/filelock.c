/*
 * File locks and the scheduler: flock(2) and lockf(3) (fcntl's F_SETLKW is
 * io.c's). A blocking lock first tries without waiting (LOCK_NB,
 * F_TLOCK); found taken, it waits outside the turn like any blocking call
 * (block.c), and a process without scheduled threads is published blocked
 * for the tree meanwhile. Which of several waiters takes the lock first
 * follows real time: reported as tree-order.
 */
#include "nodice.h"
#include "block.h"
#include "members.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

void nd_block_lock_contended(void)
{
	if (nd_member_me >= 0)
		nd_log_uncontrolled("tree-order", "a process waited for a file lock (flock, fcntl, lockf) another "
						  "holder had: which of several takes it first follows real time");
}

/* Whether a blocking lock call waits for the scheduler or the tree (a
 * process of the run without scheduled threads is blocked for the others
 * while it waits: `flock f -c 'sleep 1'` beside `flock f -c true`). */
static int lock_waits_here(void)
{
	return nd_sched_managed() || nd_member_me >= 0;
}

/* flock(2): LOCK_NB first. */
ND_EXPORT int flock(int fd, int op)
{
	ND_ORDERED();
	if (!lock_waits_here() || (op & LOCK_NB) || (op & LOCK_UN))
		return nd_real.flock(fd, op);
	int e = errno;
	if (nd_real.flock(fd, op | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return -1;
	errno = e;
	nd_block_lock_contended();
	return ND_OUTSIDE(-1, 0, nd_real.flock(fd, op));
}

/* lockf(3): F_TLOCK first (glibc's lockf reaches fcntl inside libc). */
static int lockf_either(int fd, int cmd, off64_t len, int wide)
{
	if (!lock_waits_here() || cmd != F_LOCK)
		return wide ? nd_real.lockf64(fd, cmd, len) : nd_real.lockf(fd, cmd, (off_t)len);
	int e = errno;
	if ((wide ? nd_real.lockf64(fd, F_TLOCK, len) : nd_real.lockf(fd, F_TLOCK, (off_t)len)) == 0)
		return 0;
	if (errno != EAGAIN && errno != EACCES)
		return -1;
	errno = e;
	nd_block_lock_contended();
	return ND_OUTSIDE(-1, 0, wide ? nd_real.lockf64(fd, cmd, len) : nd_real.lockf(fd, cmd, (off_t)len));
}

ND_EXPORT int lockf(int fd, int cmd, off_t len)
{
	ND_ORDERED();
	return lockf_either(fd, cmd, len, 0);
}

ND_EXPORT int lockf64(int fd, int cmd, off64_t len)
{
	ND_ORDERED();
	return lockf_either(fd, cmd, len, 1);
}
