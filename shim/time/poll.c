/*
 * poll, ppoll, epoll_wait and epoll_pwait. With no descriptor they are
 * sleeps (sleep.c). A wait on pipes of the tree alone, by a process without
 * scheduled threads, is decided by the counts their writes carry
 * (process/deliver.c; an epoll set's: epolldeliver.c).
 *
 * With descriptors, the wait is real — the program is waiting for the outside
 * world — and the call is counted as passed through; if it times out, the
 * virtual clock moves by the timeout, so event loops that compute timeouts from
 * the virtual clock see their deadline arrive instead of spinning or hanging.
 * A wait on descriptors only the tree can make ready (block.h) is the tree's:
 * its timeout is virtual.
 */
#include "nodice.h"
#include "carry.h"
#include "vclock.h"
#include "sleep.h"
#include "block.h"
#include "members.h"
#include "scheduler.h"
#include "deliver.h"
#include "epolldeliver.h"
#include "epollset.h"
#include "pollas.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>

static int no_fds(const struct pollfd *fds, nfds_t n)
{
	for (nfds_t i = 0; i < n; i++)
		if (fds[i].fd >= 0)
			return 0;
	return 1;
}

/* A wait on descriptors with a timeout, in the tree's order (members.c):
 * the real wait in slices, until a descriptor is ready (ND_READY), a signal
 * handler ran (ND_INTR) or no other process can act before the deadline
 * (ND_TIMED_OUT, the clock at the deadline). */
struct fd_wait {
	struct pollfd *fds;
	int n;
	const sigset_t *mask; /* ppoll's and epoll_pwait's, or NULL */
	int guarded;          /* a scheduled thread's: a change of its process ends the look */
	int changed;
	uint64_t seen;        /* the process's turn number when it began */
};

static int probe_fds(void *arg, int ms)
{
	struct fd_wait *w = arg;
	if (w->guarded && nd_sched_tree_changed(w->seen))
		return w->changed = 1;
	return nd_deliver_probe(w->fds, w->n, w->mask, ms);
}

/* Only the tree can make them ready (block.h): the timeout is virtual. */
static int internal(const struct pollfd *fds, int n)
{
	int any = 0;
	for (int i = 0; i < n; i++) {
		if (fds[i].fd < 0)
			continue;
		if (!nd_block_fd_internal(fds[i].fd))
			return 0;
		any = 1;
	}
	return any;
}

static uint64_t deadline_in(int64_t ns)
{
	return ns < 0 ? ND_NO_DEADLINE : nd_vclock_now() + (uint64_t)ns;
}


#define ND_AGAIN (-1)

