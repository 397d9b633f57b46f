/*
 * The tree's members (members.c): one slot per process of the run in the
 * tree's shared region, each publishing its time line and what it waits for,
 * and the rule that orders timed events across processes: a member performs
 * an event due at virtual time d only when no other member can still perform
 * one before (d, its id). Every function is async-signal-safe and does
 * nothing for a process without a slot.
 */
#ifndef ND_MEMBERS_H
#define ND_MEMBERS_H

#include <stdint.h>

#include "tree.h"

extern int nd_member_me; /* this process's slot, or -1 */

/* The tree's order: (t, a) comes before (d, b) — a time or an event count,
 * then a member's id to break ties. */
static inline int nd_member_before(uint64_t t, uint64_t a, uint64_t d, uint64_t b)
{
	return t < d || (t == d && a < b);
}

/* Start-up: adopt the slot an exec or a spawning parent left for this
 * image (NODICE_MEMBER names the latter), or claim one. */
void nd_member_start(void);

/* How long after its parent's present a new process starts (members.c). */
#define ND_SPAWN_NS 1000000ULL

/* A slot for a child about to start (fork, spawn: for_exec), running
 * ND_SPAWN_NS after the caller's time (which moves a tick); -1 when the table is full. A fork child becomes it (-1: a
 * fork nodice did not see coming claims its own); a spawned image adopts it
 * through NODICE_MEMBER; unclaim gives back one that started nothing.
 * started records the pid the parent learned. */
int nd_member_claim_child(int for_exec);
void nd_member_become(int k);
void nd_member_unclaim(int k);
void nd_member_started(int k, int pid);
/* The member with this id has ended (its slot released, or its process
 * gone): every write it made is made. */
int nd_member_gone(uint64_t id);
/* The identity of slot k (same in every run), or 0 for k < 0. */
uint64_t nd_member_id(int k);
/* An identity for something this member creates without a slot of its own
 * yet (a thread; a vfork child before it executes), or 0 without a slot. */
uint64_t nd_member_next_id(void);
/* The child claimed as k has ended (system returned): a slot it did not free
 * itself (it never started the shim, or was killed) is freed. */
void nd_member_done(int k);
/* In a vfork child about to exec: its own slot, as exec_begin's. */
int nd_member_claim_self(void);

/* Around an exec of this process: the new image adopts the slot (with_shim)
 * or the slot leaves the rule (a program the shim cannot enter). */
void nd_member_exec_begin(int with_shim);
void nd_member_exec_failed(void);

void nd_member_end(void);         /* the process ends */
/* Waits (a bounded while) until the members that have begun to exit have
 * closed their descriptors: the ends of file they make come together. */
void nd_member_await_exits(void);
/* Where this process's time line was when it was created (fork or spawn;
 * an exec keeps it), or 0 without a slot. */
uint64_t nd_member_born(void);
/* The same for another member of the run, by pid: 1 and *born, or 0 when
 * pid is not a member. */
int nd_member_born_of(int pid, uint64_t *born);
/* Where member pid's time line is now, and its id: 0 if it is none. */
int nd_member_now_of(int pid, uint64_t *vt, uint64_t *id);
void nd_member_reaped(int pid);   /* a child was reaped: its slot is free */
/* behind.c: until none of members pid[0..n) runs at a time before (vt,
 * this member's id), or sleeps until one, where it could still act or end
 * before it; this member published as waiting until vt meanwhile. 1, or 0
 * when bound_ns of real time passed first (the children still behind are
 * then passed over by later calls until they change). */
int nd_member_until_past(const int32_t *pid, int n, uint64_t vt, uint64_t bound_ns);

/* The process waits on something only another process or the outside world
 * can end (a pipe, a child, a signal): it leaves the rule until it runs
 * again. */
void nd_member_block(void);
/* The same in a read of a named Unix connection whose listener is member
 * `server` (-1: none known), the keys of its streams (out: what this one
 * wrote, 0 unknown; in: what it reads) and whether it wrote on it: while
 * that member owes it an answer, the others wait for it as for a running
 * one, at its count (holder.c). */
void nd_member_block_on(int server, uint64_t out, uint64_t in, int wrote);
/* How many other members run (not blocked, waiting or gone), counting up to
 * cap: processes that may want a CPU now. */
int nd_member_others_running(int cap);
void nd_member_run(void);
/* ... a wait on the outside world with a timeout: its end at d is this
 * process's next event, held for the tree while it waits in real time. */
void nd_member_wait_real(uint64_t d);

/* A member signalled pid at the caller's time: the receiver's time moves
 * at least there when its wait ends. */
void nd_member_signalled(int pid);
/* A signal was sent to a process group (or to every process): any member
 * may receive it. */
void nd_member_group_signalled(void);
void nd_member_take_signal_time(void);

/* Non-blocking: 1 when this process may perform its event due at d now
 * (published as waiting for d otherwise). */
int nd_member_may(uint64_t d);
/* The same for an event whose time came in real time first (a process's
 * sleeper while another of its threads waits outside, sched/watch.c): not
 * published as a wait the tree's order ends, since whether it is asked at
 * all followed real time, and it must not hold the others' turns by count
 * (holder.c): a Pool's worker past a Manager's 1 s wait would wait for it
 * in a slow run and not in a quiet one. */
int nd_member_may_real(uint64_t d);

/* Waits until this process may perform its event due at d: then the clock
 * is at d and 0 is returned. Meanwhile probe(arg, ms), when given, waits up
 * to ms of real time for what the caller also waits for (descriptors,
 * signals); a non-zero answer ends the wait and is returned. -EINTR when a
 * signal handler ran. */
