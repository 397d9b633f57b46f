/*
 * Blocking calls and the scheduler. A scheduled thread that waits for the
 * outside world (a pipe, a socket, a child process, a signal, a file lock)
 * must not keep the turn, or a thread that would have answered it could
 * never run. Each call below first asks, without waiting, whether it would
 * block (a zero-timeout poll, WNOHANG, LOCK_NB). A descriptor wait that
 * would block while other threads can run waits in the scheduler, and every
 * write, send or close in the process wakes it to look again: an event one
 * thread makes for another (libuv's async handles, a self-pipe) arrives in
 * the turn order. Only when nothing else can run does the thread leave the
 * turn for the real wait, and it rejoins the order when the call returns:
 * where it rejoins follows real time, logged as "schedule-outside". read
 * (io.c), receive, accept, connect (reported.c), poll/select/epoll (poll.c,
 * select.c) and inline futex waits (dispatch.c) use the same helper. */
#include "nodice.h"
#include "vclock.h"
#include "tree.h"
#include "itimer.h"
#include "block.h"
#include "reap.h"
#include "members.h"
#include "outwait.h"
#include "signals.h"
#include "devices.h"
#include "carry.h"
#include "writers.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

int nd_block_until_ready(struct pollfd *fds, int n, int fd, uint64_t deadline)
{
	int kept_end = 0;
	uint64_t blocked_at = 0; /* blocked while others ran (treeread.c) */
	for (;;) {
		/* ready, or an error the call itself will report; ready pipes of
		 * the tree only when their writes come before the process's
		 * horizon (treeread.c) */
		nd_sched_renew();
		nd_sched_settle_ends(fds, n);
		long r = nd_sys(SYS_poll, (long)fds, n, 0, 0, 0, 0);
		int k = r < 0 || (r > 0 && nd_sched_visible(fds, n)) ? ND_KEEP_NOT : ND_KEEP_BLOCK;
		if (k == ND_KEEP_NOT && r > 0 && !kept_end++ && (k = nd_sched_keep_end(fds, n, deadline)) == ND_KEEP_AGAIN)
			continue; /* an end of file found at once, decided by the keeper */
		if (k != ND_KEEP_BLOCK)
			return k == ND_INTR ? ND_INTR : nd_sched_late_look(fds, n, r > 0 ? blocked_at : 0);
		int hidden = r > 0;
		if (hidden && nd_sched_catch_up())
			continue; /* its process's count has moved on: it may see more */
		if (fd >= 0) {
			long fl = nd_sys(SYS_fcntl, fd, F_GETFL, 0, 0, 0, 0);
			if (fl >= 0 && (fl & O_NONBLOCK))
				return ND_READY;
			fd = -1;
		}
		if (!nd_sched_others_runnable()) {
			/* waits for every waiter of the process in the tree's order */
			k = nd_sched_keep(fds, n, deadline);
			if (k == ND_KEEP_AGAIN)
				continue;
			if (k != ND_KEEP_NOT && k != ND_KEEP_BLOCK)
				return k;
			if (k == ND_KEEP_NOT) {
				if (hidden) /* a thread waits outside: the kernel's order, as before */
					return nd_sched_kernels_order(fds, n);
				nd_sched_note_outside();
				return nd_sched_leave() ? ND_LEFT : ND_READY;
			}
		} else if (!blocked_at) {
			blocked_at = nd_sched_blocking_at();
		}
		enum nd_woken w = nd_sched_block_fds(fds, n, deadline);
		if (w == ND_WOKEN_TIMEOUT)
			return ND_TIMED_OUT;
		if (w == ND_WOKEN_INTR)
			return ND_INTR;
	}
}

int nd_block_leave_for(int fd, short events)
{
	if (fd >= 0) {
		struct pollfd p = { fd, events, 0 };
		/* A handler that ran while it waited: the call is made outside,
		 * where the kernel restarts it or not (see docs/limits.md). */
		int how = nd_block_until_ready(&p, 1, fd, ND_NO_DEADLINE);
		if (how == ND_INTR)
			return nd_sched_leave();
		return how == ND_LEFT;
	}
	nd_sched_note_outside();
	return nd_sched_leave();
}

