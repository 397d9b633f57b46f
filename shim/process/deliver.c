/*
 * Which of a member's pipes a wait finds ready. A parent reading two
 * children's pipes with select or poll is told, natively, of whichever write
 * reached the kernel first: a race between the children's computations
 * (`select` over two workers' pipes printed either worker first under nodice
 * too, nothing reported but "passed through"). Every write to a pipe of the
 * tree already carries its writer's (count, id) (carry.c), so the tree's
 * order can decide instead, as it decides a semaphore's tries:
 *
 * - A wait lines up on its pipes (a bit per member in each pipe's entry).
 *   A write to a pipe stamped c lowers every lined reader's floor to c + 1
 *   before its writer goes on (after its mark, before the kernel sees the
 *   bytes). A member with a floor is woken: the others order themselves
 *   against it at (floor, id), as against a running member, instead of
 *   asking /proc whether it sleeps.
 * - Once the kernel says some are ready, the reader waits for its turn at
 *   f = max(own count, least unread stamp + 1), f asked again at every look
 *   (a write with a smaller stamp may come later, from a member behind in
 *   the order; it lowers f). At the turn every other member is past (f, id):
 *   every write stamped before it has been made, and none can still come.
 *   f asked once more then is the least over all of them — the same in every
 *   run — and the reader's count joins it (Lamport's rule for the message
 *   it reads).
 * - Then the wait reports the pipes holding a write stamped before (f, id);
 *   the others wait for a later call. A ready pipe without an unread mark
 *   (an end of file, bytes a writer outside the tree or a stdio flush not
 *   foreseen by sources/stdmark.c put there) is the kernel's order, as
 *   before, and comes after what its writers wrote: with one, everything
 *   the kernel holds is reported, once the members that began to exit have
 *   closed their descriptors (their ends of file come together).
 *
 * So which child a select loop hears first follows the children's counts,
 * not their speed: a child that wrote at a lower count is heard first even
 * when it finished later, and a parent waits for a child still computing at
 * a lower count (Kendo's price, as for semaphores). Reads themselves are
 * unchanged (how many bytes a read gets stays the kernel's), and so are
 * waits that also wait to write, on more than ND_DELIVER_FDS descriptors, on
 * anything not a pipe of the tree, and those of scheduled threads.
 * Raw system calls only; no allocation, no lock.
 */
#include "nodice.h"
#include "deliver.h"
#include "block.h"
#include "carry.h"
#include "devices.h"
#include "members.h"
#include "itimer.h"
#include "tree.h"
#include "vclock.h"

#include <errno.h>
#include <poll.h>
#include <sys/syscall.h>
#include <time.h>

#define NO_START UINT64_MAX
#define SLICE_MS 10 /* a wait without timeout looks at its floor this often */

/* A wait lined up on its pipes. */
struct nd_deliver {
	int n;
	int fd[ND_DELIVER_FDS];
	struct nd_tree_pipe *pipe[ND_DELIVER_FDS];
};

/* The least (count, id) of p's writes not yet read: 0 when none is marked.
 * Unread are the writes that begin at or after the read position, in flight
 * ones included (marked, not yet counted in `written`; a failed write takes
 * its mark back, carry.c), and the one that began before it if bytes of it
 * remain: it ends where the next begins, or at `written`. */
static int least_unread_own(struct nd_tree_pipe *p, uint64_t *ev, uint64_t *id, uint64_t self, int *own)
{
	uint64_t rp = __atomic_load_n(&p->readpos, __ATOMIC_ACQUIRE);
	uint64_t end = __atomic_load_n(&p->written, __ATOMIC_ACQUIRE);
	uint32_t k = __atomic_load_n(&p->nmarks, __ATOMIC_ACQUIRE);
	uint32_t lo = k > ND_PIPE_MARKS ? k - ND_PIPE_MARKS : 0;
	uint64_t cover = 0, next = end;
	int covered = 0, found = 0;
	for (uint32_t i = lo; i < k; i++) {
		uint64_t s = __atomic_load_n(&p->marks[i % ND_PIPE_MARKS].start, __ATOMIC_ACQUIRE);
		if (s == NO_START)
			continue;
		if (s < rp && (!covered || s > cover)) {
			cover = s;
			covered = 1;
		} else if (s >= rp && s < next) {
			next = s;
		}
	}
	uint64_t from = rp;
	if (next > rp) { /* bytes before the next write remain: whose? */
		if (covered) {
			from = cover;
		} else if (lo) { /* folded together with the oldest writes */
			*ev = __atomic_load_n(&p->evicted_ev, __ATOMIC_ACQUIRE);
			*id = 0;
			found = 1;
		}
	}
	for (uint32_t i = lo; i < k; i++) {
		struct nd_pipe_mark *m = &p->marks[i % ND_PIPE_MARKS];
		uint64_t s = __atomic_load_n(&m->start, __ATOMIC_ACQUIRE);
		if (s == NO_START || s < from)
			continue;
		uint64_t e = __atomic_load_n(&m->ev, __ATOMIC_ACQUIRE), w = __atomic_load_n(&m->id, __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&m->start, __ATOMIC_ACQUIRE) != s)
			continue; /* rewritten while read */
		if (!found || nd_member_before(e, w, *ev, *id)) {
			*ev = e;
			*id = w;
		}
		found = 1;
		if (own && w == self)
			*own = 1;
	}
	return found;
}

