/*
 * Process-shared semaphores as communication events of the tree (issue 14):
 * multiprocessing's Lock, Semaphore, Queue and SimpleQueue, loky's and
 * concurrent.futures' queues, anything made with sem_open or sem_init(, 1, ).
 * Which worker takes the task lock first, whose result goes into the result
 * pipe first: the order of their acquisitions, which is what makes a pool's
 * completion order and its task-to-worker assignment a race natively.
 *
 * Every acquisition attempt and every release is performed at the member's
 * turn (members.h: its (event count, id) first among the members that can
 * still act), so they happen one at a time in an order that repeats, while
 * the processes compute in parallel between them. A wait that finds the
 * semaphore taken joins the object's line (objects.h) in that order and
 * sleeps; a release hands the semaphore to the first in line, which wakes
 * and tries again at its turn. The kernel never decides who gets it.
 *
 * A release by a process outside the tree hands nothing: a waiter that sees
 * the semaphore free for 100 ms with nobody handed it tries again (logged
 * as tree-order). Async-signal-safe, as sem_post is.
 */
#include "nodice.h"
#include "block.h"
#include "devices.h"
#include "members.h"
#include "objects.h"
#include "scheduler.h"
#include "sleep.h"
#include "sync.h"
#include "treeobj.h"
#include "tree.h"
#include "vclock.h"

#include <linux/futex.h>
#include <semaphore.h>
#include <sys/syscall.h>

#define SLICE_MS 20
#define MISSED_NS 100000000ULL

uint64_t nd_treesem_key(sem_t *s)
{
	if (nd_member_me < 0 || !nd_sync_sem_shared(s))
		return 0;
	return nd_object_key(s);
}

/* A wait on a taken process-shared object the tree does not order (sync.h):
 * which of several processes takes it first follows real time, reported so
 * that inspect --strict and verify name it (issue 17). */
void nd_sync_tree_contended(int shared)
{
	if (shared)
		nd_log_uncontrolled("tree-order", "a process waited on a process-shared lock or semaphore another "
						  "process held that the tree does not order (an rwlock, a robust, PI or "
						  "recursive mutex or a condition used with one, or no room in the tree's "
						  "tables): which "
						  "process goes first follows real time");
}

/* A semaphore as the order sees an object (treeobj.h). */
static int sem_take(void *obj)
{
	int e = errno, r = nd_real.sem_trywait(obj) == 0 ? 0 : errno;
	errno = e;
	return r;
}

static int sem_units(void *obj)
{
	int v = 0;
	return sem_getvalue(obj, &v) == 0 ? v : 0;
}

static int sem_give(void *obj)
{
	int e = errno, r = nd_real.sem_post(obj) == 0 ? 0 : errno;
	errno = e;
	return r;
}

static const struct nd_tree_ops sem_ops = { sem_take, sem_units, sem_give, 0 };

/* Taken: what was written before its release is known (pipes.c). */
static void taken(const struct nd_tree_object *o)
{
	nd_pipes_known(__atomic_load_n(&o->post_seq, __ATOMIC_ACQUIRE));
}

/* Sleeps until a release hands the semaphore over: 1; -EINTR when a
 * handler ran; 0 at the real deadline (NULL: none). */
/* Pauses a waiter makes for a hand-off before it sleeps (~20 us), with 2
 * CPUs or more: in a round trip the other side releases within microseconds,
 * and a sleeper's wake-up across CPUs took 20-50 us on a VM (a semaphore
 * round trip split across two CPUs cost 97 us more than natively, four such
 * wake-ups where natively two). On one CPU the spin is the releaser's time:
 * none (members.h's spins). */
static void spin_for_hand(struct nd_tree_waiter *w)
{
	int spins = nd_member_spins();
	for (int i = 0; i < spins && !__atomic_load_n(&w->woken, __ATOMIC_ACQUIRE); i++)
		__builtin_ia32_pause();
}