int nd_block_member_leave(void)
{
	if (nd_member_me < 0)
		return 0;
	nd_member_block();
	return 1;
}

int nd_block_member_leave_for(int fd, short events)
{
	if (nd_member_me < 0)
		return 0;
	if (fd >= 0 && __atomic_load_n(&nd_itimer_next, __ATOMIC_RELAXED) != ND_NO_DEADLINE &&
	    nd_block_fd_internal(fd) && nd_outwait_fd(fd, events) == ND_OUTWAIT_EINTR)
		return ND_LEAVE_EINTR;
	return nd_convo_block(fd, events); /* a read may wait for a member's answer */
}

void nd_block_rejoin(void)
{
	int e = errno;
	if (nd_sched_managed())
		nd_sched_rejoin();
	else
		nd_member_run();
	errno = e;
}

/* "Writable" promises room for PIPE_BUF bytes: a larger write to a pipe or
 * socket can still block half-way (its reader may be a thread of this
 * process waiting for the turn), so it is made outside. Regular files never
 * block. -1 tells ND_OUTSIDE to leave. */
static int write_fd(int fd, size_t len)
{
	struct stat st;
	if (len <= PIPE_BUF || !nd_sched_managed())
		return fd;
	if (nd_sys(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
		return fd;
	return -1;
}

static size_t iov_len(const struct iovec *iov, int cnt)
{
	size_t n = 0;
	for (int i = 0; i < cnt && iov; i++)
		n += iov[i].iov_len;
	return n;
}

/* write(2), writev(2), send(2), sendto(2), sendmsg(2). A write into a
 * channel another member holds waits for its turn first (writers.h). */
/* What one thread writes may be what another waits for: waiters look again. */
static ssize_t wrote(int fd, ssize_t r, int ordered)
{
	if (r > 0 && nd_sched_on)
		nd_sched_fd_event();
	if (r > 0)
		nd_pipes_wrote(fd, ordered);
	return r;
}

/* A pipe's bytes carry the writer's count to their reader (carry.h). */
static ssize_t carried(struct nd_carry p, int fd, ssize_t r, int ordered)
{
	nd_carry_wrote(p, r);
	wrote(fd, r, ordered);
	nd_writers_done(ordered);
	return r;
}

ND_EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	ND_ORDERED();
	int ord = nd_writers_turn(fd);
	struct nd_carry p = nd_carry_writing(fd);
	return carried(p, fd, ND_OUTSIDE(write_fd(fd, len), POLLOUT, nd_real.write(fd, buf, len)), ord);
}

ND_EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	ND_ORDERED();
	int ord = nd_writers_turn(fd);
	struct nd_carry p = nd_carry_writing(fd);
	return carried(p, fd, ND_OUTSIDE(write_fd(fd, iov_len(iov, cnt)), POLLOUT, nd_real.writev(fd, iov, cnt)), ord);
}

ND_EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	ND_ORDERED();
	int ord = nd_writers_turn(fd);
	struct nd_carry p = nd_carry_writing(fd);
	return carried(p, fd, ND_OUTSIDE(write_fd(fd, len), POLLOUT, nd_real.send(fd, buf, len, flags)), ord);
}

ND_EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags,
			 const struct sockaddr *addr, socklen_t alen)
{
	ND_ORDERED();
	int ord = nd_writers_turn(fd);
	struct nd_carry p = nd_carry_writing(fd);
	return carried(p, fd, ND_OUTSIDE(write_fd(fd, len), POLLOUT, nd_real.sendto(fd, buf, len, flags, addr, alen)), ord);
}

ND_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	ND_ORDERED();
	size_t n = msg ? iov_len(msg->msg_iov, (int)msg->msg_iovlen) : 0;
	int ord = nd_writers_turn(fd);
	struct nd_carry p = nd_carry_writing(fd);
	return carried(p, fd, ND_OUTSIDE(write_fd(fd, n), POLLOUT, nd_real.sendmsg(fd, msg, flags)), ord);
}