static int least_unread(struct nd_tree_pipe *p, uint64_t *ev, uint64_t *id)
{
	return least_unread_own(p, ev, id, 0, NULL);
}

/* The least unread stamp over d's pipes: 0 when none. */
static int least(struct nd_deliver *d, uint64_t *ev, uint64_t *id)
{
	int any = 0;
	for (int i = 0; i < d->n; i++) {
		uint64_t e = 0, w = 0;
		if (least_unread(d->pipe[i], &e, &w) && (!any || nd_member_before(e, w, *ev, *id))) {
			*ev = e;
			*id = w;
			any = 1;
		}
	}
	return any;
}

static void set_bit(struct nd_tree_pipe *p, int on)
{
	uint64_t bit = 1ULL << (nd_member_me % 64);
	uint64_t *w = &p->lined[nd_member_me / 64];
	uint64_t was = on ? __atomic_fetch_or(w, bit, __ATOMIC_SEQ_CST) : __atomic_fetch_and(w, ~bit, __ATOMIC_SEQ_CST);
	if (on && !(was & bit))
		__atomic_add_fetch(&p->nlined, 1, __ATOMIC_SEQ_CST);
	else if (!on && (was & bit))
		__atomic_sub_fetch(&p->nlined, 1, __ATOMIC_SEQ_CST);
}

static int line(struct nd_deliver *d, const int *fds, int n)
{
	d->n = 0;
	if (nd_member_me < 0 || n <= 0 || n > ND_DELIVER_FDS)
		return 0;
	for (int i = 0; i < n; i++) {
		d->fd[i] = fds[i];
		if (!(d->pipe[i] = nd_pipes_reading(fds[i])))
			return 0;
	}
	d->n = n;
	nd_member_floor_clear(nd_member_floor()); /* a stale one, from a wait before */
	for (int i = 0; i < n; i++)
		set_bit(d->pipe[i], 1);
	/* seen by a writer from now on, or its mark is seen here */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint64_t ev = 0, id = 0;
	if (least(d, &ev, &id))
		nd_member_floor_lower(nd_member_me, ev + 1);
	return 1;
}

static void unline(struct nd_deliver *d)
{
	for (int i = 0; i < d->n; i++)
		set_bit(d->pipe[i], 0);
	if (d->n)
		nd_member_floor_clear(nd_member_floor());
	d->n = 0;
}

void nd_deliver_wrote(struct nd_tree_pipe *p, uint64_t ev)
{
	for (int w = 0; w < ND_MEMBERS / 64; w++) {
		uint64_t bits = __atomic_load_n(&p->lined[w], __ATOMIC_SEQ_CST);
		while (bits) {
			int k = w * 64 + __builtin_ctzll(bits);
			bits &= bits - 1;
			if (k != nd_member_me)
				nd_member_floor_lower(k, ev + 1);
		}
	}
}

/* The count the wait is decided at, published as the floor. */
struct at {
	struct nd_deliver *d;
	uint64_t own, f;
};

static uint64_t decide_at(void *arg)
{
	struct at *a = arg;
	uint64_t ev = 0, id = 0, f = a->own;
	if (least(a->d, &ev, &id) && ev + 1 > f)
		f = ev + 1;
	nd_member_floor_lower(nd_member_me, f);
	return a->f = f;
}

/* The places of d's pipes to report once the order stands at (f, this
 * member's id): those the kernel finds ready that hold a write stamped
 * before it. An end of file (or bytes without a count) is the kernel's
 * order, and a writer's exit comes after its writes: with one, everything
 * the kernel holds is reported, or a pool would see a worker's end before
 * its last result (ProcessPoolExecutor: "terminated abruptly"). A look
 * (a zero timeout) also reports a write whose writer has ended: the caller
 * may know of that end without a count (a worker's sentinel), and then of
 * its writes (a log record read with get_nowait()). */
