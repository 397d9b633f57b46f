/*
 * The stat and utime families: file times as the tree should see them
 * (time/filetime.c). Each stat form is one raw system call (newfstatat or
 * statx, as glibc makes them on x86-64) and the fix-up of the times; each
 * utime form turns "now" (NULL, UTIME_NOW) into the virtual now, and
 * passes explicit times (tar extracting, touch -d) unchanged. fstat lives
 * with the descriptor family (io.c); fclose settles a written file.
 *
 * Not seen: programs that make these system calls themselves (a static
 * binary, Go): they read the real times.
 */
#include "nodice.h"
#include "filetime.h"
#include "knobs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <utime.h>

int __xstat(int ver, const char *path, struct stat *st);
int __xstat64(int ver, const char *path, struct stat64 *st);
int __lxstat(int ver, const char *path, struct stat *st);
int __lxstat64(int ver, const char *path, struct stat64 *st);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st, int flags);

static int at(int dirfd, const char *path, struct stat *st, int flags)
{
	if (__builtin_expect(path && path[0] == '/' && path[1] == '.', 0) && nd_knobs_reported(path)) {
		errno = ENOENT;
		return -1;
	}
	long r = nd_sys(SYS_newfstatat, dirfd, (long)path, (long)st, flags, 0, 0);
	if (r == 0)
		nd_filetime_fix(st, (flags & AT_EMPTY_PATH) && path && !*path ? dirfd : -1);
	return (int)nd_ret(r);
}

ND_EXPORT int stat(const char *path, struct stat *st)
{
	ND_ORDERED();
	return at(AT_FDCWD, path, st, 0);
}

ND_EXPORT int stat64(const char *path, struct stat64 *st)
{
	ND_ORDERED();
	return at(AT_FDCWD, path, (struct stat *)st, 0);
}

ND_EXPORT int lstat(const char *path, struct stat *st)
{
	ND_ORDERED();
	return at(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

ND_EXPORT int lstat64(const char *path, struct stat64 *st)
{
	ND_ORDERED();
	return at(AT_FDCWD, path, (struct stat *)st, AT_SYMLINK_NOFOLLOW);
}

ND_EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	ND_ORDERED();
	return at(dirfd, path, st, flags);
}

ND_EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	ND_ORDERED();
	return at(dirfd, path, (struct stat *)st, flags);
}

/* The ABI of programs built before glibc 2.33. */
#define VER_OK(ver) ((ver) == 0 || (ver) == 1) /* _STAT_VER_KERNEL, _STAT_VER_LINUX */

ND_EXPORT int __xstat(int ver, const char *path, struct stat *st)
{
	ND_ORDERED();
	return VER_OK(ver) ? at(AT_FDCWD, path, st, 0) : (int)nd_ret(-EINVAL);
}

ND_EXPORT int __xstat64(int ver, const char *path, struct stat64 *st)
{
	ND_ORDERED();
	return __xstat(ver, path, (struct stat *)st);
}

ND_EXPORT int __lxstat(int ver, const char *path, struct stat *st)
{
	ND_ORDERED();
	return VER_OK(ver) ? at(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW) : (int)nd_ret(-EINVAL);
}

ND_EXPORT int __lxstat64(int ver, const char *path, struct stat64 *st)
{
	ND_ORDERED();
	return __lxstat(ver, path, (struct stat *)st);
}

ND_EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags)
{
	ND_ORDERED();
	return VER_OK(ver) ? at(dirfd, path, st, flags) : (int)nd_ret(-EINVAL);
}

ND_EXPORT int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st, int flags)
{
	ND_ORDERED();
	return __fxstatat(ver, dirfd, path, (struct stat *)st, flags);
}

/* statx(2): the kernel is asked for the times the fix-up needs too. */
ND_EXPORT int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *stx)
{
	ND_ORDERED();
	long r = nd_sys(SYS_statx, dirfd, (long)path, flags, mask | STATX_MTIME | STATX_CTIME | STATX_TYPE | STATX_INO,
			(long)stx, 0);
	if (r == 0)
		nd_filetime_fix_statx(stx, !((flags & AT_EMPTY_PATH) && !*path) || nd_filetime_owned(dirfd));
	return (int)nd_ret(r);
}

