/*
 * Bytes carry time: what a process reads from a pipe or FIFO that another
 * member wrote comes after that write, so the reader's event count joins
 * the writer's (Lamport's rule for a message), as a semaphore's waiter joins
 * its releaser's (treesem.c), and its virtual clock moves to at least the
 * writer's at the write: a message is never read before it was sent (a
 * parent that read a child's line at its own virtual 0 ms although the child
 * wrote it after sleeping 50 ms).
 *
 * Without it the order of process-shared semaphores is not causal: a parent
 * sets a multiprocessing Event (a release stamped with its count, far
 * ahead of a worker's) and then sends the worker None through the worker's
 * queue; the worker reads None and tests the Event with a try at its own,
 * lower count, which does not count releases stamped after it — and finds
 * the Event clear, where natively it is always set (DataLoader's workers
 * then fail an assertion at shutdown).
 *
 * Each write to a pipe first leaves a mark in the pipe's entry in the tree:
 * the position of its first byte in the stream and the writer's count;
 * after it, the stream's length grows by what was written. A read moves the
 * stream's read position by what it got and joins the largest count among
 * the writes that began before its last byte. Positions and counts are the
 * program's, never the clock's, so the join is the same in every run while
 * one process at a time writes and one at a time reads (a queue's writers
 * and readers hold its locks around the calls). The last 32 writes keep
 * their marks; older ones fold into one largest count, which a reader more
 * than 32 writes behind joins too (later than needed, never earlier).
 * Socketpairs carry counts too: a write is marked under the receiving end
 * (its peer, asked of the kernel once per descriptor: sources/sockpeer.c),
 * a read under its own end. The connections of a named Unix listener carry
 * time, not counts (a Manager's client reads its server's answer after the
 * server's timed wait, not at the clock it asked at: CPython's
 * test_waitfor_timeout over a Manager asked again for ever), and the time
 * is the conversation's (convo.c). Their server answers its clients in a
 * real-time order, outside the tree's: the count it wrote at, joined, moved
 * a Pool's task-to-worker assignment with it (a Pool whose workers set a
 * Manager's dict gave 3 outputs in 8 runs). Other
 * sockets carry nothing, nor bytes stdio flushes where the shim does not see
 * it (sources/stdmark.c).
 */
#include "nodice.h"
#include "carry.h"
#include "count.h"
#include "deliver.h"
#include "devices.h"
#include "members.h"
#include "process.h"
#include "tree.h"
#include "vclock.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>

#define NO_START UINT64_MAX

struct nd_carry nd_carry_writing(int fd)
{
	struct nd_tree_pipe *p = nd_pipes_carrier(fd, 1);
	if (!p)
		return (struct nd_carry){ NULL, 0 };
	uint32_t k = __atomic_fetch_add(&p->nmarks, 1, __ATOMIC_ACQ_REL);
	struct nd_pipe_mark *m = &p->marks[k % ND_PIPE_MARKS];
	if (k >= ND_PIPE_MARKS) {
		nd_raise(&p->evicted_ev, __atomic_load_n(&m->ev, __ATOMIC_ACQUIRE));
		nd_raise(&p->evicted_vt, __atomic_load_n(&m->vt, __ATOMIC_ACQUIRE));
	}
	uint64_t ev = nd_member_count(&nd_tree->members[nd_member_me]);
	/* a named listener's connection: how long the writer took, and the
	 * time others' data carried to its process meanwhile (convo.c) */
	uint64_t vt = nd_pipes_named_conn(fd) ? nd_convo_sending(fd, &ev) : nd_vclock_now();
	__atomic_store_n(&m->start, NO_START, __ATOMIC_RELEASE);
	__atomic_store_n(&m->ev, ev, __ATOMIC_RELEASE);
	__atomic_store_n(&m->vt, vt, __ATOMIC_RELEASE);
	__atomic_store_n(&m->id, nd_member_id(nd_member_me), __ATOMIC_RELEASE);
	__atomic_store_n(&m->start, __atomic_load_n(&p->written, __ATOMIC_ACQUIRE), __ATOMIC_SEQ_CST);
	/* a reader lined up from now on sees the mark; one lined before is woken */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&p->nlined, __ATOMIC_SEQ_CST))
		nd_deliver_wrote(p, ev);
	return (struct nd_carry){ p, k };
}

