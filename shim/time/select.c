/*
 * select and pselect. With empty sets they are sleeps (sleep.c); with
 * descriptors only the tree can make ready (block.h) the timeout is virtual;
 * otherwise the wait is real and a timeout moves the virtual clock by itself.
 * A scheduled thread's select waits outside the turn: the turn order of
 * poll's (poll.c) is not here yet (limits.md).
 */
#include "nodice.h"
#include "vclock.h"
#include "sleep.h"
#include "block.h"
#include "members.h"

#include <errno.h>
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
	nd_log_passed(ND_SYM_select);
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
	nd_log_passed(ND_SYM_pselect);
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
