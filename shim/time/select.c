/*
 * select and pselect. With empty sets they are sleeps (sleep.c); with
 * descriptors only the tree can make ready (block.h) the timeout is virtual;
 * otherwise the wait is real and a timeout moves the virtual clock by itself.
 * A scheduled thread's select is made as a poll (poll.c's turn order).
 */
#include "nodice.h"
#include "vclock.h"
#include "sleep.h"
#include "block.h"
#include "members.h"
#include "deliver.h"
#include "scheduler.h"
#include "pollas.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>

static int empty_sets(int n, fd_set *r, fd_set *w, fd_set *e)
{
	for (int fd = 0; fd < n && fd < FD_SETSIZE; fd++)
		if ((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) || (e && FD_ISSET(fd, e)))
			return 0;
	return 1;
}

static int internal_sets(int n, fd_set *r, fd_set *w, fd_set *e)
{
	int any = 0;
	for (int fd = 0; fd < n && fd < FD_SETSIZE; fd++)
		if ((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) || (e && FD_ISSET(fd, e))) {
			if (!nd_block_fd_internal(fd))
				return 0;
			any = 1;
		}
	return any;
}


/* select's sets, probed on copies so the caller's stay as given. */
struct sets {
	int n;
	fd_set *r, *w, *e;
	const sigset_t *mask; /* pselect's, or NULL */
};

static int probe_sets(void *arg, int ms)
{
	struct sets *s = arg;
	fd_set r, w, e;
	struct timeval tv = { 0, ms * 1000 };
	size_t bytes = ((size_t)s->n + 63) / 64 * 8;
	if (s->r)
		memcpy(&r, s->r, bytes);
	if (s->w)
		memcpy(&w, s->w, bytes);
	if (s->e)
		memcpy(&e, s->e, bytes);
	struct timespec ts = { 0, ms * 1000000L };
	struct {
		const sigset_t *set;
		size_t size;
	} m = { s->mask, 8 };
	long k = s->mask ? nd_sys(SYS_pselect6, s->n, s->r ? (long)&r : 0, s->w ? (long)&w : 0, s->e ? (long)&e : 0,
				  (long)&ts, (long)&m)
			 : nd_sys(SYS_select, s->n, s->r ? (long)&r : 0, s->w ? (long)&w : 0, s->e ? (long)&e : 0,
				  (long)&tv, 0);
	return k == -EINTR ? -EINTR : k != 0;
}

/* A wait for input on member pipes only, by a process without scheduled
 * threads: which are ready is decided by the counts their writes carry
 * (process/deliver.c). ND_NOT_DELIVERED when the wait is not one. */
static int delivered(struct sets *s, int64_t ns, int *decided)
{
	int list[ND_DELIVER_FDS], k = 0;
	if (nd_member_me < 0 || s->n < 0 || s->n > FD_SETSIZE || !s->r || nd_sched_managed())
		return ND_NOT_DELIVERED;
	for (int fd = 0; fd < s->n; fd++) {
		if ((s->w && FD_ISSET(fd, s->w)) || (s->e && FD_ISSET(fd, s->e)))
			return ND_NOT_DELIVERED;
		if (!FD_ISSET(fd, s->r))
			continue;
		if (k == ND_DELIVER_FDS)
			return ND_NOT_DELIVERED;
		list[k++] = fd;
	}
	struct nd_delivered out;
	int how = nd_deliver(list, k, probe_sets, s, nd_deliver_deadline(ns), &out);
	uint32_t ready = out.ready;
	*decided = out.decided;
	if (how == ND_NOT_DELIVERED || how == ND_INTR)
		return how == ND_INTR ? (errno = EINTR, -1) : how;
	fd_set got;
	FD_ZERO(&got);
	if (how == ND_READY) {
		struct timeval zero = { 0, 0 };
		memcpy(&got, s->r, ((size_t)s->n + 63) / 64 * 8);
		long r = nd_sys(SYS_select, s->n, (long)&got, 0, 0, (long)&zero, 0);
		if (r < 0)
			return errno = (int)-r, -1;
	}
	int r = 0;
	for (int i = 0; i < k; i++) {
		if (how == ND_READY && (ready & (1u << i)) && FD_ISSET(list[i], &got))
			r++;
		else
			FD_CLR(list[i], s->r);
	}
	return r;
}

