/*
 * The members of the tree: every process of the run has a slot in the
 * tree's shared region (tree.h), written only by itself, where it publishes
 * its virtual time line (the process's clock lives there) and what it is
 * doing: running, waiting for a timed event due at a deadline, blocked on
 * something only another process or the outside world can end, or outside
 * the rule altogether (an image the shim cannot enter).
 *
 * The rule (docs/design.md, "The process tree"): a member performs a timed
 * event due at virtual time d — a sleep's end, a timeout, a virtual timer —
 * only when no other member can still perform one before (d, its id): each
 * other member runs at a time past it, waits for a later deadline, or is
 * blocked and asleep in the kernel (a wake-up in flight shows as running,
 * so it is waited for). Ties go to the smaller id, derived from the tree's
 * structure, never from timing. So `timeout 0.2 sleep 5` ends the sleep by
 * the parent's timer at 0.2 s in every run, and a parent's poll timeout
 * fires only when its children have nothing left to do before it.
 *
 * What the rule cannot see is bounded by real time: a member that runs
 * without a clock read or a wait (a computation, or a spin on shared memory)
 * holds the others; after HOLD_NS they go ahead and log it (tree-preempted).
 * A member that died without leaving (SIGKILL) is noticed through /proc and
 * its slot freed (member-lost); one that executed a program the shim cannot
 * enter leaves the rule (tree-outside); one that runs but sleeps in the
 * kernel, in a wait the shim does not see, is passed over (tree-asleep).
 *
 * Slots are claimed by the parent for a child before it starts (fork,
 * spawn), so a child is in the rule from its first instant at its parent's
 * time. Raw system calls, no allocation, no lock: async-signal-safe.
 */
#include "nodice.h"
#include "tree.h"
#include "members.h"
#include "pids.h"
#include "member_slots.h"
#include "procstate.h"
#include "vclock.h"
#include "stream.h"

#include <limits.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

int nd_member_me = -1;

/* Someone may wait for this change: wake them. */
void nd_member_changed(struct nd_member *m)
{
	__atomic_add_fetch(&m->change, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&nd_tree->waiting, __ATOMIC_SEQ_CST)) {
		__atomic_add_fetch(&nd_tree->epoch, 1, __ATOMIC_SEQ_CST);
		nd_sys(SYS_futex, (long)&nd_tree->epoch, FUTEX_WAKE, INT_MAX, 0, 0, 0);
	}
}

/* The flag is stored before the state that makes it read: a member seen
 * in an ordered wait is seen so from its first look. */
static void publish(struct nd_member *m, uint32_t st, uint64_t deadline, uint64_t id, uint32_t ordered)
{
	if (st == ND_M_RUN)
		__atomic_store_n(&m->cpu, nd_sys_cpu(), __ATOMIC_RELAXED);
	/* a new state: what held its last wait no longer does (order.c's
	 * looks set it again) */
	__atomic_store_n(&m->held_by, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&m->answer_from, 0, __ATOMIC_RELEASE);
	if (__atomic_load_n(&m->state, __ATOMIC_RELAXED) == st && m->deadline == deadline &&
	    __atomic_load_n(&m->wait_id, __ATOMIC_RELAXED) == id &&
	    __atomic_load_n(&m->ordered, __ATOMIC_RELAXED) == ordered)
		return;
	__atomic_store_n(&m->wait_id, id, __ATOMIC_RELAXED);
	__atomic_store_n(&m->ordered, ordered, __ATOMIC_RELEASE);
	m->deadline = deadline;
	__atomic_store_n(&m->state, st, __ATOMIC_RELEASE);
	nd_member_changed(m);
}

void nd_member_set_state_as(struct nd_member *m, uint32_t st, uint64_t deadline, uint64_t id)
{
	publish(m, st, deadline, id, 0);
}

void nd_member_set_ordered_wait(struct nd_member *m, uint64_t deadline, uint64_t id)
{
	publish(m, ND_M_WAIT, deadline, id, 1);
}