void nd_carry_wrote(struct nd_carry c, ssize_t r)
{
	if (c.p && r > 0) {
		__atomic_add_fetch(&c.p->written, (uint64_t)r, __ATOMIC_ACQ_REL);
	} else if (c.p) {
		/* nothing went (EAGAIN, a signal): no reader waits for it (unless
		 * 32 later writes took the mark's place meanwhile) */
		struct nd_pipe_mark *m = &c.p->marks[c.k % ND_PIPE_MARKS];
		uint64_t s = __atomic_load_n(&m->start, __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&c.p->nmarks, __ATOMIC_ACQUIRE) - c.k <= ND_PIPE_MARKS)
			__atomic_compare_exchange_n(&m->start, &s, NO_START, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	}
}

void nd_carry_read(int fd, ssize_t r)
{
	struct nd_tree_pipe *p = r > 0 ? nd_pipes_carrier(fd, 0) : NULL;
	if (!p) {
		if (r > 0 && nd_pipes_named_conn(fd)) /* unmarked (written before the accept) */
			nd_convo_got(fd, 0, 0, 0);
		return;
	}
	uint64_t end = __atomic_add_fetch(&p->readpos, (uint64_t)r, __ATOMIC_ACQ_REL);
	uint32_t k = __atomic_load_n(&p->nmarks, __ATOMIC_ACQUIRE);
	/* a named connection's marks carry how long their writer took: only
	 * the writes this read begins count, once (convo.c); the others' marks
	 * carry a count and a time, which every later read may join again */
	int named = nd_pipes_named_conn(fd);
	uint64_t begin = named ? end - (uint64_t)r : 0;
	uint64_t best = named ? 0 : __atomic_load_n(&p->evicted_ev, __ATOMIC_ACQUIRE);
	uint64_t vt = named ? 0 : __atomic_load_n(&p->evicted_vt, __ATOMIC_ACQUIRE);
	int found = !named && k > ND_PIPE_MARKS;
	for (uint32_t i = k > ND_PIPE_MARKS ? k - ND_PIPE_MARKS : 0; i < k; i++) {
		struct nd_pipe_mark *m = &p->marks[i % ND_PIPE_MARKS];
		uint64_t start = __atomic_load_n(&m->start, __ATOMIC_ACQUIRE);
		if (start == NO_START || start >= end || start < begin)
			continue;
		uint64_t ev = __atomic_load_n(&m->ev, __ATOMIC_ACQUIRE);
		uint64_t at = __atomic_load_n(&m->vt, __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&m->start, __ATOMIC_ACQUIRE) != start)
			continue; /* rewritten while read */
		found = 1;
		if (ev > best)
			best = ev;
		if (at > vt)
			vt = at;
	}
	if (named) { /* time only, the conversation's (convo.c) */
		nd_convo_got(fd, found, vt, best);
	} else if (found) { /* the time first: it is part of the count */
		nd_vclock_carried_to(vt);
		nd_member_join(best + 1);
	}
}

/* An end of file carries time too: the reader of a pipe meets it only
 * after every descriptor that wrote it was closed, so it continues from the
 * latest of those closes (a member's exit closes what it held). A parent
 * waiting on a child's sentinel (multiprocessing's Process.sentinel, an
 * anonymous pipe only the child writes) then reads a clock after the
 * child's end, as natively: CPython's test_wait_integer measured 0 s of a
 * child's 3 s sleep. Only anonymous pipes: a FIFO with a name can gain a
 * writer after its end of file. Not seen: descriptors closed by an exec
 * (close-on-exec), and a member killed without its exit path. */
void nd_carry_closing(int fd)
{
	struct nd_tree_pipe *p = nd_member_me >= 0 ? nd_pipes_ending(fd, 1) : NULL;
	if (p)
		nd_raise(&p->closed_vt, nd_vclock_now());
}

static void closing_in(int fd, void *arg)
{
	const unsigned *range = arg;
	if ((unsigned)fd >= range[0] && (unsigned)fd <= range[1])
		nd_carry_closing(fd);
}

void nd_carry_closing_range(unsigned first, unsigned last)
{
	unsigned range[2] = { first, last };
	if (nd_member_me >= 0)
		nd_device_each_fd(closing_in, range);
}

static void carry_end(void)
{
	nd_carry_closing_range(0, ~0u);
}