/* Free with nobody handed it, seen under the object's lock: a release
 * holds it from its call (a close that frees a file) to its hand-off, so a
 * look between the two would take a release in flight for one missed (a
 * holder preempted there, on a busy machine: make -j3 under flock(1) took
 * the file on real time so, now and then). */
static int missed(struct nd_tree_waiter *w, const struct nd_tree_ops *k, void *s, uint64_t key)
{
	sigset_t mask;
	struct nd_tree_object *o = nd_object_hold(key, &mask);
	if (!o)
		return 0;
	int r = !__atomic_load_n(&w->woken, __ATOMIC_ACQUIRE) && k->units(s) > 0 && !nd_waiter_pending(key);
	nd_object_unlock(o, &mask);
	return r;
}

static int handed(struct nd_tree_waiter *w, const struct nd_tree_ops *k, void *s, uint64_t key,
		  const struct timespec *deadline)
{
	uint64_t start = 0;
	spin_for_hand(w);
	for (;;) {
		if (__atomic_load_n(&w->woken, __ATOMIC_ACQUIRE))
			return 1;
		uint64_t now = nd_sys_monotonic_ns();
		if (!start)
			start = now;
		uint64_t dl = deadline ? (uint64_t)deadline->tv_sec * ND_NS + (uint64_t)deadline->tv_nsec : 0;
		if (deadline && now >= dl)
			return 0;
		uint64_t slice = SLICE_MS * 1000000ULL;
		if (deadline && dl - now < slice)
			slice = dl - now;
		struct timespec to = { (time_t)(slice / ND_NS), (long)(slice % ND_NS) };
		long r = nd_sys(SYS_futex, (long)&w->woken, FUTEX_WAIT, 0, (long)&to, 0, 0);
		if (r == -EINTR)
			return -EINTR;
		if (now - start >= MISSED_NS && k->units(s) > 0 && !nd_waiter_pending(key) && missed(w, k, s, key)) {
			nd_log_uncontrolled("tree-order", "a process-shared semaphore or mutex, or a file lock, was "
							  "released outside the tree's order (by a process outside it, "
							  "inside libc: a condition wait, or for a file lock by a process "
							  "killed or executed since): who took it followed real time");
			w->join = 0;
			__atomic_store_n(&w->woken, 1, __ATOMIC_RELEASE);
			return 1;
		}
	}
}

struct wait_arg {
	struct nd_tree_waiter *w;
	const struct nd_tree_ops *k;
	void *s;
	uint64_t key;
};

/* nd_timed_event's probe: up to ms of real time. */
static int probe_handed(void *arg, int ms)
{
	struct wait_arg *a = arg;
	struct timespec dl;
	nd_sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&dl, 0, 0, 0, 0);
	dl.tv_nsec += (long)ms * 1000000L;
	dl.tv_sec += dl.tv_nsec / ND_NS;
	dl.tv_nsec %= ND_NS;
	return handed(a->w, a->k, a->s, a->key, &dl);
}

/* The sleep between two tries: 1 handed, 0 timed out, -EINTR. */
static int sleep_for(struct wait_arg *a, uint64_t deadline)
{
	if (deadline == ND_NO_DEADLINE) {
		int r = nd_sched_line_sleep(a->w);
		if (r)
			return r;
		r = ND_OUTSIDE(-1, 0, handed(a->w, a->k, a->s, a->key, NULL));
		return r == 1 ? 1 : -EINTR;
	}
	if (!nd_sched_managed())
		return nd_timed_event(probe_handed, a, deadline);
	struct timespec real;
	nd_vclock_real_deadline(deadline, &real);
	int r = ND_OUTSIDE(-1, 0, handed(a->w, a->k, a->s, a->key, &real));
	return r == -1 ? -EINTR : r; /* -1: the turn was left for a signal */
}

static int no_units(void *obj)
{
	(void)obj;
	return 0;
}

/* A line no release outside the order can end (a barrier's round ends only
 * by an arrival made here, a condition's waiters only by a signal made
 * here), so nothing is taken for a missed one. */
