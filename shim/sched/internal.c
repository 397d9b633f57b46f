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
#include "epollset.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define EPOLL_LOOK 96 /* larger sets are not looked through (epollset.c reads 4 KiB) */

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

static int internal_at(int fd, int depth);

/* Every descriptor registered in the epoll set epfd is internal (and there
 * is at least one). */
static int epoll_internal(int epfd, int depth)
{
	struct nd_epoll_entry e[EPOLL_LOOK];
	int n = nd_epoll_entries(epfd, e, EPOLL_LOOK);
	for (int i = 0; i < n; i++)
		if (!internal_at(e[i].fd, depth + 1))
			return 0;
	return n > 0;
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
