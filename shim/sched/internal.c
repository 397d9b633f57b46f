/*
 * Which descriptors only the tree can make ready (block.h): a pipe or FIFO,
 * an unnamed Unix socket (socketpair), an eventfd (only the threads and
 * processes that hold it can write it: libuv's async handles, the wake-ups
 * of thread pools), and an epoll set whose every descriptor is one of these
 * (libuv's loop, asyncio's selector). A timed wait on them is a timed event
 * of the tree; anything else (a named or network socket, a timerfd, a
 * signalfd, an inotify descriptor) may be made ready from outside, so its
 * timeout elapses in real time.
 *
 * An epoll set's descriptors are read from /proc/self/fdinfo, where the
 * kernel lists each one's number and inode as registered: a number closed
 * or reused since is not the registered file, so the inodes must match.
 */
#include "nodice.h"
#include "block.h"
#include "fmt.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define FDINFO_MAX 4096 /* larger sets (hundreds of descriptors) are not looked through */

static int unnamed_socket(int fd)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof(a);
	if (nd_sys(SYS_getsockname, fd, (long)&a, (long)&len, 0, 0, 0) < 0 || a.ss_family != AF_UNIX ||
	    len > sizeof(sa_family_t))
		return 0;
	len = sizeof(a);
	return nd_sys(SYS_getpeername, fd, (long)&a, (long)&len, 0, 0, 0) == 0 && len <= sizeof(sa_family_t);
}

/* What an anonymous inode is: "eventfd", "eventpoll", "timerfd"... in out. */
static int anon_kind(int fd, char *out, size_t size)
{
	char path[40], link[64];
	struct nd_buf b = ND_BUF(path);
	nd_fmt_str(&b, "/proc/self/fd/");
	nd_fmt_i64(&b, fd);
	long n = nd_sys(SYS_readlink, (long)path, (long)link, sizeof(link) - 1, 0, 0, 0);
	if (n < 12 || memcmp(link, "anon_inode:", 11) != 0)
		return 0;
	link[n] = 0;
	const char *k = link + 11;
	if (*k == '[')
		k++;
	size_t len = strcspn(k, "]");
	if (len >= size)
		return 0;
	memcpy(out, k, len);
	out[len] = 0;
	return 1;
}

static unsigned long hex(const char **p)
{
	unsigned long v = 0;
	for (;; (*p)++) {
		char c = **p;
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return v;
		v = v * 16 + (unsigned long)d;
	}
}

static int internal_at(int fd, int depth);

/* Every descriptor registered in the epoll set epfd is internal (and there
 * is at least one). */
static int epoll_internal(int epfd, int depth)
{
	char path[48], buf[FDINFO_MAX];
	struct nd_buf b = ND_BUF(path);
	nd_fmt_str(&b, "/proc/self/fdinfo/");
	nd_fmt_i64(&b, epfd);
	int f = (int)nd_sys(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (f < 0)
		return 0;
	long len = 0, r;
	while (len < (long)sizeof(buf) - 1 &&
	       (r = nd_sys(SYS_read, f, (long)(buf + len), (long)sizeof(buf) - 1 - len, 0, 0, 0)) > 0)
		len += r;
	nd_sys(SYS_close, f, 0, 0, 0, 0, 0);
	if (len <= 0 || len >= (long)sizeof(buf) - 1)
		return 0;
	buf[len] = 0;
	int any = 0;
	for (const char *p = buf; (p = strstr(p, "tfd:")) != NULL;) {
		p += 4;
		while (*p == ' ')
			p++;
		int tfd = 0;
		while (*p >= '0' && *p <= '9')
			tfd = tfd * 10 + (*p++ - '0');
		const char *ino = strstr(p, "ino:");
		const char *eol = strchr(p, '\n');
		if (!ino || (eol && ino > eol))
			return 0;
		ino += 4;
		unsigned long want = hex(&ino);
		struct stat st;
		if (nd_sys(SYS_fstat, tfd, (long)&st, 0, 0, 0, 0) < 0 || st.st_ino != want ||
		    !internal_at(tfd, depth + 1))
			return 0;
		any = 1;
	}
	return any;
}

static int internal_at(int fd, int depth)
{
	struct stat st;
	if (nd_sys(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) < 0)
		return 0;
	if (S_ISFIFO(st.st_mode))
		return 1;
	if (S_ISSOCK(st.st_mode))
		return unnamed_socket(fd);
	char kind[16];
	if ((st.st_mode & S_IFMT) != 0 || !anon_kind(fd, kind, sizeof(kind)))
		return 0;
	if (strcmp(kind, "eventfd") == 0)
		return 1;
	return depth == 0 && strcmp(kind, "eventpoll") == 0 && epoll_internal(fd, depth);
}

int nd_block_fd_internal(int fd)
{
	return internal_at(fd, 0);
}