/* The wait family: a scheduled thread waits for member children in the
 * order (childwait.c); otherwise WNOHANG first, and the turn is left (1:
 * rejoin after the call) only if the wait would block. */
static int leave_for_child(idtype_t type, id_t id, int options, pid_t *chosen)
{
	siginfo_t si;
	si.si_pid = 0;
	*chosen = 0;
	if (options & WNOHANG)
		return 0;
	if (!nd_sched_managed()) {
		if (nd_member_me >= 0 && nd_outwait_child(type, id, options) == ND_OUTWAIT_EINTR)
			return ND_LEAVE_EINTR;
		return nd_block_member_leave();
	}
	/* an end the kernel already holds is waited for in the order too: which
	 * ended first in real time is a race (childwait.c) */
	int how = nd_sched_child_end((pid_t)id, type, options, chosen);
	if (how >= 0)
		return how;
	int exited = options & (WEXITED | WSTOPPED | WCONTINUED) ? options : options | WEXITED;
	if (nd_sys(SYS_waitid, type, id, (long)&si, exited | WNOHANG | WNOWAIT, 0, 0) < 0 || si.si_pid)
		return 0;
	return nd_block_leave_for(-1, 0);
}

static idtype_t id_type(pid_t pid, id_t *id)
{
	*id = pid < -1 ? (id_t)-pid : pid > 0 ? (id_t)pid : 0;
	return pid < -1 ? P_PGID : pid == 0 ? P_PGID : pid == -1 ? P_ALL : P_PID;
}

static int wait_options(int options)
{
	int o = WEXITED;
	if (options & WUNTRACED)
		o |= WSTOPPED;
	if (options & WCONTINUED)
		o |= WCONTINUED;
	return o | (options & (WNOHANG | __WALL | __WCLONE | __WNOTHREAD));
}

/* The child the tree's order reaps (reap.c): 0, the kernel's. */
static pid_t reap_first(idtype_t type, id_t id, int options)
{
	return options & WNOHANG ? nd_reap_nohang(type, id, options) : nd_reap_first(type, options);
}

ND_EXPORT pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	ND_ORDERED();
	id_t id;
	idtype_t t = id_type(pid, &id);
	pid_t chosen;
	int out = leave_for_child(t, id, wait_options(options), &chosen);
	pid_t first = out == ND_LEAVE_EINTR ? (errno = EINTR, -1) : chosen ? chosen : reap_first(t, id, wait_options(options));
	pid_t r = first == ND_REAP_NONE ? 0 : first < 0 ? -1 : nd_real.wait4(first ? first : pid, status, options, ru);
	if (first > 0 && (r == 0 || (r < 0 && errno == ECHILD))) /* not yet reapable; reaped by a handler meanwhile */
		r = nd_real.wait4(pid, status, options, ru);
	if (out)
		nd_block_rejoin();
	if (r > 0 && (status ? WIFEXITED(*status) || WIFSIGNALED(*status) : !(options & (WUNTRACED | WCONTINUED)))) {
		nd_member_join(nd_vclock_reaped(r) + 1);
		nd_member_reaped(r);
		nd_pipes_joined();
	}
	return r;
}

ND_EXPORT pid_t waitpid(pid_t pid, int *status, int options)
{
	ND_ORDERED();
	return wait4(pid, status, options, NULL);
}

ND_EXPORT pid_t wait(int *status)
{
	ND_ORDERED();
	return wait4(-1, status, 0, NULL);
}

ND_EXPORT pid_t wait3(int *status, int options, struct rusage *ru)
{
	ND_ORDERED();
	return wait4(-1, status, options, ru);
}

