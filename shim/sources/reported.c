/*
 * Sources nodice passes through and reports: the identity of the process and
 * machine (pids, thread ids, host name, uname), which programs feed into seeds
 * and file names, and input from the network, whose content and timing come
 * from outside. Each call goes to libc unchanged and is counted as not
 * controlled, so `nodice inspect` can say where such values were read.
 * Virtualizing pids would break kill(getpid()) and /proc/<pid>; ids are
 * placed in a PID namespace instead (process/pids.c).
 *
 * Real-time interval timers (timerfd, and setitimer for the CPU clocks;
 * ITIMER_REAL, alarm and POSIX timers are virtual, itimer.c, ptimer.c) fire
 * after real time, so a signal handler or a timer event they drive lands at
 * a point of the program that depends on timing: passed and reported too.
 */
#include "nodice.h"
#include "itimer.h"
#include "scheduler.h"
#include "block.h"
#include "pids.h"
#include "carry.h"
#include "devices.h"
#include "listeners.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define PASS(sym, call)                       \
	do {                                  \
		if (!nd_passthrough())        \
			nd_log_passed(sym);   \
		return call;                  \
	} while (0)

/* What a receive gets from a socketpair carries its writers' counts
 * (process/carry.h); a peek takes nothing. */
static ssize_t received(int fd, int flags, ssize_t r)
{
	int e = errno;
	if (!(flags & MSG_PEEK))
		nd_carry_read(fd, r);
	errno = e;
	return r;
}

/* getpid(2), getppid(2), gettid(2): controlled where ids are placed in
 * nodice's PID namespace (process/pids.c), reported otherwise. */
#define IDENTITY(sym, call)                                   \
	do {                                                  \
		if (!nd_passthrough() && nd_pids_placed())    \
			nd_log_served(sym, 0);                \
		else if (!nd_passthrough())                   \
			nd_log_passed(sym);                   \
		return call;                                  \
	} while (0)

ND_EXPORT pid_t getpid(void)
{
	ND_ORDERED();
	IDENTITY(ND_SYM_getpid, nd_real.getpid());
}

ND_EXPORT pid_t getppid(void)
{
	ND_ORDERED();
	IDENTITY(ND_SYM_getppid, nd_real.getppid());
}

ND_EXPORT pid_t gettid(void)
{
	ND_ORDERED();
	IDENTITY(ND_SYM_gettid, nd_real.gettid());
}

/* socket(2), connect(2), accept(2), accept4(2). */
/* A new descriptor: what was learnt of its number's earlier file goes
 * (it may have closed inside glibc, unseen). */
static int fresh(int fd)
{
	nd_pipes_forget(fd);
	return fd;
}

ND_EXPORT int socket(int domain, int type, int protocol)
{
	ND_ORDERED();
	PASS(ND_SYM_socket, fresh(nd_real.socket(domain, type, protocol)));
}

/* A connection to a member's listener: a blocking read waits for its
 * answer (listeners.c). */
static int connected(int fd, const struct sockaddr *addr, socklen_t len, int r)
{
	if (r == 0)
		nd_convo_connected(fd, addr, len);
	return r;
}

/* A listener's name is the member's from its accepts (listeners.c). */
static int accepting(int fd)
{
	nd_listener_accepting(fd);
	return fd;
}

ND_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	ND_ORDERED();
	PASS(ND_SYM_connect, connected(fd, addr, len, ND_OUTSIDE(-1, 0, nd_real.connect(fd, addr, len))));
}

ND_EXPORT int accept(int fd, struct sockaddr *restrict addr, socklen_t *restrict len)
{
	ND_ORDERED();
	PASS(ND_SYM_accept, fresh(ND_OUTSIDE(accepting(fd), POLLIN, nd_real.accept(fd, addr, len))));
}

ND_EXPORT int accept4(int fd, struct sockaddr *restrict addr, socklen_t *restrict len, int flags)
{
	ND_ORDERED();
	PASS(ND_SYM_accept4, fresh(ND_OUTSIDE(accepting(fd), POLLIN, nd_real.accept4(fd, addr, len, flags))));
}

/* recv(2), recvfrom(2), recvmsg(2): what a socketpair's end receives
 * comes from the run, as a pipe's bytes do (and carries their counts), so
 * it is not network input: not reported, like a read of a pipe. */
#define RECEIVE(sym, fd, call)                                              \
	do {                                                                \
		if (!nd_passthrough() && !nd_pipes_paired(fd))              \
			nd_log_passed(sym);                                 \
		return call;                                                \
	} while (0)

/* How much a receive may take after a decided wait (carry.h). */
static size_t capped(int fd, int flags, size_t len)
{
	return flags & MSG_PEEK ? len : nd_carry_cap(fd, len);
}

ND_EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	ND_ORDERED();
	len = capped(fd, flags, len);
	RECEIVE(ND_SYM_recv, fd, received(fd, flags, ND_OUTSIDE(fd, POLLIN, nd_real.recv(fd, buf, len, flags))));
}

ND_EXPORT ssize_t recvfrom(int fd, void *restrict buf, size_t len, int flags,
			   struct sockaddr *restrict addr, socklen_t *restrict alen)
{
	ND_ORDERED();
	len = capped(fd, flags, len);
	RECEIVE(ND_SYM_recvfrom, fd,
		received(fd, flags, ND_OUTSIDE(fd, POLLIN, nd_real.recvfrom(fd, buf, len, flags, addr, alen))));
}

ND_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	ND_ORDERED();
	RECEIVE(ND_SYM_recvmsg, fd, received(fd, flags, ND_OUTSIDE(fd, POLLIN, nd_real.recvmsg(fd, msg, flags))));
}

/* timerfd_settime(2): real time (ITIMER_REAL, alarm and POSIX timers are
 * virtual: itimer.c, ptimer.c). */
ND_EXPORT int timerfd_settime(int fd, int flags, const struct itimerspec *v, struct itimerspec *old)
{
	ND_ORDERED();
	PASS(ND_SYM_timerfd_settime, nd_real.timerfd_settime(fd, flags, v, old));
}