static const struct nd_tree_ops gathered_ops = { NULL, no_units, NULL, 1 };

void nd_treeobj_line_up(struct nd_tree_waiter *w, uint64_t deadline)
{
	if (nd_sched_managed()) {
		if (deadline == ND_NO_DEADLINE && nd_sched_lines_apply())
			__atomic_store_n(&w->sched, 1, __ATOMIC_RELEASE); /* hand-offs lower its floor */
	} else if (!__atomic_load_n(&w->woken, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&nd_tree->members[nd_member_me].lined, ND_LINED, __ATOMIC_RELEASE);
	}
}

/* Handed already: a waiter of a scheduled process still waits in the
 * scheduler for its turn at the join (treeline.c), unless it handed it to
 * itself at its own turn. */
static int go_on(const struct nd_tree_waiter *w, int at_once)
{
	return __atomic_load_n(&w->woken, __ATOMIC_ACQUIRE) && (at_once || !__atomic_load_n(&w->sched, __ATOMIC_ACQUIRE));
}

int nd_treeobj_leave(struct nd_tree_waiter *w, uint64_t key)
{
	sigset_t mask;
	nd_member_turn();
	struct nd_tree_object *o = nd_object_hold(key, &mask);
	int woken = __atomic_load_n(&w->woken, __ATOMIC_ACQUIRE), sched = __atomic_load_n(&w->sched, __ATOMIC_ACQUIRE);
	nd_waiter_dequeue(w);
	if (o)
		nd_object_unlock(o, &mask);
	if (sched) /* out of line: no hand-off can lower the floor for it now */
		nd_sched_lines_refloor();
	nd_member_turn_done();
	return woken;
}

int nd_treeobj_sleep(struct nd_tree_waiter *w, uint64_t key, uint64_t deadline)
{
	struct wait_arg a = { w, &gathered_ops, NULL, key };
	int r = go_on(w, 0) ? 1 : sleep_for(&a, deadline);
	if (__atomic_load_n(&w->woken, __ATOMIC_ACQUIRE))
		nd_member_join(w->join);
	__atomic_store_n(&nd_tree->members[nd_member_me].lined, ND_NOT_LINED, __ATOMIC_RELEASE);
	return r;
}

/* The releases made so far whose stamps come after (c, id): the try does not
 * count them (the semaphore's value has them, the order does not yet).
 * *first: the earliest such stamp's count. */
static int later(const struct nd_tree_object *o, uint64_t c, uint64_t id, uint64_t *first)
{
	/* Once some objects are the kernel's (the table overflowed), a try
	 * can be after a release through one of them, which no count shows:
	 * a Condition whose lock was the kernel's and whose sleeper count was
	 * ordered lost its wake-up (test_multiprocessing_fork hung). Every
	 * release made counts then: real time, already reported. */
	uint32_t n = __atomic_load_n(&nd_tree->objects_overflow, __ATOMIC_ACQUIRE) ? 0
		     : o->nrel < ND_OBJECT_STAMPS ? o->nrel : ND_OBJECT_STAMPS;
	int k = 0;
	*first = UINT64_MAX;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t at = (o->nrel - 1 - i) % ND_OBJECT_STAMPS;
		if (!nd_member_before(o->rel_ev[at], o->rel_id[at], c, id)) {
			k++;
			if (o->rel_ev[at] < *first)
				*first = o->rel_ev[at];
		}
	}
	if (k == ND_OBJECT_STAMPS)
		nd_log_uncontrolled("tree-order", "more than 16 releases of one process-shared semaphore came "
						  "ahead of a waiter's turn: the oldest counted on real time");
	return k;
}

static struct nd_member *me(void)
{
	return &nd_tree->members[nd_member_me];
}