void nd_member_set_state(struct nd_member *m, uint32_t st, uint64_t deadline)
{
	nd_member_set_state_as(m, st, deadline, m->id);
}

/* Frees the slots of processes that are gone without leaving (killed, and
 * reaped by a parent outside the shim or by the kernel): 1 when any was. */
static int sweep(void)
{
	int any = 0;
	uint32_t hi = __atomic_load_n(&nd_tree->members_hi, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < hi; i++) {
		struct nd_member *m = slot((int)i);
		int pid = __atomic_load_n(&m->pid, __ATOMIC_ACQUIRE);
		if ((int)i != nd_member_me && pid > 0 && __atomic_load_n(&m->state, __ATOMIC_ACQUIRE) > ND_M_CLAIMING &&
		    nd_proc_gone(pid)) {
			nd_member_release((int)i);
			any = 1;
		}
	}
	return any;
}

int nd_member_others_running(int cap)
{
	if (nd_member_me < 0)
		return 0;
	int n = 0;
	uint32_t hi = __atomic_load_n(&nd_tree->members_hi, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < hi && n < cap; i++)
		n += (int)i != nd_member_me && __atomic_load_n(&slot((int)i)->state, __ATOMIC_RELAXED) == ND_M_RUN;
	return n;
}

static int claim(int32_t pid, uint32_t state, uint64_t vt, uint64_t id)
{
	for (int i = 0, swept = 0; i < ND_MEMBERS; i++) {
		if (i == ND_MEMBERS - 1 && !swept && sweep()) {
			swept = 1;
			i = -1; /* the table is full of the dead: look again */
			continue;
		}
		struct nd_member *m = slot(i);
		uint32_t free_ = ND_M_FREE;
		if (__atomic_load_n(&m->state, __ATOMIC_RELAXED) != ND_M_FREE ||
		    !__atomic_compare_exchange_n(&m->state, &free_, ND_M_CLAIMING, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
			continue;
		m->vt = vt;
		m->born_vt = vt;
		/* what was written before the claim comes before the process */
		m->known_seq = __atomic_load_n(&nd_tree->write_seq, __ATOMIC_ACQUIRE);
		/* A child counts its events on from one past its parent's count
		 * (the fork is an event of the parent's, as a send is Lamport's),
		 * so it comes after its parent in the order of events: a running
		 * member can then only make members that come after it. From the
		 * parent's count itself, a child whose id happened to be smaller
		 * came before a sibling forked earlier that had already taken its
		 * turn when the child did not exist yet: which worker of a pool
		 * took the first task then followed real time (one run in fifteen
		 * on a busy machine, nothing reported). */
		m->turn_wait = 0;
		m->lined = ND_NOT_LINED;
		m->floor = ND_NO_FLOOR;
		m->ev = nd_member_me >= 0 ? __atomic_load_n(&slot(nd_member_me)->ev, __ATOMIC_RELAXED) + 1 : 0;
		m->deadline = ND_NO_DEADLINE;
		m->id = id;
		m->wait_id = id;
		m->exec_at = 0;
		m->signal_vt = 0;
		m->children = 0;
		__atomic_store_n(&m->pid, pid, __ATOMIC_RELAXED);
		uint32_t hi = __atomic_load_n(&nd_tree->members_hi, __ATOMIC_RELAXED);
		while (hi < (uint32_t)i + 1 &&
		       !__atomic_compare_exchange_n(&nd_tree->members_hi, &hi, (uint32_t)i + 1, 1, __ATOMIC_RELEASE,
						    __ATOMIC_RELAXED))
			;
		__atomic_store_n(&m->state, state, __ATOMIC_RELEASE);
		nd_member_changed(m);
		return i;
	}
	nd_log_uncontrolled("tree-full", "more processes at once than the tree's 1024 member slots: the rest "
					 "run outside the order of timed events");
	return -1;
}

void nd_member_release(int k)
{
	struct nd_member *m = slot(k);
	__atomic_store_n(&m->pid, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&m->state, ND_M_FREE, __ATOMIC_RELEASE);
	nd_member_changed(m);
}

/* keep: the line continues from the later of its time and the slot's (an
 * image adopting its slot); otherwise from the slot's (a fork child, whose
 * line until now is its parent's, still moving). */
static void become(int k, int keep)
{
	nd_member_me = k;
	struct nd_member *m = slot(k);
	m->exec_at = 0;
	nd_vclock_place(&m->vt, keep);
	__atomic_store_n(&m->state, ND_M_RUN, __ATOMIC_RELEASE);
	nd_member_changed(m);
}

/* The id of the next child of this member: from the parent's id and how
 * many children it had, so the same in every run. */
static uint64_t child_id(void)
{
	struct nd_member *m = slot(nd_member_me);
	uint32_t n = __atomic_add_fetch(&m->children, 1, __ATOMIC_RELAXED);
	return nd_stream_derive(m->id, ND_TAG(ND_TAG_FORK) | n);
}

static int adopt_env(int pid)
{
	const char *v = getenv("NODICE_MEMBER");
	long k = 0;
	if (!v || !*v)
		return -1;
	for (; *v; v++) {
		if (*v < '0' || *v > '9' || k >= ND_MEMBERS)
			return -1;
		k = k * 10 + (*v - '0');
	}
	int32_t zero = 0;
	struct nd_member *m = slot((int)k);
	if (k >= ND_MEMBERS || __atomic_load_n(&m->state, __ATOMIC_ACQUIRE) != ND_M_RUN)
		return -1;
	if (!__atomic_compare_exchange_n(&m->pid, &zero, pid, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED) && zero != pid)
		return -1;
	return (int)k;
}

void nd_member_start(void)
{
	int pid = (int)nd_sys0(SYS_getpid), k = adopt_env(pid);
	nd_pids_child_started(k); /* a spawning parent may hold the pid lock for it */
	uint32_t hi = __atomic_load_n(&nd_tree->members_hi, __ATOMIC_ACQUIRE);
	/* an image this process executed: its slot carries the exec mark */
	for (uint32_t i = 0; k < 0 && i < hi; i++)
		if (__atomic_load_n(&slot((int)i)->pid, __ATOMIC_ACQUIRE) == pid &&
		    __atomic_load_n(&slot((int)i)->exec_at, __ATOMIC_ACQUIRE) &&
		    __atomic_load_n(&slot((int)i)->state, __ATOMIC_ACQUIRE) != ND_M_FREE)
			k = (int)i;
	if (k < 0)
		k = claim(pid, ND_M_RUN, nd_vclock_now(), nd_lineage);
	/* Any other slot with this pid is an earlier image's that was not
	 * handed on (an exec path the shim did not see): it must not hold. */
	hi = __atomic_load_n(&nd_tree->members_hi, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < hi; i++)
		if ((int)i != k && __atomic_load_n(&slot((int)i)->pid, __ATOMIC_ACQUIRE) == pid &&
		    __atomic_load_n(&slot((int)i)->state, __ATOMIC_ACQUIRE) > ND_M_CLAIMING)
			nd_member_release((int)i);
	if (k >= 0)
		become(k, 1);
	if (k >= 0 && nd_exempt)
		nd_member_set_state(slot(k), ND_M_OUTSIDE, ND_NO_DEADLINE); /* it publishes nothing */
}

/* A new process starts ND_SPAWN_NS after its parent's present, and the
 * parent's clock moves a tick for the spawn, as natively a process takes
 * that long to come up: children spawned one after another start (and, if
 * they do the same, end) in that order, not at one instant broken by ids
 * (make -j2's two jobs); and a parent that asks at once whether a child has
 * ended (WNOHANG, reap.c) is told no on every run, as natively. */
static uint64_t spawn_vt(void)
{
	return nd_vclock_read() + ND_SPAWN_NS;
}

int nd_member_claim_child(int for_exec)
{
	if (nd_member_me < 0)
		return -1;
	int k = claim(0, ND_M_RUN, spawn_vt(), child_id());
	if (k >= 0 && for_exec)
		__atomic_store_n(&slot(k)->exec_at, nd_sys_monotonic_ns(), __ATOMIC_RELEASE);
	return k;
}

int nd_member_claim_self(void)
{
	if (nd_member_me < 0)
		return -1;
	int k = claim((int)nd_sys0(SYS_getpid), ND_M_RUN, spawn_vt(), child_id());
	if (k >= 0)
		__atomic_store_n(&slot(k)->exec_at, nd_sys_monotonic_ns(), __ATOMIC_RELEASE);
	return k;
}

void nd_member_become(int k)
{
	if (k < 0 && nd_member_me >= 0)
		k = claim((int)nd_sys0(SYS_getpid), ND_M_RUN, nd_vclock_now(), child_id());
	if (k < 0) {
		nd_member_me = -1;
		return;
	}
	__atomic_store_n(&slot(k)->pid, (int32_t)nd_sys0(SYS_getpid), __ATOMIC_RELEASE);
	become(k, 0);
}

void nd_member_unclaim(int k)
{
	if (k >= 0)
		nd_member_release(k);
}

void nd_member_done(int k)
{
	if (k < 0)
		return;
	int pid = __atomic_load_n(&slot(k)->pid, __ATOMIC_ACQUIRE);
	if (!pid || nd_proc_gone(pid))
		nd_member_release(k);
}

uint64_t nd_member_id(int k)
{
	return k >= 0 ? slot(k)->id : 0;
}

uint64_t nd_member_next_id(void)
{
	return nd_member_me >= 0 ? child_id() : 0;
}

void nd_member_started(int k, int pid)
{
	int32_t zero = 0;
	if (k >= 0 && pid > 0)
		__atomic_compare_exchange_n(&slot(k)->pid, &zero, pid, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

void nd_member_exec_begin(int with_shim)
{
	if (nd_member_me < 0)
		return;
	struct nd_member *m = slot(nd_member_me);
	if (with_shim)
		__atomic_store_n(&m->exec_at, nd_sys_monotonic_ns(), __ATOMIC_RELEASE);
	else
		nd_member_set_state(m, ND_M_OUTSIDE, ND_NO_DEADLINE);
}

void nd_member_exec_failed(void)
{
	if (nd_member_me < 0)
		return;
	struct nd_member *m = slot(nd_member_me);
	__atomic_store_n(&m->exec_at, 0, __ATOMIC_RELEASE);
	nd_member_set_state(m, ND_M_RUN, ND_NO_DEADLINE);
}

/* The live member with process id pid, or NULL. */
struct nd_member *nd_member_of(int pid)
{
	uint32_t hi = __atomic_load_n(&nd_tree->members_hi, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; pid > 0 && i < hi; i++) {
		struct nd_member *m = slot((int)i);
		if (__atomic_load_n(&m->pid, __ATOMIC_ACQUIRE) == pid &&
		    __atomic_load_n(&m->state, __ATOMIC_ACQUIRE) > ND_M_CLAIMING)
			return m;
	}
	return NULL;
}

/* The slot stays until the process is gone (a zombie, or reaped): until the
 * kernel has told its parent, whose wake-up must be seen in flight by
 * anyone ordering an event against it (holder()). */
void nd_member_end(void)
{
	if (nd_member_me < 0)
		return;
	int k = nd_member_me;
	nd_member_me = -1;
	/* The kernel tells the parent (SIGCHLD): a wait of its that only a
	 * signal ends must not be taken for quiet meanwhile. */
	struct nd_member *parent = nd_member_of((int)nd_sys0(SYS_getppid));
	if (parent)
		__atomic_add_fetch(&parent->signals, 1, __ATOMIC_SEQ_CST);
	nd_member_set_state(slot(k), ND_M_EXITING, ND_NO_DEADLINE);
}

int nd_member_gone(uint64_t id)
{
	uint32_t hi = __atomic_load_n(&nd_tree->members_hi, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < hi; i++) {
		struct nd_member *m = slot((int)i);
		int st = __atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
		if (st == ND_M_FREE || __atomic_load_n(&m->id, __ATOMIC_RELAXED) != id)
			continue;
		int pid = __atomic_load_n(&m->pid, __ATOMIC_ACQUIRE);
		return st == ND_M_EXITING && pid > 0 && nd_proc_gone(pid);
	}
	return 1;
}

void nd_member_reaped(int pid)
{
	uint32_t hi = __atomic_load_n(&nd_tree->members_hi, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; pid > 0 && i < hi; i++) {
		struct nd_member *m = slot((int)i);
		if ((int)i != nd_member_me && __atomic_load_n(&m->pid, __ATOMIC_ACQUIRE) == pid &&
		    __atomic_load_n(&m->state, __ATOMIC_ACQUIRE) > ND_M_CLAIMING)
			nd_member_release((int)i);
	}
}

uint64_t nd_member_born(void)
{
	return nd_member_me >= 0 ? __atomic_load_n(&slot(nd_member_me)->born_vt, __ATOMIC_RELAXED) : 0;
}

int nd_member_born_of(int pid, uint64_t *born)
{
	struct nd_member *m = nd_member_of(pid);
	if (m)
		*born = __atomic_load_n(&m->born_vt, __ATOMIC_RELAXED);
	return m != NULL;
}

int nd_member_now_of(int pid, uint64_t *vt, uint64_t *id)
{
	struct nd_member *m = nd_member_of(pid);
	if (m) {
		*vt = __atomic_load_n(&m->vt, __ATOMIC_RELAXED);
		*id = m->id;
	}
	return m != NULL;
}

void nd_member_state_save(struct nd_member_state *s)
{
	s->state = ND_M_RUN;
	s->deadline = ND_NO_DEADLINE;
	s->id = 0;
	s->ordered = 0;
	if (nd_member_me >= 0) {
		struct nd_member *m = slot(nd_member_me);
		s->state = __atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
		s->deadline = m->deadline;
		s->id = __atomic_load_n(&m->wait_id, __ATOMIC_RELAXED);
		s->ordered = __atomic_load_n(&m->ordered, __ATOMIC_RELAXED);
	}
}

void nd_member_state_restore(const struct nd_member_state *s)
{
	if (nd_member_me >= 0)
		publish(slot(nd_member_me), s->state, s->deadline, s->id, s->ordered);
}

void nd_member_block(void)
{
	if (nd_member_me >= 0)
		nd_member_set_state(slot(nd_member_me), ND_M_BLOCKED, ND_NO_DEADLINE);
}

void nd_member_block_on(int server, uint64_t out, uint64_t in, int wrote)
{
	if (nd_member_me < 0)
		return;
	struct nd_member *m = slot(nd_member_me);
	nd_member_set_state(m, ND_M_BLOCKED, ND_NO_DEADLINE);
	if (server < 0 || server == nd_member_me)
		return;
	__atomic_store_n(&m->answer_out, out, __ATOMIC_RELAXED);
	__atomic_store_n(&m->answer_in, in, __ATOMIC_RELAXED);
	__atomic_store_n(&m->answer_wrote, (uint32_t)wrote, __ATOMIC_RELAXED);
	__atomic_store_n(&m->answer_from, server + 1, __ATOMIC_RELEASE);
}

void nd_member_wait_real(uint64_t d)
{
	if (nd_member_me >= 0)
		nd_member_set_state(slot(nd_member_me), ND_M_WAIT, d);
}

void nd_member_run(void)
{
	if (nd_member_me >= 0)
		nd_member_set_state(slot(nd_member_me), ND_M_RUN, ND_NO_DEADLINE);
}