__attribute__((constructor)) static void carry_end_hook(void)
{
	__atomic_store_n(&nd_process_pipes_end, carry_end, __ATOMIC_RELEASE);
}

void nd_carry_eof(int fd)
{
	struct nd_tree_pipe *p = nd_member_me >= 0 ? nd_pipes_ending(fd, 0) : NULL;
	uint64_t vt = p ? __atomic_load_n(&p->closed_vt, __ATOMIC_ACQUIRE) : 0;
	if (vt)
		nd_vclock_carried_to(vt);
}

int nd_carry_hangups(const struct pollfd *fds, nfds_t n, int r)
{
	for (nfds_t i = 0; r > 0 && fds && i < n; i++)
		if (fds[i].revents & POLLHUP)
			nd_carry_eof(fds[i].fd);
	return r;
}

ND_TLS uint64_t nd_carry_horizon;

/* An asyncio loop over three workers' pipes was told at one decided wait
 * that all three held results; each 256 KiB read then took every result
 * the worker had written by the time it ran, and the loop logged them in a
 * real-time order. A read after a decided wait takes the writes stamped
 * before the wait's (count, id) and stops at the first that is not: none
 * of those can still come (deliver.c), so the amount repeats. The reader's
 * own writes (a wake-up pipe) are in its program order: never a stop. */
size_t nd_carry_cap_slow(int fd, size_t len)
{
	/* the horizon is of the tree's channels (a named listener's
	 * connection carries time, but no wait is decided on it) */
	struct nd_tree_pipe *p = len && !nd_pipes_named_conn(fd) ? nd_pipes_carrier(fd, 0) : NULL;
	if (!p)
		return len;
	uint64_t h = nd_carry_horizon, self = nd_member_id(nd_member_me);
	uint64_t rp = __atomic_load_n(&p->readpos, __ATOMIC_ACQUIRE), stop = NO_START;
	uint32_t k = __atomic_load_n(&p->nmarks, __ATOMIC_ACQUIRE);
	for (uint32_t i = k > ND_PIPE_MARKS ? k - ND_PIPE_MARKS : 0; i < k; i++) {
		struct nd_pipe_mark *m = &p->marks[i % ND_PIPE_MARKS];
		uint64_t s = __atomic_load_n(&m->start, __ATOMIC_ACQUIRE);
		if (s == NO_START || s < rp || s >= stop)
			continue;
		uint64_t ev = __atomic_load_n(&m->ev, __ATOMIC_ACQUIRE), id = __atomic_load_n(&m->id, __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&m->start, __ATOMIC_ACQUIRE) != s)
			continue; /* rewritten while read */
		if (id != self && !nd_member_before(ev, id, h, self))
			stop = s;
	}
	if (stop == NO_START)
		return len;
	if (stop == rp) { /* what the wait decided is read: the kernel's now */
		nd_carry_horizon = 0;
		return len;
	}
	return stop - rp < len ? (size_t)(stop - rp) : len;
}

/* A round trip through two pipes (a request and its answer) slept on each
 * side natively as under nodice, but each wake-up across CPUs is 20-60 us on
 * a VM, and nodice's few hundred nanoseconds per call there came back
 * multiplied (+18 us per round trip split on two CPUs, +2 us of CPU). The
 * reader of a member's pipe with nothing unread (by the marks' count: a
 * write through stdio is not marked, so a poll says first) and a blocking
 * descriptor spins up to ~20 us for the count of bytes written to move. */
void nd_carry_await(int fd)
{
	struct nd_tree_pipe *p = nd_pipes_carrier(fd, 0);
	int spins = p ? nd_member_spins() : 0;
	if (!spins)
		return;
	uint64_t w = __atomic_load_n(&p->written, __ATOMIC_ACQUIRE);
	if (w != __atomic_load_n(&p->readpos, __ATOMIC_ACQUIRE))
		return;
	struct pollfd pf = { fd, POLLIN, 0 };
	long fl = nd_sys(SYS_fcntl, fd, F_GETFL, 0, 0, 0, 0);
	if (fl < 0 || (fl & O_NONBLOCK) || nd_sys(SYS_poll, (long)&pf, 1, 0, 0, 0, 0) != 0)
		return;
	for (int i = 0; i < spins && __atomic_load_n(&p->written, __ATOMIC_ACQUIRE) == w; i++)
		__builtin_ia32_pause();
}