/* Leaves the line (the caller holds the object). A hand-off it did not use
 * (it gives up: a timeout, a handler, an error) goes to the next in line.
 * One it used is spent, unless units are still free in the order's view
 * (those released before its turn, all made by then): passing every used
 * hand-off on woke the next waiter for a unit that was gone, and whether it
 * then tried before or after the next real release followed real time
 * (one run in twenty of three processes sharing a lock). */
static void leave_line(const struct nd_tree_ops *ops, void *s, const struct nd_tree_object *o,
		       struct nd_tree_waiter *w, uint64_t key, int took)
{
	int was_woken = __atomic_load_n(&w->woken, __ATOMIC_ACQUIRE);
	uint64_t join = w->join, first;
	nd_waiter_dequeue(w);
	if (!was_woken)
		return;
	if (!took)
		nd_waiter_hand(key, join);
	else if (!ops->exclusive && ops->units(s) - later(o, nd_member_count(me()), me()->id, &first) > 0)
		nd_waiter_hand(key, nd_member_count(me()) + 1);
}


/*
 * A try at the member's turn (c, id), under the object's lock. In line, the
 * semaphore is this waiter's once a release handed it over. Otherwise it
 * waits behind anyone in line, and counts only the releases stamped before
 * (c, id): a release made since by a member ahead in count, which did not
 * wait for its turn, is in the semaphore's value but not yet in the order.
 * 0 taken, EAGAIN, or another error; *self: when the only units are such
 * releases, the count the waiter goes on from (the earliest one's + 1).
 */
static int try_at_turn(const struct nd_tree_ops *ops, void *s, struct nd_tree_object *o,
		       struct nd_tree_waiter *w, uint64_t key, uint64_t *self)
{
	*self = 0;
	if (w) {
		if (!__atomic_load_n(&w->woken, __ATOMIC_ACQUIRE))
			return EAGAIN;
	} else if (nd_waiter_queued(key)) {
		return EAGAIN;
	} else {
		uint64_t first;
		int k = later(o, nd_member_count(me()), me()->id, &first), v = ops->units(s);
		if (v >= 2)
			o->counting = 1;
		if (v - k <= 0) {
			if (k > 0 && v > 0)
				*self = first + 1;
			/* Releases not at the turn of an object several hold at once:
			 * one stamped before `first` may still come, and then the
			 * count this waiter goes on from followed real time. */
			if (k > 0 && v > 0 && o->counting)
				nd_log_uncontrolled("tree-order", "a try on a semaphore several processes hold at once "
								  "found only releases stamped after it: the count it "
								  "went on from may follow real time");
			return EAGAIN;
		}
	}
	int r = ops->take(s);
	if (r == EAGAIN && w) /* taken by a process outside the order */
		__atomic_store_n(&w->woken, 0, __ATOMIC_RELEASE);
	return r;
}