/* fd is in s (s asks for it) and `on`: 1. Cleared from s when it asks
 * and is not on, if `apply`. */
static int keep_bit(fd_set *s, int fd, int on, int apply)
{
	if (!s || !FD_ISSET(fd, s))
		return 0;
	if (!on && apply)
		FD_CLR(fd, s);
	return on != 0;
}

/* How many of the sets' bits a poll's answer keeps, as Linux's select
 * reads it: readable is input, a hang-up or an error; writable output or
 * an error; exceptional priority data. The sets change if `apply`. */
static int answer(const struct pollfd *pf, int k, fd_set *r, fd_set *w, fd_set *e, int apply)
{
	int c = 0;
	for (int i = 0; i < k; i++) {
		int got = pf[i].revents, fd = pf[i].fd;
		c += keep_bit(r, fd, got & (POLLIN | POLLHUP | POLLERR), apply);
		c += keep_bit(w, fd, got & (POLLOUT | POLLERR), apply);
		c += keep_bit(e, fd, got & POLLPRI, apply);
	}
	return c;
}

/* A scheduled thread's select: made as a poll of the same descriptors
 * (poll.c), so that pipes of the tree are seen in the tree's order as a
 * poll's are. It used to wait outside the turn and rejoin it when the
 * kernel answered, and a zero-timeout select showed whatever had reached
 * the kernel. Its answer is read as Linux's select reads one (answer);
 * a descriptor that is not open fails the call with EBADF and leaves the
 * sets as given. ND_NOT_DELIVERED when it is not one (no descriptor, or
 * more than SCHED_FDS). */
#define SCHED_FDS 64
static int scheduled(int sym, int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *tmo,
		     const sigset_t *mask)
{
	if (nd_member_me < 0 || !nd_sched_managed() || n < 0 || n > FD_SETSIZE)
		return ND_NOT_DELIVERED;
	struct pollfd pf[SCHED_FDS];
	int k = 0;
	for (int fd = 0; fd < n; fd++) {
		int ev = (r && FD_ISSET(fd, r) ? POLLIN : 0) | (w && FD_ISSET(fd, w) ? POLLOUT : 0) |
			 (e && FD_ISSET(fd, e) ? POLLPRI : 0);
		if (!ev)
			continue;
		if (k == SCHED_FDS)
			return ND_NOT_DELIVERED;
		pf[k++] = (struct pollfd){ fd, (short)ev, 0 };
	}
	if (!k) /* a wait for a signal alone: as before */
		return ND_NOT_DELIVERED;
	int ret = nd_ppoll_as(sym, pf, (nfds_t)k, tmo, mask);
	if (ret < 0)
		return ret;
	for (int i = 0; i < k; i++)
		if (pf[i].revents & POLLNVAL)
			return errno = EBADF, -1;
	/* a hang-up or an error of a descriptor asked only for priority
	 * data: select goes on waiting, as before (the sets are unchanged) */
	int c = answer(pf, k, r, w, e, 0);
	if (ret > 0 && !c)
		return ND_NOT_DELIVERED;
	answer(pf, k, r, w, e, 1);
	return c;
}