static uint32_t reported(struct nd_deliver *d, uint64_t f, int decided, int look)
{
	uint64_t ev = 0, id = 0, me = nd_member_id(nd_member_me);
	struct pollfd pf[ND_DELIVER_FDS];
	for (int i = 0; i < d->n; i++)
		pf[i] = (struct pollfd){ d->fd[i], POLLIN, 0 };
	void (*settle_ends)(const struct pollfd *, int, uint64_t) = __atomic_load_n(&nd_deliver_settle, __ATOMIC_ACQUIRE);
	if (settle_ends)
		settle_ends(pf, d->n, f);
	nd_sys(SYS_poll, (long)pf, d->n, 0, 0, 0, 0);
	/* An end of file found while its writer's exit is still closing
	 * descriptors: what that exit ends (its stdout and stderr) ends
	 * together, not by how far the kernel got (subprocess.run's two pipes
	 * came in one poll or in two). Only an end (POLLHUP): unmarked bytes
	 * may come from an exit blocked on this very pipe (libc's last
	 * flush of a full one), which must not cost every look 200 ms. */
	for (int i = 0; i < d->n; i++)
		if ((pf[i].revents & POLLHUP) && !least_unread(d->pipe[i], &ev, &id)) {
			nd_member_await_exits();
			nd_sys(SYS_poll, (long)pf, d->n, 0, 0, 0, 0);
			break;
		}
	uint32_t mask = 0, all = 0;
	int unmarked = !decided;
	for (int i = 0; i < d->n; i++) {
		if (!pf[i].revents)
			continue;
		all |= 1u << i;
		if (!least_unread(d->pipe[i], &ev, &id))
			unmarked = 1;
		else if (id == me || nd_member_before(ev, id, f, me)) /* its own write is in its past */
			mask |= 1u << i;
		else if (look && nd_member_gone(id))
			mask |= 1u << i; /* the caller may know of the end (a sentinel's end of file) */
	}
	return unmarked ? all : mask;
}

/* After the kernel found some of d's pipes ready: the mask of those to
 * report (0: none yet, wait again). Marked writes are decided at a turn. */
static uint32_t settle(struct nd_deliver *d, struct nd_delivered *out)
{
	uint64_t ev = 0, id = 0;
	struct at a = { d, nd_member_count(&nd_tree->members[nd_member_me]), 0 };
	out->decided = least(d, &ev, &id);
	if (out->decided) {
		out->at = a.f = nd_member_turn_settled(decide_at, &a);
		nd_member_run();
		nd_member_floor_clear(nd_member_floor());
	}
	return reported(d, a.f, out->decided, 0);
}

/* The call's look, and a floor no pipe of this wait explains cleared (a
 * write to one waited on before lowered it): the others would wait for a
 * reader that is not woken. */
struct look {
	struct nd_deliver *d;
	int (*probe)(void *, int);
	void *arg;
	int yield; /* the probe said: something else of the process first */
};

static int look_lined(void *arg, int ms)
{
	struct look *l = arg;
	int r = l->probe(l->arg, ms);
	if (r == ND_DELIVER_YIELD)
		l->yield = 1;
	uint64_t seen = nd_member_floor(), ev = 0, id = 0;
	if (!r && seen != ND_NO_FLOOR && !least(l->d, &ev, &id))
		nd_member_floor_clear(seen);
	return r;
}

/* The timed waits of time/sleep.c, which sets them (the tree does not call
 * up into the clocks). */
int (*nd_deliver_timed)(int (*probe)(void *, int), void *arg, uint64_t deadline);
int (*nd_deliver_owed)(int (*probe)(void *, int), void *arg);
void (*nd_deliver_settle)(const struct pollfd *fds, int n, uint64_t at);

static int wait_lined(struct nd_deliver *d, int (*probe)(void *, int), void *arg, uint64_t deadline,
		      struct nd_delivered *out)
{
	struct look l = { d, probe, arg, 0 };
	for (;;) {
		int how;
		/* a virtual timer armed: it may end a wait without a timeout too */
		if (deadline != ND_NO_DEADLINE || __atomic_load_n(&nd_itimer_next, __ATOMIC_ACQUIRE) != ND_NO_DEADLINE) {
			how = nd_deliver_timed(look_lined, &l, deadline);
		} else {
			int r = nd_deliver_owed(look_lined, &l);
			if (!r) {
				nd_member_block();
				while (!(r = look_lined(&l, SLICE_MS)))
					;
			}
			how = r < 0 ? ND_INTR : ND_READY;
		}
		out->decided = how == ND_TIMED_OUT; /* a timeout of the tree's is virtual */
		/* Another thread of a scheduled process became runnable (a
		 * handler, a return from outside): its turn first. Looking
		 * again would find it at once and spin, holding the turn it
		 * waits for (a DataLoader worker's keeper against its resource
		 * sharer's return from a read: the run hung). */
		if (how != ND_READY || l.yield)
			return how;
		if ((out->ready = settle(d, out)))
			return ND_READY;
	}
}