ND_EXPORT int waitid(idtype_t type, id_t id, siginfo_t *info, int options)
{
	ND_ORDERED();
	pid_t chosen;
	int out = leave_for_child(type, id, options, &chosen);
	pid_t first = out == ND_LEAVE_EINTR ? (errno = EINTR, -1) : chosen ? chosen : reap_first(type, id, options);
	if (first == ND_REAP_NONE && info) { /* as the kernel answers WNOHANG with none */
		info->si_signo = info->si_errno = info->si_code = 0;
		info->si_pid = 0;
		info->si_uid = 0;
		info->si_status = 0;
	}
	int r = first == ND_REAP_NONE ? 0
		: first < 0	   ? -1
		: first		   ? nd_real.waitid(P_PID, (id_t)first, info, options)
				   : nd_real.waitid(type, id, info, options);
	if (first > 0 && ((r == 0 && info && !info->si_pid) || (r < 0 && errno == ECHILD)))
		r = nd_real.waitid(type, id, info, options);
	if (out)
		nd_block_rejoin();
	if (r == 0 && info && !(options & WNOWAIT) && (info->si_code == CLD_EXITED || info->si_code == CLD_KILLED ||
						      info->si_code == CLD_DUMPED)) {
		nd_member_join(nd_vclock_reaped(info->si_pid) + 1);
		nd_member_reaped(info->si_pid);
		nd_pipes_joined();
	}
	return r;
}

/*
 * Waits for signals: outside the turn. When nothing else in the process can
 * run, the earliest virtual timer is the next thing that happens — once no
 * other process of the tree can act before it (members.c). Meanwhile the
 * wait is a real one in slices with the program's own mask, so a signal
 * from elsewhere ends it as it would (a child's SIGCHLD before the timer).
 * Then the clock jumps to the timer and it fires with every signal blocked,
 * so that the wait itself unblocks its signal (sigsuspend) or collects it
 * (sigwait): the handler runs inside the wait, as natively, never before.
 */
struct sig_probe {
	const sigset_t *mask; /* sigsuspend, pause: the mask to wait with */
	const sigset_t *set;  /* sigwait: the signals it collects */
};

static int probe_signals(void *arg, int ms)
{
	struct sig_probe *p = arg;
	struct timespec to = { 0, ms * 1000000L };
	if (p->mask)
		return nd_sys(SYS_ppoll, 0, 0, (long)&to, (long)p->mask, 8, 0) == -EINTR ? -EINTR : 0;
	sigset_t pending;
	if (nd_sys(SYS_rt_sigpending, (long)&pending, 8, 0, 0, 0, 0) == 0)
		for (int sig = 1; sig < NSIG; sig++)
			if (sigismember(p->set, sig) && sigismember(&pending, sig))
				return 1;
	nd_sys(SYS_nanosleep, (long)&to, 0, 0, 0, 0, 0);
	return 0;
}

/* 1: the timer fired with every signal blocked (*saved: the mask before);
 * 0: nothing to fire first; -EINTR: a handler ran while waiting for it. */
static int timer_first(uint64_t limit, long tid, struct sig_probe *p, sigset_t *saved)
{
	uint64_t d = __atomic_load_n(&nd_itimer_next, __ATOMIC_ACQUIRE);
	if (d == ND_NO_DEADLINE || d > limit || d > __atomic_load_n(&nd_sched_next_deadline, __ATOMIC_RELAXED) ||
	    nd_sched_others_runnable())
		return 0;
	int r = nd_member_until(d, probe_signals, p);
	if (r)
		return r < 0 ? r : 0;
	sigset_t all;
	nd_signals_all_unowned(&all);
	nd_sys(SYS_rt_sigprocmask, SIG_BLOCK, (long)&all, (long)saved, 8, 0, 0);
	nd_vclock_advance_to(d);
	nd_itimer_fire(d, tid);
	return 1;
}

static int suspend_then_restore(const sigset_t *mask, const sigset_t *saved)
{
	int r = nd_real.sigsuspend(mask);
	int e = errno;
	nd_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)saved, 0, 8, 0, 0);
	errno = e;
	return r;
}

static int suspend(const sigset_t *mask)
{
	sigset_t saved;
	struct sig_probe p = { mask, NULL };
	int r = timer_first(ND_NO_DEADLINE, nd_sys0(SYS_gettid), &p, &saved);
	if (r < 0)
		return errno = EINTR, -1;
	if (r)
		return suspend_then_restore(mask, &saved);
	return ND_OUTSIDE(-1, 0, nd_real.sigsuspend(mask));
}

ND_EXPORT int pause(void)
{
	ND_ORDERED();
	sigset_t cur;
	if (nd_passthrough() || nd_sys(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&cur, 8, 0, 0) < 0)
		return nd_real.pause();
	return suspend(&cur);
}