/* select(2): like Linux, a timeout that expires is left at zero. */
ND_EXPORT int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	ND_ORDERED();
	if (nd_passthrough() || (tv && (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)))
		return nd_real.select(n, r, w, e, tv);
	uint64_t ns = tv ? (uint64_t)tv->tv_sec * ND_NS + (uint64_t)tv->tv_usec * 1000 : 0;
	if (tv && n >= 0 && empty_sets(n, r, w, e)) {
		nd_log_served(ND_SYM_select, 0);
		*tv = (struct timeval){ 0, 0 };
		nd_sleep_pass(ns);
		return 0;
	}
	struct timespec ts = { (time_t)(ns / ND_NS), (long)(ns % ND_NS) };
	int sd = scheduled(ND_SYM_select, n, r, w, e, tv ? &ts : NULL, NULL);
	if (sd != ND_NOT_DELIVERED) {
		if (tv && !sd)
			*tv = (struct timeval){ 0, 0 };
		return sd;
	}
	struct sets all = { n, r, w, e, NULL };
	int decided = 0, d = delivered(&all, tv ? (int64_t)ns : -1, &decided);
	nd_log_decided(ND_SYM_select, decided);
	if (d != ND_NOT_DELIVERED) {
		if (tv)
			*tv = (struct timeval){ 0, 0 };
		return d;
	}
	if (tv && ns && n >= 0 && n <= FD_SETSIZE && nd_member_me >= 0 && internal_sets(n, r, w, e)) {
		struct sets s = { n, r, w, e, NULL };
		int how = ND_OUTSIDE(-1, 0, nd_timed_wait(probe_sets, &s, nd_vclock_now() + ns));
		if (how == ND_INTR)
			return errno = EINTR, -1;
		struct timeval zero = { 0, 0 };
		*tv = zero;
		return nd_real.select(n, r, w, e, &zero);
	}
	if (!tv && n >= 0 && n <= FD_SETSIZE) {
		struct sets s = { n, r, w, e, NULL };
		int owed = ND_OUTSIDE(-1, 0, nd_timed_owed(probe_sets, &s));
		if (owed < 0)
			return errno = EINTR, -1;
		if (owed > 0) {
			struct timeval zero = { 0, 0 };
			return nd_real.select(n, r, w, e, &zero);
		}
	}
	int ret = tv && !ns ? nd_real.select(n, r, w, e, tv) : ND_OUTSIDE(-1, 0, nd_real.select(n, r, w, e, tv));
	if (ret == 0 && tv)
		nd_vclock_advance(ns);
	return ret;
}

/* pselect(2). */
ND_EXPORT int pselect(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *tmo,
		      const sigset_t *mask)
{
	ND_ORDERED();
	if (nd_passthrough() || (tmo && !nd_sleep_valid(tmo)))
		return nd_real.pselect(n, r, w, e, tmo, mask);
	if (tmo && !mask && n >= 0 && empty_sets(n, r, w, e)) {
		nd_log_served(ND_SYM_pselect, 0);
		nd_sleep_pass(nd_ts_ns(tmo));
		return 0;
	}
	int sd = scheduled(ND_SYM_pselect, n, r, w, e, tmo, mask);
	if (sd != ND_NOT_DELIVERED)
		return sd;
	struct sets all = { n, r, w, e, mask };
	int decided = 0, d = delivered(&all, tmo ? (int64_t)nd_ts_ns(tmo) : -1, &decided);
	nd_log_decided(ND_SYM_pselect, decided);
	if (d != ND_NOT_DELIVERED)
		return d;
	if (tmo && nd_ts_ns(tmo) && n >= 0 && n <= FD_SETSIZE && nd_member_me >= 0 && internal_sets(n, r, w, e)) {
		struct sets s = { n, r, w, e, mask };
		int how = ND_OUTSIDE(-1, 0, nd_timed_wait(probe_sets, &s, nd_vclock_now() + nd_ts_ns(tmo)));
		if (how == ND_INTR)
			return errno = EINTR, -1;
		const struct timespec zero = { 0, 0 };
		return nd_real.pselect(n, r, w, e, &zero, mask);
	}
	if (!tmo && n >= 0 && n <= FD_SETSIZE) {
		struct sets s = { n, r, w, e, mask };
		int owed = ND_OUTSIDE(-1, 0, nd_timed_owed(probe_sets, &s));
		if (owed < 0)
			return errno = EINTR, -1;
		if (owed > 0) {
			const struct timespec zero = { 0, 0 };
			return nd_real.pselect(n, r, w, e, &zero, mask);
		}
	}
	int ret = tmo && !nd_ts_ns(tmo) ? nd_real.pselect(n, r, w, e, tmo, mask)
				       : ND_OUTSIDE(-1, 0, nd_real.pselect(n, r, w, e, tmo, mask));
	if (ret == 0 && tmo)
		nd_vclock_advance(nd_ts_ns(tmo));
	return ret;
}