/* A wait that does not wait (a zero timeout): natively, whichever writes
 * have reached the kernel by then (asyncio's loop polls so whenever a
 * callback is ready, and heard a worker's first result at one poll in some
 * runs and at the next in others). At a turn of the tree at this member's
 * count c every write stamped before (c, id) is made, and none can still
 * come: the pipes holding one are ready, and those whose first write is
 * the member's own (stamped at c itself when it wrote since the count last
 * moved: a self-pipe, pty._copy's pipes). The count then moves one, so that
 * a loop of such polls comes to the later writes. */
static int now(struct nd_deliver *d, struct nd_delivered *out)
{
	nd_member_turn();
	out->at = nd_member_count(&nd_tree->members[nd_member_me]);
	out->decided = 1;
	out->ready = reported(d, out->at, 1, 1);
	nd_member_turn_done();
	return out->ready ? ND_READY : ND_TIMED_OUT;
}

int nd_deliver(const int *fds, int n, int (*probe)(void *, int), void *arg, uint64_t deadline,
	       struct nd_delivered *out)
{
	struct nd_deliver d;
	*out = (struct nd_delivered){ 0, 0, 0 };
	if (!nd_deliver_timed || !nd_deliver_owed || !line(&d, fds, n))
		return ND_NOT_DELIVERED;
	int how = deadline == ND_DELIVER_NOW ? now(&d, out) : wait_lined(&d, probe, arg, deadline, out);
	/* the reads it is followed by stop where the order stood (carry.c) */
	nd_carry_horizon = how == ND_READY && out->decided ? out->at : 0;
	unline(&d);
	nd_member_run();
	return how;
}

uint64_t nd_deliver_deadline(int64_t ns)
{
	return ns < 0 ? ND_NO_DEADLINE : ns == 0 ? ND_DELIVER_NOW : nd_vclock_now() + (uint64_t)ns;
}

int nd_deliver_probe(struct pollfd *pf, int n, const sigset_t *mask, int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	long r = mask ? nd_sys(SYS_ppoll, (long)pf, n, (long)&ts, (long)mask, 8, 0)
		      : nd_sys(SYS_poll, (long)pf, n, ms, 0, 0, 0);
	return r == -EINTR ? -EINTR : r != 0;
}

static int hidden(int fd, uint64_t horizon, int live)
{
	struct nd_tree_pipe *p = nd_member_me >= 0 ? nd_pipes_reading(fd) : NULL;
	uint64_t ev = 0, id = 0, self = nd_member_id(nd_member_me);
	int own = 0;
	/* what the process wrote itself it sees at once (a thread's wake-up
	 * pipe for another: torch's TCPStore stops its server thread so) */
	return p && least_unread_own(p, &ev, &id, self, &own) && !own && !nd_member_before(ev, id, horizon, self) &&
	       !(live && nd_member_gone(id));
}

int nd_deliver_hidden(int fd, uint64_t horizon)
{
	return hidden(fd, horizon, 0);
}

int nd_deliver_hidden_live(int fd, uint64_t horizon)
{
	return hidden(fd, horizon, 1);
}

int nd_deliver_of_tree(int fd)
{
	return nd_pipes_reading(fd) != NULL;
}

int nd_deliver_least(int fd, uint64_t *ev)
{
	uint64_t vt;
	return nd_deliver_least_vt(fd, ev, &vt);
}

/* The time is the earliest among the marks with that count and writer
 * (one writer's writes between two events share a count), or the folded
 * older writes' when none is left. */
int nd_deliver_least_vt(int fd, uint64_t *ev, uint64_t *vt)
{
	struct nd_tree_pipe *p = nd_member_me >= 0 ? nd_pipes_reading(fd) : NULL;
	uint64_t id = 0, t = UINT64_MAX;
	if (!p || !least_unread(p, ev, &id))
		return 0;
	for (uint32_t i = 0; id && i < ND_PIPE_MARKS; i++) {
		struct nd_pipe_mark *m = &p->marks[i];
		uint64_t at = __atomic_load_n(&m->vt, __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&m->ev, __ATOMIC_ACQUIRE) == *ev && __atomic_load_n(&m->id, __ATOMIC_ACQUIRE) == id &&
		    at < t)
			t = at;
	}
	*vt = t != UINT64_MAX ? t : __atomic_load_n(&p->evicted_vt, __ATOMIC_ACQUIRE);
	return 1;
}

int nd_deliver_unmarked(int fd)
{
	struct nd_tree_pipe *p = nd_member_me >= 0 ? nd_pipes_reading(fd) : NULL;
	uint64_t ev = 0, id = 0;
	return p && !least_unread(p, &ev, &id);
}