ND_EXPORT int sigsuspend(const sigset_t *mask)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.sigsuspend(mask);
	return suspend(mask);
}

/* sigwait and friends: a timer fired first is collected when its signal is
 * in their set. 1 when the call should be made at once. */
static int timer_for(const sigset_t *set, uint64_t limit)
{
	sigset_t saved;
	struct sig_probe p = { NULL, set };
	if (nd_passthrough() || !set || timer_first(limit, nd_sys0(SYS_gettid), &p, &saved) <= 0)
		return 0;
	nd_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&saved, 0, 8, 0, 0);
	return 1;
}

ND_EXPORT int sigwait(const sigset_t *restrict set, int *restrict sig)
{
	ND_ORDERED();
	if (timer_for(set, ND_NO_DEADLINE))
		return nd_real.sigwait(set, sig);
	return ND_OUTSIDE(-1, 0, nd_real.sigwait(set, sig));
}

ND_EXPORT int sigwaitinfo(const sigset_t *restrict set, siginfo_t *restrict info)
{
	ND_ORDERED();
	if (timer_for(set, ND_NO_DEADLINE))
		return nd_real.sigwaitinfo(set, info);
	return ND_OUTSIDE(-1, 0, nd_real.sigwaitinfo(set, info));
}

ND_EXPORT int sigtimedwait(const sigset_t *restrict set, siginfo_t *restrict info,
			   const struct timespec *restrict tmo)
{
	ND_ORDERED();
	uint64_t limit = tmo ? nd_vclock_now() + (uint64_t)tmo->tv_sec * ND_NS + (uint64_t)tmo->tv_nsec
			     : ND_NO_DEADLINE;
	if (tmo && (tmo->tv_sec < 0 || tmo->tv_nsec < 0 || tmo->tv_nsec >= ND_NS))
		return nd_real.sigtimedwait(set, info, tmo);
	if (timer_for(set, limit))
		return nd_real.sigtimedwait(set, info, tmo);
	return ND_OUTSIDE(-1, 0, nd_real.sigtimedwait(set, info, tmo));
}

/* Whether system call nr (futex operation b) may wait for long. */
static int may_wait(long nr, long b)
{
	switch (nr) {
	case SYS_futex:
		switch (b & FUTEX_CMD_MASK) {
		case FUTEX_WAIT: case FUTEX_WAIT_BITSET: case FUTEX_LOCK_PI:
		case FUTEX_WAIT_REQUEUE_PI: case 13 /* FUTEX_LOCK_PI2 */:
			return 1;
		}
		return 0;
	case SYS_read: case SYS_readv: case SYS_recvfrom: case SYS_recvmsg:
	case SYS_accept: case SYS_accept4:
	case SYS_write: case SYS_writev: case SYS_sendto: case SYS_sendmsg:
	case SYS_poll: case SYS_ppoll: case SYS_select: case SYS_pselect6:
	case SYS_epoll_wait: case SYS_epoll_pwait: case SYS_wait4: case SYS_waitid:
	case SYS_pause: case SYS_rt_sigsuspend: case SYS_rt_sigtimedwait: case SYS_flock:
	case SYS_connect: case 449 /* futex_waitv */:
		return 1;
	}
	return 0;
}

/* A system call made without libc (dispatch.c) or through syscall(2): leaves
 * the turn when it may block. Returns 1 when the caller must rejoin. */
int nd_block_leave_for_syscall(long nr, long a, long b)
{
	if (!may_wait(nr, b))
		return 0;
	if (!nd_sched_managed())
		return nd_block_member_leave();
	switch (nr) {
	case SYS_read: case SYS_readv: case SYS_recvfrom: case SYS_recvmsg:
	case SYS_accept: case SYS_accept4:
		return nd_block_leave_for((int)a, POLLIN);
	case SYS_write: case SYS_writev: case SYS_sendto: case SYS_sendmsg:
		return nd_block_leave_for((int)a, POLLOUT);
	}
	return nd_block_leave_for(-1, 0);
}
