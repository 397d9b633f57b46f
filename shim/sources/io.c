/*
 * The descriptor-level interposers around the virtual devices (devices.c):
 * the open family marks, the read family serves, and close/dup/fcntl/lseek
 * keep the marks true. Every one checks readiness first (its real function is
 * only known after start-up), then costs one byte load for an unmarked fd.
 *
 * Deviation: openat matches absolute paths only; a device opened relative to
 * a directory descriptor is read from the kernel and counted as passed.
 */
#include "nodice.h"
#include "filelock.h"
#include "devices.h"
#include "memfile.h"
#include "tree.h"
#include "block.h"
#include "filetime.h"
#include "carry.h"
#include "members.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

extern void __chk_fail(void) __attribute__((noreturn));
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen);
ssize_t __pread_chk(int fd, void *buf, size_t len, off_t off, size_t buflen);
ssize_t __pread64_chk(int fd, void *buf, size_t len, off_t off, size_t buflen);

#define MODE_ARG(flags, mode)                                             \
	do {                                                              \
		if ((flags) & (O_CREAT | __O_TMPFILE)) {                  \
			va_list ap;                                       \
			va_start(ap, flags);                              \
			mode = (mode_t)va_arg(ap, int);                   \
			va_end(ap);                                       \
		}                                                         \
	} while (0)

static int opened(const char *path, int flags, mode_t mode)
{
	int fd;
	if (nd_ready() && !nd_exempt && nd_virtual_file_open(path, flags, &fd))
		return (int)nd_ret(fd);
	fd = nd_real.open(path, flags, mode);
	nd_pipes_opened(fd, flags);
	nd_filetime_opened(fd, flags);
	return nd_device_adopt(fd, nd_device_match(path), flags);
}

static int opened_at(int dirfd, const char *path, int flags, mode_t mode)
{
	int fd;
	if (nd_ready() && !nd_exempt && nd_virtual_file_open(path, flags, &fd))
		return (int)nd_ret(fd);
	fd = nd_real.openat(dirfd, path, flags, mode);
	nd_pipes_opened(fd, flags);
	nd_filetime_opened(fd, flags);
	return nd_device_adopt(fd, nd_device_match(path), flags);
}

/* open(2). */
ND_EXPORT int open(const char *path, int flags, ...)
{
	ND_ORDERED();
	mode_t mode = 0;
	MODE_ARG(flags, mode);
	return opened(path, flags, mode);
}

/* open64(2): the same call on LP64. */
ND_EXPORT int open64(const char *path, int flags, ...)
{
	ND_ORDERED();
	mode_t mode = 0;
	MODE_ARG(flags, mode);
	return opened(path, flags, mode);
}

/* openat(2). */
ND_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	ND_ORDERED();
	mode_t mode = 0;
	MODE_ARG(flags, mode);
	return opened_at(dirfd, path, flags, mode);
}

/* openat64(2). */
ND_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	ND_ORDERED();
	mode_t mode = 0;
	MODE_ARG(flags, mode);
	return opened_at(dirfd, path, flags, mode);
}

/* The _FORTIFY_SOURCE entry points: open without a mode. */
ND_EXPORT int __open_2(const char *path, int flags)
{
	ND_ORDERED();
	return opened(path, flags, 0);
}

ND_EXPORT int __open64_2(const char *path, int flags)
{
	ND_ORDERED();
	return opened(path, flags, 0);
}

ND_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	ND_ORDERED();
	return opened_at(dirfd, path, flags, 0);
}

ND_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	ND_ORDERED();
	return opened_at(dirfd, path, flags, 0);
}

/* What a read gets from a pipe carries its writers' counts, and its end
 * of file the time of its last close (carry.h). */
static ssize_t carried(int fd, ssize_t r, size_t len)
{
	int e = errno;
	nd_carry_read(fd, r);
	if (r == 0 && len)
		nd_carry_eof(fd);
	errno = e;
	return r;
}