static uint64_t earlier(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* A scheduled thread's wait that only the tree can end (treewait.c), until
 * dl (ND_NO_DEADLINE: none). While its process is idle, the thread whose
 * deadline comes first keeps the process's time: the earlier of its
 * deadline and its process's earliest sleeper is its timed event of the
 * tree (and the virtual alarm, when it comes before); the others, and a
 * wait with nothing due, look at their descriptors in slices.
 * Returns ND_READY, ND_INTR or ND_TIMED_OUT; when it went back into the
 * scheduler (*out cleared), that, or ND_AGAIN: it looks again there. */
static int tree_wait_scheduled(struct fd_wait *w, uint64_t dl, int *out)
{
	uint64_t wake = ND_NO_DEADLINE;
	for (;;) {
		uint64_t due = ND_NO_DEADLINE;
		int idle = nd_sched_tree_idle(dl, &due);
		if (idle == ND_TREE_ACTIVE)
			break;
		uint64_t stop = idle == ND_TREE_IDLE ? earlier(dl, due) : idle == ND_TREE_REAL ? dl : ND_NO_DEADLINE;
		w->guarded = 1;
		w->changed = 0;
		w->seen = nd_sched_turn_number();
		int r;
		if (stop != ND_NO_DEADLINE) {
			r = nd_timed_event(probe_fds, w, stop);
		} else if ((r = probe_fds(w, 1)) != 0) {
			nd_member_run();
			if (r < 0)
				nd_member_take_signal_time();
		}
		w->guarded = 0;
		if (w->changed)
			break;
		if (r)
			return r > 0 ? ND_READY : ND_INTR;
		if (stop == ND_NO_DEADLINE)
			continue;
		if (stop == dl && (idle == ND_TREE_REAL || due > dl))
			return ND_TIMED_OUT;
		wake = due; /* a sleeper of this process comes first, or at the same time */
		break;
	}
	enum nd_woken k = nd_sched_tree_return(w->fds, w->n, dl, wake);
	*out = 0;
	return k == ND_WOKEN_TIMEOUT ? ND_TIMED_OUT : k == ND_WOKEN_INTR ? ND_INTR : ND_AGAIN;
}

/*
 * A wait on descriptors by a scheduled thread waits in the turn order until
 * one is ready (block.c); the result says what happened: ND_READY, the call
 * is made at once with a zero timeout; ND_LEFT, it is made with the real
 * timeout (outside the turn when scheduled); ND_TIMED_OUT, the virtual
 * timeout came first and the call looks once with a zero timeout. A wait
 * left to the kernel with a timeout is a timed event of the tree: nd_timed_wait
 * decides how it ends. *out: the caller rejoins after the call.
 */
static int how_to_wait(struct pollfd *fds, int n, int64_t timeout_ns, const sigset_t *mask, int *out)
{
	int m = nd_sched_managed() && timeout_ns != 0;
	uint64_t dl = deadline_in(timeout_ns);
	for (;;) {
		int how = m ? nd_block_until_ready(fds, n, -1, dl) : ND_LEFT;
		/* the turn was left, or the process is blocked for the tree */
		*out = m ? how == ND_LEFT : timeout_ns != 0 && nd_block_member_leave();
		if (how != ND_LEFT || timeout_ns == 0)
			return how;
		struct fd_wait w = { fds, n, mask, 0, 0, 0 };
		if (nd_member_me >= 0 && (timeout_ns > 0 || m) && internal(fds, n)) {
			how = m ? tree_wait_scheduled(&w, dl, out) : nd_timed_wait(probe_fds, &w, dl);
			if (how != ND_AGAIN)
				return how;
			continue;
		}
		if (timeout_ns < 0) {
			int owed = m ? 0 : nd_timed_owed(probe_fds, &w);
			return owed > 0 ? ND_READY : owed < 0 ? ND_INTR : how;
		}
		if (m)
			nd_sched_outside_deadline(dl);
		else
			nd_member_wait_real(dl);
		return how;
	}
}

/* A wait for input on member pipes only, by a process without scheduled
 * threads: which are ready is decided by the counts their writes carry
 * (process/deliver.c). ND_NOT_DELIVERED when the wait is not one. */
static int delivered(struct pollfd *fds, nfds_t n, int64_t timeout_ns, const sigset_t *mask, int *decided)
{
	int list[ND_DELIVER_FDS], at[ND_DELIVER_FDS], k = 0;
	if (nd_member_me < 0 || n > ND_DELIVER_FDS || nd_sched_managed())
		return ND_NOT_DELIVERED;
	for (nfds_t i = 0; i < n; i++) {
		if (fds[i].fd < 0)
			continue;
		if (!(fds[i].events & POLLIN) || (fds[i].events & ~(POLLIN | POLLPRI | POLLRDNORM | POLLRDHUP)))
			return ND_NOT_DELIVERED;
		at[i] = k;
		list[k++] = fds[i].fd;
	}
	struct fd_wait w = { fds, (int)n, mask, 0, 0, 0 };
	struct nd_delivered out;
	int how = nd_deliver(list, k, probe_fds, &w, nd_deliver_deadline(timeout_ns), &out);
	uint32_t ready = out.ready;
	*decided = out.decided;
	if (how == ND_NOT_DELIVERED || how == ND_INTR)
		return how == ND_INTR ? (errno = EINTR, -1) : how;
	int r = 0;
	if (how == ND_READY) {
		struct timespec zero = { 0, 0 };
		r = (int)nd_sys(SYS_ppoll, (long)fds, (long)n, (long)&zero, (long)mask, 8, 0);
		if (r < 0)
			return errno = -r, -1;
	}
	r = 0;
	for (nfds_t i = 0; i < n; i++) {
		if (how != ND_READY || (fds[i].fd >= 0 && !(ready & (1u << at[i]))))
			fds[i].revents = 0;
		r += fds[i].revents != 0;
	}
	return r;
}

/* What the poll may report of pipes of the tree (sched/treeread.c); when
 * that is nothing, the kernel's answer, as before (a wait that did not go
 * through the tree's order: it must not spin on data it cannot see). */
static int nd_poll_visible(struct pollfd *fds, int n, int r)
{
	struct pollfd copy[ND_DELIVER_FDS];
	if (n > ND_DELIVER_FDS)
		return r;
	for (int i = 0; i < n; i++)
		copy[i] = fds[i];
	int v = nd_sched_visible(copy, n);
	if (!v)
		return r;
	for (int i = 0; i < n; i++)
		fds[i].revents = copy[i].revents;
	return v;
}

/* A poll that does not wait (a zero timeout) by a scheduled thread: the
 * kernel's answer, but an end of file of a pipe of the tree, and a write
 * its process's order has not reached while its writer lives, are left to
 * the next wait that blocks (nd_sched_look): asyncio's loop looks so
 * whenever a callback is ready, and a child's end or output seen by one
 * look or the next made how many turns it took follow real time.
 * ND_NOT_DELIVERED when it is not one. */
static int zero_look(enum nd_sym sym, struct pollfd *fds, nfds_t n, const sigset_t *mask)
{
	if (nd_member_me < 0 || !nd_sched_managed() || n > ND_DELIVER_FDS)
		return ND_NOT_DELIVERED;
	struct timespec zero = { 0, 0 };
	nd_sched_renew();
	long r = nd_sys(SYS_ppoll, (long)fds, (long)n, (long)&zero, (long)mask, 8, 0);
	if (r < 0)
		return nd_log_passed(sym), errno = (int)-r, -1;
	int v = nd_sched_look(fds, (int)n, (int)r);
	nd_log_decided(sym, v >= -1);
	return v < -1 ? (int)r : v;
}

/* `call` may use `how`. A poll made in the turn order shows what the
 * process's threads may see of pipes of the tree (sched/treeread.c). */
#define waited(fds, n, timeout_ns, mask, call, is_poll)                               \
	({                                                                            \
		int out_;                                                             \
		int how = how_to_wait((fds), (n), (timeout_ns), (mask), &out_);       \
		int r_ = how == ND_INTR ? (errno = EINTR, -1) : (call);               \
		if ((is_poll) && r_ > 0 && how == ND_READY && nd_sched_managed())     \
			r_ = nd_poll_visible((fds), (n), r_);                         \
		if (out_)                                                             \
			nd_block_rejoin();                                            \
		if (r_ == 0 && how == ND_LEFT && (timeout_ns) > 0)                    \
			nd_vclock_advance((uint64_t)(timeout_ns));                    \
		r_;                                                                   \
	})

/* poll(2). */
ND_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.poll(fds, n, timeout);
	if (timeout >= 0 && no_fds(fds, n)) {
		nd_log_served(ND_SYM_poll, 0);
		for (nfds_t i = 0; i < n; i++)
			fds[i].revents = 0;
		nd_sleep_pass((uint64_t)timeout * 1000000);
		return 0;
	}
	int64_t ns = timeout < 0 ? -1 : (int64_t)timeout * 1000000;
	int z = ns == 0 ? zero_look(ND_SYM_poll, fds, n, NULL) : ND_NOT_DELIVERED;
	if (z != ND_NOT_DELIVERED)
		return nd_carry_hangups(fds, n, z);
	int decided = 0, d = delivered(fds, n, ns, NULL, &decided);
	nd_log_decided(ND_SYM_poll, decided);
	if (d != ND_NOT_DELIVERED)
		return nd_carry_hangups(fds, n, d);
	return nd_carry_hangups(fds, n, waited(fds, (int)n, ns, NULL, nd_real.poll(fds, n, how == ND_LEFT ? timeout : 0), 1));
}