int nd_treeobj_wait(const struct nd_tree_ops *ops, void *s, uint64_t key, uint64_t deadline, int try)
{
	if (!nd_object(key))
		return 1;
	int e = errno;
	struct wait_arg a = { NULL, ops, s, key };
	for (int last = 0;; ) {
		nd_member_turn();
		uint64_t self;
		sigset_t mask;
		int at_once = 0;
		/* Out of line, the entry may have been given to another key since
		 * (objects.c): this key's new one decides alike. */
		struct nd_tree_object *o = nd_object_hold(key, &mask);
		if (!o) { /* no entry any more: not while in line, which keeps it */
			if (a.w)
				nd_waiter_dequeue(a.w);
			nd_member_turn_done();
			return 1;
		}
		int err = try_at_turn(ops, s, o, a.w, key, &self);
		if (!err)
			taken(o);
		int line = err == EAGAIN && !try && !last;
		int refloor = a.w && !line && __atomic_load_n(&a.w->sched, __ATOMIC_ACQUIRE);
		if (a.w && !line)
			leave_line(ops, s, o, a.w, key, err == 0);
		else if (line && !a.w && (a.w = nd_waiter_enqueue(key)) && self) {
			a.w->join = self; /* already released: handed at once */
			__atomic_store_n(&a.w->woken, 1, __ATOMIC_RELEASE);
			at_once = 1;
		}
		if (line && a.w)
			nd_treeobj_line_up(a.w, deadline);
		nd_object_unlock(o, &mask);
		if (refloor) /* out of line: no hand-off can lower the floor for it now */
			nd_sched_lines_refloor();
		/* Joining the line is not counted: a wait that sleeps and gets the
		 * semaphore counts one event, as one that gets it at once does. */
		if (!line || !a.w)
			nd_member_turn_done();
		errno = e;
		if (!line)
			return err == 0 ? 0 : last ? (last < 0 ? -EINTR : -ETIMEDOUT) : -err;
		if (!a.w) { /* the line is full: the kernel decides, as natively */
			nd_log_uncontrolled("tree-order", "more threads waiting on process-shared semaphores and mutexes "
							  "than the tree's 128 places: one waited in real time");
			return 1;
		}
		/* handed at once (a release already made): no sleep */
		int r = go_on(a.w, at_once) ? 1 : sleep_for(&a, deadline);
		if (__atomic_load_n(&a.w->woken, __ATOMIC_ACQUIRE))
			nd_member_join(a.w->join);
		__atomic_store_n(&me()->lined, ND_NOT_LINED, __ATOMIC_RELEASE);
		if (r <= 0)
			last = r < 0 ? -1 : 1; /* a last try at the turn: a release by then counts */
	}
}

/* A release of an object several can hold at once, to a line, is made at
 * the releaser's turn: two holders' releases then reach the line in the
 * order of their stamps, and the first in line is woken by the earlier one
 * on every run. Made as they came, the later-stamped one was as often first
 * under load, and the waiter went on from its count instead (a semaphore of
 * value 2 between four processes: 2 runs in 12 differed on a busy machine). */
static struct nd_tree_object *hold_for_release(uint64_t key, sigset_t *mask, int *turned)
{
	struct nd_tree_object *o = nd_object_hold(key, mask);
	*turned = 0;
	if (o && o->counting && nd_waiter_sleeping(key)) {
		nd_object_unlock(o, mask);
		nd_member_turn();
		*turned = 1;
		o = nd_object_hold(key, mask);
	}
	return o;
}

int nd_treeobj_post(const struct nd_tree_ops *ops, void *s, uint64_t key)
{
	sigset_t mask;
	int turned;
	struct nd_tree_object *o = hold_for_release(key, &mask, &turned);
	if (!o) {
		if (!turned)
			nd_member_turn();
		int r = ops->give(s);
		nd_member_turn_done();
		return r;
	}
	/* Otherwise not at the turn: a release never waits for another
	 * member's computation. Its stamp places it in the order: a try ahead
	 * of it does not count it, and the waiter it wakes goes on after it. */
	uint64_t c = nd_member_count(me());
	int r = ops->give(s);
	if (r == 0) {
		uint32_t at = o->nrel % ND_OBJECT_STAMPS;
		o->rel_ev[at] = c;
		o->rel_id[at] = me()->id;
		__atomic_store_n(&o->nrel, o->nrel + 1, __ATOMIC_RELEASE);
		__atomic_store_n(&o->post_seq, __atomic_load_n(&nd_tree->write_seq, __ATOMIC_ACQUIRE),
				 __ATOMIC_RELEASE);
		if (ops->units(s) >= 2)
			o->counting = 1;
		nd_waiter_hand(key, c + 1);
	}
	nd_object_unlock(o, &mask);
	if (r == 0 || turned)
		nd_member_turn_done();
	return r;
}

int nd_treesem_wait(sem_t *s, uint64_t key, uint64_t deadline, int try)
{
	return nd_treeobj_wait(&sem_ops, s, key, deadline, try);
}

int nd_treesem_post(sem_t *s, uint64_t key)
{
	int r = nd_treeobj_post(&sem_ops, s, key);
	return r ? (errno = r, -1) : 0;
}