/* read(2). */
ND_EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	ND_ORDERED();
	if (nd_ready() && nd_device_fd(fd))
		return nd_ret(nd_device_read(fd, buf, len, -1));
	if (!nd_sched_managed())
		nd_carry_await(fd); /* a scheduled thread would spin on its process's turn */
	len = nd_carry_cap(fd, len);
	return carried(fd, ND_OUTSIDE(fd, POLLIN, nd_real.read(fd, buf, len)), len);
}

/* __read_chk: read(2) under _FORTIFY_SOURCE. */
ND_EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	ND_ORDERED();
	if (len > buflen)
		__chk_fail();
	return read(fd, buf, len);
}

/* pread(2). */
ND_EXPORT ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	ND_ORDERED();
	if (nd_ready() && nd_device_fd(fd)) {
		if (off < 0)
			return nd_ret(-EINVAL);
		return nd_ret(nd_device_read(fd, buf, len, off));
	}
	return nd_real.pread(fd, buf, len, off);
}

ND_EXPORT ssize_t pread64(int fd, void *buf, size_t len, off_t off)
{
	ND_ORDERED();
	return pread(fd, buf, len, off);
}

ND_EXPORT ssize_t __pread_chk(int fd, void *buf, size_t len, off_t off, size_t buflen)
{
	ND_ORDERED();
	if (len > buflen)
		__chk_fail();
	return pread(fd, buf, len, off);
}

ND_EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t len, off_t off, size_t buflen)
{
	ND_ORDERED();
	return __pread_chk(fd, buf, len, off, buflen);
}

static ssize_t device_readv(int fd, const struct iovec *iov, int cnt, off_t off)
{
	if (cnt < 0 || cnt > IOV_MAX)
		return -EINVAL;
	ssize_t total = 0;
	for (int i = 0; i < cnt; i++) {
		ssize_t n = nd_device_read(fd, iov[i].iov_base, iov[i].iov_len,
					   off < 0 ? -1 : off + total);
		if (n < 0)
			return total ? total : n;
		total += n;
		if ((size_t)n < iov[i].iov_len)
			break;
	}
	return total;
}

/* readv(2). */
ND_EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	ND_ORDERED();
	if (nd_ready() && nd_device_fd(fd))
		return nd_ret(device_readv(fd, iov, cnt, -1));
	return carried(fd, ND_OUTSIDE(fd, POLLIN, nd_real.readv(fd, iov, cnt)), cnt > 0);
}

/* preadv2(2): offset -1 means the current position, as in the kernel. */
ND_EXPORT ssize_t preadv2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	ND_ORDERED();
	if (nd_ready() && nd_device_fd(fd))
		return nd_ret(device_readv(fd, iov, cnt, off));
	return nd_real.preadv2(fd, iov, cnt, off, flags);
}

ND_EXPORT ssize_t preadv64v2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	ND_ORDERED();
	return preadv2(fd, iov, cnt, off, flags);
}

/* preadv(2). */
ND_EXPORT ssize_t preadv(int fd, const struct iovec *iov, int cnt, off_t off)
{
	ND_ORDERED();
	if (off < 0 && nd_ready() && nd_device_fd(fd))
		return nd_ret(-EINVAL);
	return preadv2(fd, iov, cnt, off, 0);
}

ND_EXPORT ssize_t preadv64(int fd, const struct iovec *iov, int cnt, off_t off)
{
	ND_ORDERED();
	return preadv(fd, iov, cnt, off);
}

/* lseek(2). */
ND_EXPORT off_t lseek(int fd, off_t off, int whence)
{
	ND_ORDERED();
	if (nd_ready() && nd_device_fd(fd)) {
		nd_real.lseek(fd, off, whence);
		return (off_t)nd_ret(nd_device_seek(fd, off, whence));
	}
	return nd_real.lseek(fd, off, whence);
}

ND_EXPORT off_t lseek64(int fd, off_t off, int whence)
{
	ND_ORDERED();
	return lseek(fd, off, whence);
}