/* ppoll(2): the timeout is not updated on Linux's glibc wrapper either. */
ND_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo,
		    const sigset_t *mask)
{
	ND_ORDERED();
	if (nd_passthrough() || (tmo && !nd_sleep_valid(tmo)))
		return nd_real.ppoll(fds, n, tmo, mask);
	if (tmo && !mask && no_fds(fds, n)) {
		nd_log_served(ND_SYM_ppoll, 0);
		for (nfds_t i = 0; i < n; i++)
			fds[i].revents = 0;
		nd_sleep_pass(nd_ts_ns(tmo));
		return 0;
	}
	return nd_ppoll_as(ND_SYM_ppoll, fds, n, tmo, mask);
}

int nd_ppoll_as(int sym, struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *mask)
{
	const struct timespec zero = { 0, 0 };
	int z = tmo && !nd_ts_ns(tmo) ? zero_look((enum nd_sym)sym, fds, n, mask) : ND_NOT_DELIVERED;
	if (z != ND_NOT_DELIVERED)
		return nd_carry_hangups(fds, n, z);
	int decided = 0, d = delivered(fds, n, tmo ? (int64_t)nd_ts_ns(tmo) : -1, mask, &decided);
	nd_log_decided((enum nd_sym)sym, decided);
	if (d != ND_NOT_DELIVERED)
		return nd_carry_hangups(fds, n, d);
	return nd_carry_hangups(fds, n, waited(fds, (int)n, tmo ? (int64_t)nd_ts_ns(tmo) : -1, mask,
					       nd_real.ppoll(fds, n, how == ND_LEFT ? tmo : &zero, mask), 1));
}


/* The places of pf that are ready. */
static uint32_t ready_mask(const struct pollfd *pf, int n)
{
	uint32_t ready = 0;
	for (int i = 0; i < n; i++)
		ready |= pf[i].revents ? 1u << i : 0;
	return ready;
}

