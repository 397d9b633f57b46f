/*
 * epoll_wait and epoll_pwait over pipes of the tree: which descriptors of the
 * set are ready is decided by the counts their writes carry
 * (process/deliver.c), as for poll and select — asyncio's selector and any
 * epoll loop reading several children's pipes hear them in the tree's order,
 * not in the order their bytes reached the kernel.
 *
 * The set is read from /proc/self/fdinfo (sched/epollset.c). It is decided
 * so only when every descriptor is registered level-triggered for input
 * alone (an edge-triggered or one-shot event would be used up by the look
 * that leaves it out), the data of each is its own (the kernel's events name
 * descriptors by it), there are at most ND_DELIVER_FDS, and the process has
 * no scheduled threads; otherwise the kernel's order, as before. A scheduled
 * thread's wait on such a set waits on its descriptors as a poll does
 * (poll.c, sched/treeread.c).
 */
#include "nodice.h"
#include "epolldeliver.h"
#include "epollset.h"
#include "block.h"
#include "deliver.h"
#include "members.h"
#include "scheduler.h"
#include "vclock.h"

#include <errno.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>

/* the kernel adds EPOLLERR and EPOLLHUP to every entry */
#define READ_ONLY (EPOLLIN | EPOLLPRI | EPOLLRDNORM | EPOLLRDHUP | EPOLLERR | EPOLLHUP)

struct look {
	struct pollfd pf[ND_DELIVER_FDS];
	int n;
	const sigset_t *mask;
};

/* The set's descriptors, for up to ms of real time: non-zero when some are
 * ready, -EINTR when a handler ran. */
static int look(void *arg, int ms)
{
	struct look *l = arg;
	return nd_deliver_probe(l->pf, l->n, l->mask, ms);
}

int nd_epoll_decidable(int epfd, struct nd_epoll_entry *e)
{
	int n = nd_epoll_entries(epfd, e, ND_DELIVER_FDS);
	for (int i = 0; i < n; i++) {
		if (!(e[i].events & EPOLLIN) || (e[i].events & ~(uint32_t)READ_ONLY))
			return 0;
		for (int j = 0; j < i; j++)
			if (e[j].data == e[i].data)
				return 0;
	}
	return n > 0 ? n : 0;
}

/* Where each set's last report stopped when more were ready than the
 * caller had room for: the next starts after that descriptor, as the
 * kernel's ready list turns (a loop taking one event at a time must not hear
 * the lowest descriptor alone). A set's place is shared with others whose
 * numbers fall on it (a lost place restarts at the lowest: an order still). */
#define TURNS 16
static struct {
	int epfd, last;
} turns[TURNS];

int nd_epoll_report(int epfd, const struct nd_epoll_entry *e, int n, uint32_t ready, struct epoll_event *ev, int max,
		  const sigset_t *mask)
{
	struct epoll_event got[ND_DELIVER_FDS], pick[ND_DELIVER_FDS];
	int fd[ND_DELIVER_FDS], m = 0;
	long r = nd_sys(SYS_epoll_pwait, epfd, (long)got, ND_DELIVER_FDS, 0, (long)mask, mask ? 8 : 0);
	if (r < 0)
		return errno = (int)-r, -1;
	/* in the order of the descriptors (e's): the kernel's list is in
	 * the order they became ready, real time's (asyncio handled three
	 * children's output in 4 orders in 12 runs) */
	for (int j = 0; j < n; j++)
		for (long i = 0; i < r && (ready & (1u << j)); i++)
			if (e[j].data == got[i].data.u64) {
				pick[m] = got[i];
				fd[m++] = e[j].fd;
				break;
			}
	int start = 0, slot = (unsigned)epfd % TURNS;
	if (m > max) {
		int last = __atomic_load_n(&turns[slot].epfd, __ATOMIC_RELAXED) == epfd ?
				   __atomic_load_n(&turns[slot].last, __ATOMIC_RELAXED) :
				   -1;
		while (start < m && fd[start] <= last)
			start++;
		start = start == m ? 0 : start;
	}
	int k = 0;
	for (; k < m && k < max; k++)
		ev[k] = pick[(start + k) % m];
	if (m > max) {
		__atomic_store_n(&turns[slot].epfd, epfd, __ATOMIC_RELAXED);
		__atomic_store_n(&turns[slot].last, fd[(start + k - 1) % m], __ATOMIC_RELAXED);
	}
	return k;
}

int nd_epoll_delivered(int epfd, struct epoll_event *ev, int max, int64_t timeout_ns, const sigset_t *mask,
		       int *decided)
{
	struct nd_epoll_entry e[ND_DELIVER_FDS];
	*decided = 0;
	if (nd_member_me < 0 || max <= 0 || nd_sched_managed())
		return ND_NOT_DELIVERED;
	int n = nd_epoll_decidable(epfd, e);
	if (!n)
		return ND_NOT_DELIVERED;
	struct look l = { .n = n, .mask = mask };
	int list[ND_DELIVER_FDS];
	for (int i = 0; i < n; i++) {
		list[i] = e[i].fd;
		l.pf[i] = (struct pollfd){ e[i].fd, POLLIN, 0 };
	}
	uint64_t deadline = nd_deliver_deadline(timeout_ns);
	struct nd_delivered out;
	int how = nd_deliver(list, n, look, &l, deadline, &out);
	if (how == ND_NOT_DELIVERED)
		return how;
	*decided = out.decided;
	if (how == ND_INTR)
		return errno = EINTR, -1;
	if (how != ND_READY)
		return 0;
	int k = nd_epoll_report(epfd, e, n, out.ready, ev, max, mask);
	if (k != 0)
		return k;
	/* what was decided ready is gone (another process read it): the
	 * kernel's wait, as for a set that cannot be decided */
	*decided = 0;
	return ND_NOT_DELIVERED;
}