/* The utime family, all through utimensat(2). */
static int set_times(int dirfd, const char *path, const struct timespec *given, int flags)
{
	struct timespec t[2];
	for (int i = 0; i < 2; i++) {
		t[i] = given ? given[i] : (struct timespec){ 0, UTIME_NOW };
		if (t[i].tv_nsec == UTIME_NOW && nd_ready() && !nd_exempt)
			t[i] = nd_filetime_now();
	}
	return (int)nd_ret(nd_sys(SYS_utimensat, dirfd, (long)path, (long)t, flags, 0, 0));
}

static const struct timespec *from_timevals(const struct timeval *tv, struct timespec *out)
{
	if (!tv)
		return NULL;
	for (int i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return out[0].tv_nsec = -1, out; /* EINVAL from the kernel */
		out[i] = (struct timespec){ tv[i].tv_sec, tv[i].tv_usec * 1000 };
	}
	return out;
}

ND_EXPORT int utimensat(int dirfd, const char *path, const struct timespec times[2], int flags)
{
	ND_ORDERED();
	return set_times(dirfd, path, times, flags);
}

ND_EXPORT int futimens(int fd, const struct timespec times[2])
{
	ND_ORDERED();
	return set_times(fd, NULL, times, 0);
}

ND_EXPORT int utimes(const char *path, const struct timeval tv[2])
{
	ND_ORDERED();
	struct timespec t[2];
	return set_times(AT_FDCWD, path, from_timevals(tv, t), 0);
}

ND_EXPORT int lutimes(const char *path, const struct timeval tv[2])
{
	ND_ORDERED();
	struct timespec t[2];
	return set_times(AT_FDCWD, path, from_timevals(tv, t), AT_SYMLINK_NOFOLLOW);
}

ND_EXPORT int futimes(int fd, const struct timeval tv[2])
{
	ND_ORDERED();
	struct timespec t[2];
	return set_times(fd, NULL, from_timevals(tv, t), 0);
}

ND_EXPORT int futimesat(int dirfd, const char *path, const struct timeval tv[2])
{
	ND_ORDERED();
	struct timespec t[2];
	return set_times(dirfd, path, from_timevals(tv, t), 0);
}

ND_EXPORT int utime(const char *path, const struct utimbuf *b)
{
	ND_ORDERED();
	if (!b)
		return set_times(AT_FDCWD, path, NULL, 0);
	struct timespec t[2] = { { b->actime, 0 }, { b->modtime, 0 } };
	return set_times(AT_FDCWD, path, t, 0);
}

/* chmod and chown, every form: a file written in the run and not settled
 * is settled first (filetime.c), then changed. */
ND_EXPORT int chmod(const char *path, mode_t mode)
{
	ND_ORDERED();
	nd_filetime_settle_path(AT_FDCWD, path, 0);
	return (int)nd_ret(nd_sys(SYS_fchmodat, AT_FDCWD, (long)path, mode, 0, 0, 0));
}

ND_EXPORT int fchmod(int fd, mode_t mode)
{
	ND_ORDERED();
	nd_filetime_settle_fd(fd);
	return (int)nd_ret(nd_sys(SYS_fchmod, fd, mode, 0, 0, 0, 0));
}

ND_EXPORT int fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	ND_ORDERED();
	nd_filetime_settle_path(dirfd, path, flags);
	return nd_real.fchmodat(dirfd, path, mode, flags);
}

ND_EXPORT int chown(const char *path, uid_t uid, gid_t gid)
{
	ND_ORDERED();
	nd_filetime_settle_path(AT_FDCWD, path, 0);
	return (int)nd_ret(nd_sys(SYS_fchownat, AT_FDCWD, (long)path, uid, gid, 0, 0));
}

ND_EXPORT int lchown(const char *path, uid_t uid, gid_t gid)
{
	ND_ORDERED();
	nd_filetime_settle_path(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW);
	return (int)nd_ret(nd_sys(SYS_fchownat, AT_FDCWD, (long)path, uid, gid, AT_SYMLINK_NOFOLLOW, 0));
}

ND_EXPORT int fchown(int fd, uid_t uid, gid_t gid)
{
	ND_ORDERED();
	nd_filetime_settle_fd(fd);
	return (int)nd_ret(nd_sys(SYS_fchown, fd, uid, gid, 0, 0, 0));
}

ND_EXPORT int fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags)
{
	ND_ORDERED();
	nd_filetime_settle_path(dirfd, path, flags);
	return (int)nd_ret(nd_sys(SYS_fchownat, dirfd, (long)path, uid, gid, flags, 0));
}