/* A zero-timeout epoll_wait by a scheduled thread on a set
 * nd_epoll_decidable accepts: a look at its descriptors (zero_look), whose
 * events the kernel then reports for those the thread may see. */
static int epoll_look(int sym, int epfd, const struct nd_epoll_entry *e, int n, struct epoll_event *ev, int max,
		      const sigset_t *mask)
{
	struct pollfd pf[ND_DELIVER_FDS];
	for (int i = 0; i < n; i++)
		pf[i] = (struct pollfd){ e[i].fd, POLLIN, 0 };
	int v = zero_look((enum nd_sym)sym, pf, (nfds_t)n, mask);
	if (v <= 0)
		return v;
	return nd_epoll_report(epfd, e, n, ready_mask(pf, n), ev, max, mask);
}

/* A scheduled thread's wait on an epoll set nd_epoll_decidable accepts
 * (asyncio's loop in a process with other threads: its child watchers, an
 * executor): made on the set's descriptors as a poll, so the pipes of the
 * tree are seen in the tree's order and the wait takes part in its
 * process's keeping of them (sched/treeread.c), instead of waiting on the
 * set outside the turn. ND_NOT_DELIVERED when it is not one. */
static int epoll_scheduled(int sym, int epfd, struct epoll_event *ev, int max, int timeout, const sigset_t *mask)
{
	struct nd_epoll_entry e[ND_DELIVER_FDS];
	int n = nd_member_me >= 0 && nd_sched_managed() && max > 0 ? nd_epoll_decidable(epfd, e) : 0;
	if (!n)
		return ND_NOT_DELIVERED;
	if (timeout == 0)
		return epoll_look(sym, epfd, e, n, ev, max, mask);
	int64_t ns = timeout < 0 ? -1 : (int64_t)timeout * 1000000;
	struct pollfd pf[ND_DELIVER_FDS];
	for (;;) {
		for (int i = 0; i < n; i++)
			pf[i] = (struct pollfd){ e[i].fd, POLLIN, 0 };
		int out, r;
		int how = how_to_wait(pf, n, ns, mask, &out);
		if (how == ND_INTR) {
			r = -1;
			errno = EINTR;
		} else if (how == ND_LEFT) {
			r = nd_real.epoll_pwait(epfd, ev, max, timeout, mask);
		} else {
			/* what its threads may see, as a poll shows it */
			long k = nd_sys(SYS_poll, (long)pf, n, 0, 0, 0, 0);
			uint32_t ready = k > 0 && nd_poll_visible(pf, n, (int)k) ? ready_mask(pf, n) : 0;
			r = ready ? nd_epoll_report(epfd, e, n, ready, ev, max, mask) : 0;
		}
		if (out)
			nd_block_rejoin();
		if (r == 0 && how == ND_LEFT && ns > 0)
			nd_vclock_advance((uint64_t)ns);
		/* ready, and gone before the look (another reader): wait again */
		if (r == 0 && how == ND_READY && ns < 0)
			continue;
		nd_log_decided(sym, how != ND_LEFT);
		return r;
	}
}

/* epoll_wait(2), epoll_pwait(2): the epoll descriptor is readable when it
 * has events. */
ND_EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.epoll_wait(epfd, ev, max, timeout);
	int s = epoll_scheduled(ND_SYM_epoll_wait, epfd, ev, max, timeout, NULL);
	if (s != ND_NOT_DELIVERED)
		return s;
	int64_t ns = timeout < 0 ? -1 : (int64_t)timeout * 1000000;
	int decided = 0, d = nd_epoll_delivered(epfd, ev, max, ns, NULL, &decided);
	nd_log_decided(ND_SYM_epoll_wait, decided);
	if (d != ND_NOT_DELIVERED)
		return d;
	struct pollfd p = { epfd, POLLIN, 0 };
	return waited(&p, 1, ns, NULL,
		      nd_real.epoll_wait(epfd, ev, max, how == ND_LEFT ? timeout : 0), 0);
}

ND_EXPORT int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout,
			  const sigset_t *mask)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.epoll_pwait(epfd, ev, max, timeout, mask);
	int s = epoll_scheduled(ND_SYM_epoll_pwait, epfd, ev, max, timeout, mask);
	if (s != ND_NOT_DELIVERED)
		return s;
	int64_t ns = timeout < 0 ? -1 : (int64_t)timeout * 1000000;
	int decided = 0, d = nd_epoll_delivered(epfd, ev, max, ns, mask, &decided);
	nd_log_decided(ND_SYM_epoll_pwait, decided);
	if (d != ND_NOT_DELIVERED)
		return d;
	struct pollfd p = { epfd, POLLIN, 0 };
	return waited(&p, 1, ns, mask,
		      nd_real.epoll_pwait(epfd, ev, max, how == ND_LEFT ? timeout : 0, mask), 0);
}
