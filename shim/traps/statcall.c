/*
 * The stat family as system calls: a program that issues them itself (an
 * inline `syscall` instruction trapped by dispatch, or libc's syscall()
 * function) reads the same file times as through the libc wrappers
 * (time/filetime.c). The kernel fills a buffer of ours; the times are fixed
 * and the result copied out, so a bad pointer gives EFAULT as from the
 * kernel.
 */
#include "nodice.h"
#include "dispatch.h"
#include "filetime.h"
#include "tree.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static long out(long r, struct stat *st, int fd, long user)
{
	if (r < 0)
		return r;
	nd_filetime_fix(st, fd);
	return nd_user_write(user, st, sizeof(*st));
}

/* An empty path with AT_EMPTY_PATH names the descriptor itself. */
static int names_descriptor(long path, long flags)
{
	char first = 1;
	return (flags & AT_EMPTY_PATH) && nd_user_read(&first, path, 1) == 0 && first == 0;
}

long nd_statcall_serve(long nr, long a, long b, long c, long d, long e)
{
	struct stat st;
	switch (nr) {
	case SYS_stat:
	case SYS_lstat:
		return out(nd_sys(SYS_newfstatat, AT_FDCWD, a, (long)&st, nr == SYS_lstat ? AT_SYMLINK_NOFOLLOW : 0, 0,
				  0),
			   &st, -1, b);
	case SYS_fstat:
		if (nd_tree_fd_is((int)a))
			return -EBADF;
		return out(nd_sys(SYS_fstat, a, (long)&st, 0, 0, 0, 0), &st, (int)a, b);
	case SYS_newfstatat:
		return out(nd_sys(SYS_newfstatat, a, b, (long)&st, d, 0, 0), &st, names_descriptor(b, d) ? (int)a : -1,
			   c);
	case SYS_statx: {
		struct statx sx;
		long r = nd_sys(SYS_statx, a, b, c, d | STATX_MTIME | STATX_CTIME | STATX_TYPE | STATX_INO, (long)&sx, 0);
		if (r < 0)
			return r;
		int by_fd = names_descriptor(b, c);
		nd_filetime_fix_statx(&sx, !by_fd || nd_filetime_owned((int)a));
		return nd_user_write(e, &sx, sizeof(sx));
	}
	}
	return -ENOSYS;
}