/* close(2). The tree's descriptor (tree.h) stays open; the program is told
 * it closed, as it would be for any descriptor it owns. */
ND_EXPORT int close(int fd)
{
	ND_ORDERED();
	nd_ready();
	if (nd_tree_fd_is(fd))
		return 0;
	nd_carry_closing(fd);
	nd_device_forget(fd);
	nd_filetime_closing(fd);
	int r = nd_filelock_close(fd, nd_real.close);
	if (r == 0 && nd_sched_on)
		nd_sched_fd_event(); /* a reader of the other end sees end of file */
	return r;
}

/* fstat(2), and __fxstat, the ABI of programs built before glibc 2.33. The
 * tree's descriptor is not the program's: it answers as a closed one does
 * (a program listing its descriptors, as CPython's subprocess tests do, finds
 * only its own). Everything else is the kernel's fstat, made directly. */
static int stat_fd(int fd, struct stat *st)
{
	if (nd_tree_fd_is(fd) && nd_ready())
		return (int)nd_ret(-EBADF);
	long r = nd_sys(SYS_fstat, fd, (long)st, 0, 0, 0, 0);
	if (r == 0)
		nd_filetime_fix(st, fd);
	return (int)nd_ret(r);
}

ND_EXPORT int fstat(int fd, struct stat *st)
{
	ND_ORDERED();
	return stat_fd(fd, st);
}

ND_EXPORT int fstat64(int fd, struct stat64 *st)
{
	ND_ORDERED();
	return stat_fd(fd, (struct stat *)st);
}

/* glibc 2.33 stopped declaring them; they are still exported. */
int __fxstat(int ver, int fd, struct stat *st);
int __fxstat64(int ver, int fd, struct stat64 *st);

ND_EXPORT int __fxstat(int ver, int fd, struct stat *st)
{
	ND_ORDERED();
	if (ver != 0 && ver != 1) /* _STAT_VER_KERNEL, _STAT_VER_LINUX */
		return (int)nd_ret(-EINVAL);
	return stat_fd(fd, st);
}

ND_EXPORT int __fxstat64(int ver, int fd, struct stat64 *st)
{
	ND_ORDERED();
	return __fxstat(ver, fd, (struct stat *)st);
}

/* close_range(2) on both sides of the tree's descriptor. */
static int close_range_around_tree(unsigned first, unsigned last, int flags)
{
	unsigned t = (unsigned)nd_tree_fd;
	if (nd_tree_fd < 0 || first > last || t < first || t > last)
		return nd_real.close_range(first, last, flags);
	int r = t > first ? nd_real.close_range(first, t - 1, flags) : 0;
	if (r == 0 && t < last)
		r = nd_real.close_range(t + 1, last, flags);
	return r;
}

/* close_range(2): CLOSE_RANGE_CLOEXEC leaves the descriptors open. */
ND_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	ND_ORDERED();
	nd_ready();
	if (!(flags & CLOSE_RANGE_CLOEXEC))
		nd_carry_closing_range(first, last);
	int r = close_range_around_tree(first, last, flags);
	if (r == 0 && !(flags & CLOSE_RANGE_CLOEXEC))
		for (unsigned fd = first; fd <= last && fd < ND_FD_MAX; fd++)
			nd_device_forget((int)fd);
	return r;
}

/* closefrom(3). */
ND_EXPORT void closefrom(int low)
{
	ND_ORDERED();
	nd_ready();
	nd_carry_closing_range(low < 0 ? 0 : (unsigned)low, ~0u);
	for (int fd = low < 0 ? 0 : low; fd < ND_FD_MAX; fd++)
		nd_device_forget(fd);
	if (nd_tree_fd >= (low < 0 ? 0 : low))
		close_range_around_tree((unsigned)(low < 0 ? 0 : low), ~0U, 0);
	else
		nd_real.closefrom(low);
}