int nd_member_until(uint64_t d, int (*probe)(void *arg, int ms), void *arg);
/* The same for an event at (d, id) that is another process's as much as
 * this one's (a child's exit, reap.c): ties with the others go by id. */
int nd_member_until_as(uint64_t d, uint64_t id, int (*probe)(void *arg, int ms), void *arg);
/* nd_member_until without a probe, for a process with one thread: a wait
 * only a signal can end early. The others then take it for asleep without
 * asking /proc, as long as no member has signalled it since it began: with
 * 100 children asleep, one was always found running (its own look every
 * millisecond, or a run queue's delay) and their parent's 1 ms sleep took
 * from 8 to 100 s. */
int nd_member_until_quiet(uint64_t d);

/* Communication events (issue 14: a process-shared semaphore's acquisitions
 * and releases): each member counts those it performed, and performs the
 * next only when its (count, id) comes first among the members that can
 * still act: computation between events runs in parallel, the events run
 * one at a time in an order that repeats. turn waits for it; turn_done
 * counts the event performed. Async-signal-safe; nothing without a slot. */
void nd_member_turn(void);
/* After a turn at count c: the earliest (deadline, id) among the members
 * behind c in a wait the tree's order ends (1), or none (0). Such a member
 * wakes there and may then write at a count before c: what was made before
 * c is complete only until this member's clock passes that deadline
 * (sched/treeread.c renews its horizon then). */
int nd_member_wake_before(uint64_t c, uint64_t *d, uint64_t *id);
/* The same at count at(arg), asked again at every look (a reader of pipes,
 * process/deliver.c, or a scheduled process's line waiters, sched/
 * treeline.c, whose count is decided by what has been made for them; at()
 * publishes it as the member's floor), the member blocked meanwhile, until
 * the count granted is the one at() still gives: the member goes on from it
 * (returned). */
uint64_t nd_member_turn_settled(uint64_t (*at)(void *arg), void *arg);
/* How many pauses (~20 us) a wait for another member may spin before it
 * sleeps: 0 when this process has one CPU (the spin would be the other's
 * time). */
int nd_member_spins(void);
void nd_member_turn_done(void);
/* Around a pause in real time the shim makes itself while the member runs
 * (a sleep's real slice, sleep.c): /proc shows it asleep, but it is about
 * to act, and the others must not pass it over as one asleep in a call the
 * shim does not see (order.c's watch did, under load: a failing run's
 * snapshot showed a reader's 1 s timeout go ahead of a `sleep 0.05` in its
 * 10 ms real slice; 6 runs in 1800 lost so before, 7 in 4950 after, so
 * another window remains: docs/limits.md). */
void nd_member_pausing(int on);
/* Told around a turn's wait (1, then 0): the thread keeps its process's
 * own turn while it waits for the tree's, which the thread scheduler's
 * watchdog must not take for a stuck thread. The scheduler sets it; the
 * tree does not call up into it. */
extern void (*nd_member_calm)(int on);
/* Tells it (1, then 0) around any wait in which the thread holds its
 * process's turn by right: a turn's wait, a vfork parent's until its child
 * has executed, nd_member_await's. */
void nd_member_keeps_turn(int on);
/* A wait the shim makes for the kernel to catch up with the order (a
 * child's end marked in the past whose pidfd is not readable yet, an exit
 * still closing its descriptors: nd_sys_await), told so: the watchdog took
 * its short sleeps for a wait outside (CI, under load: a child watcher
 * "blocked in the kernel while holding the turn", preempted). */
void nd_member_await(int (*ready)(void *arg), void *arg);
/* A member's count, the clock of that order: the events it performed plus
 * one per ND_COUNT_VT_SHIFT-sized step of its time line (2^23 ns, 8.4 ms).
 * Kendo's clocks move while a thread computes; ours move with what the
 * process's reads of the clock show of it, so a member whose threads spin
 * on the clock, a lock and a condition (CPython's GIL, a pool's submit
 * loop) without a communication event still lets the others' events go,
 * in an order that repeats (its time line at each event does). The step
 * is wide so that processes forked a few hundred reads apart still
 * alternate event by event (docs/design.md). Read from two words that only
 * grow: a reader racing with the member sees too little, never too much. */
#define ND_COUNT_VT_SHIFT 23
static inline uint64_t nd_member_count(struct nd_member *m)
{
	return __atomic_load_n(&m->ev, __ATOMIC_ACQUIRE) + (__atomic_load_n(&m->vt, __ATOMIC_RELAXED) >> ND_COUNT_VT_SHIFT);
}

/* The member goes on from count ev at least (woken by a release stamped
 * ev - 1: Lamport's join); whoever waits for it looks again. */
void nd_member_join(uint64_t ev);

/* A reader of pipes (deliver.c): slot k is woken by a write stamped c - 1
 * and cannot act before count c (a floor is only ever lowered while it
 * waits); this member's floor; and its floor cleared, if it is still seen
 * (a write to a pipe it no longer waits for lowered it). */
void nd_member_floor_lower(int k, uint64_t c);
uint64_t nd_member_floor(void);
void nd_member_floor_clear(uint64_t seen);

/* What this member is doing (running, waiting until a deadline, blocked),
 * kept across a wait made inside a signal handler that interrupted another
 * wait (reap.c). */
struct nd_member_state {
	uint32_t state;
	uint64_t deadline;
	uint64_t id; /* the id the wait is ordered by */
	uint32_t ordered; /* a wait the tree's order ends (tree.h) */
};
void nd_member_state_save(struct nd_member_state *s);
void nd_member_state_restore(const struct nd_member_state *s);

#endif