/* pipe(2), pipe2(2), socketpair(2): made with the system call itself. A
 * new descriptor's number may have been closed inside glibc (fclose,
 * closedir), where the shim did not see it forget what it had learnt of the
 * earlier file: a pipe made on it then carried no time (carry.c). */
static int made_two(long r, const int fds[2])
{
	if (r == 0) {
		nd_pipes_forget(fds[0]);
		nd_pipes_forget(fds[1]);
	}
	return (int)nd_ret(r);
}

ND_EXPORT int pipe(int fds[2])
{
	ND_ORDERED();
	return made_two(nd_sys(SYS_pipe2, (long)fds, 0, 0, 0, 0, 0), fds);
}

ND_EXPORT int pipe2(int fds[2], int flags)
{
	ND_ORDERED();
	return made_two(nd_sys(SYS_pipe2, (long)fds, flags, 0, 0, 0, 0), fds);
}

ND_EXPORT int socketpair(int domain, int type, int protocol, int fds[2])
{
	ND_ORDERED();
	return made_two(nd_sys(SYS_socketpair, domain, type, protocol, (long)fds, 0, 0), fds);
}

/* dup(2). */
ND_EXPORT int dup(int fd)
{
	ND_ORDERED();
	nd_ready();
	int r = nd_real.dup(fd);
	if (r >= 0) {
		nd_device_copy(fd, r);
		nd_filetime_copy(fd, r);
	}
	return r;
}

/* dup2(2). */
ND_EXPORT int dup2(int fd, int to)
{
	ND_ORDERED();
	nd_ready();
	if (fd != to && nd_tree_fd_is(to))
		nd_tree_fd_move();
	if (fd != to) {
		nd_filetime_closing(to); /* dup2 closes it */
		nd_filelock_replaced(to);
	}
	int r = nd_real.dup2(fd, to);
	if (r >= 0 && fd != to) {
		nd_device_copy(fd, r);
		nd_filetime_copy(fd, r);
	}
	return r;
}

/* dup3(2). */
ND_EXPORT int dup3(int fd, int to, int flags)
{
	ND_ORDERED();
	nd_ready();
	if (fd != to && nd_tree_fd_is(to))
		nd_tree_fd_move();
	if (fd != to) {
		nd_filetime_closing(to); /* dup3 closes it */
		nd_filelock_replaced(to);
	}
	int r = nd_real.dup3(fd, to, flags);
	if (r >= 0) {
		nd_device_copy(fd, r);
		nd_filetime_copy(fd, r);
	}
	return r;
}

static int fcntl_common(int fd, int cmd, void *arg)
{
	nd_ready();
	int r;
	if ((r = nd_filelock_fcntl(fd, cmd, arg)) != -2)
		return r; /* a lock or a release at the tree's turn */
	if ((cmd == F_SETLKW || cmd == F_OFD_SETLKW) && (nd_sched_managed() || nd_member_me >= 0)) {
		/* A file lock the tree does not order: try first, then wait
		 * outside (a process of the run is blocked for the others). */
		int e = errno;
		if ((r = nd_real.fcntl(fd, cmd == F_SETLKW ? F_SETLK : F_OFD_SETLK, arg)) == 0 ||
		    (errno != EAGAIN && errno != EACCES))
			return r;
		errno = e;
		nd_block_lock_contended();
		return ND_OUTSIDE(-1, 0, nd_real.fcntl(fd, cmd, arg));
	}
	if (nd_tree_fd_is(fd))
		return (int)nd_ret(-EBADF); /* not the program's: as a closed one */
	r = nd_real.fcntl(fd, cmd, arg);
	if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		nd_device_copy(fd, r);
	return r;
}

/* fcntl(2). */
ND_EXPORT int fcntl(int fd, int cmd, ...)
{
	ND_ORDERED();
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_common(fd, cmd, arg);
}

ND_EXPORT int fcntl64(int fd, int cmd, ...)
{
	ND_ORDERED();
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_common(fd, cmd, arg);
}
