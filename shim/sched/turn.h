/*
 * The scheduler's own state and primitives, shared by the files of sched/
 * and by nothing else (scheduler.h is the interface): the slots, the turn,
 * the lock that guards them, and the operations on blocked threads. Every
 * function here expects nd_sched_lock() held unless it says otherwise.
 *
 *   turn.c      the lock, grants, choosing the next runnable thread, quanta
 *   queue.c     blocked threads: deadlines, wake-ups, virtual time jumps
 *   stall.c     every thread waits and none can run
 *   watch.c     what a waiting thread checks every POLL_NS (a stuck holder)
 *   sched.c     the interface: points, blocking, waking, leaving, the wait for the turn
 *   lifecycle.c threads entering and leaving the scheduler, fork
 */
#ifndef ND_TURN_H
#define ND_TURN_H

#include <stdint.h>
#include <time.h>

#include "scheduler.h"

#define QUANTUM 64
#define SPIN 2000 /* pause instructions before sleeping: a few microseconds */
#define SPIN_PARALLEL 10000 /* ... in parallel mode with a CPU for each runnable thread: about 100 us */
#define POLL_NS 10000000ULL           /* how often a waiting thread looks */
#define HELD_POLL_NS 1000000ULL       /* ... while a jump is held by the tree */
#define STUCK_BLOCKED_NS 10000000ULL  /* holder asleep in the kernel */
#define STUCK_RUNNING_NS 1000000000ULL /* holder running without a point */
#define STUCK_SLEEPER_NS 5000000000ULL /* ... while the others only sleep */
#define STUCK_AGAIN_NS 20000000ULL     /* either, once the watch has cut a computation (watch.c) */

enum { S_FREE, S_RUN, S_BLOCKED, S_OUTSIDE };

struct nd_tree_waiter;

struct slot {
	int state;
	int tid;
	unsigned long pt;
	const void *obj;
	uint64_t deadline;
	uint64_t seq;
	int flags;
	enum nd_woken woken;
	uint32_t go; /* futex word: bumped when the turn is granted */
	int sleeping; /* waiting in the kernel on go: a grant must wake it */
	int calm;
	unsigned quantum; /* its first quantum, drawn by its creator */
	const void *mutex; /* a condition waiter's mutex (wait morphing) */
	struct pollfd *fds; /* what an ND_BLOCK_FD waiter waits for */
	int nfds;
	uint64_t asleep_gen, asleep_at; /* the turn in which a waiter first saw it asleep, and when */
	uint64_t stall_tried; /* progress + 1 when a stall woke it (stall()) */
	uint64_t out_deadline; /* S_OUTSIDE: when its wait on the outside world times out */
	int out_tree; /* S_OUTSIDE in a wait only the tree can end (treewait.c) */
	int preempted; /* lost the turn to the watch (watch.c) and has not reached a point since */
	struct nd_tree_waiter *line; /* blocked on nd_sched_line_obj: its place in a line of the tree */
	int kept; /* a descriptor waiter whose descriptors a keeper waits for (treeread.c) */
	int keeps; /* the keeper itself, while it waits for them */
	/* woken by a timeout the line jumped to, nothing else of its process
	 * able to run (nd_sched_expire_idle), not one that other threads'
	 * clock reads passed: the thread's own time (vclock.h) */
	int jumped;
};

extern struct slot nd_slots[ND_SCHED_SLOTS];
extern int nd_slots_hi;        /* slots in use are below it */
extern int nd_turn;            /* the slot that may run; -1: nobody */
extern int nd_sched_noutside, nd_sched_nblocked;
extern int nd_sched_ntree;     /* of the threads outside, those in a wait only the tree can end */
extern char nd_sched_fd_obj;   /* the object descriptor waiters block on */
extern int nd_sched_nfdwait;   /* how many */
/* treeline.c: threads waiting in a line of the tree block on this object */
extern char nd_sched_line_obj;
extern int nd_sched_nlinewait, nd_sched_line_keeping;
int nd_sched_line_keeper(void);   /* nothing runnable: the line waiter that keeps the turn, or -1 */
int nd_sched_lines_due(uint64_t c); /* line waiters to look at, at a turn at count c */
void nd_sched_lines_at(uint64_t c); /* ... and the look, at that turn */
int nd_sched_watch_line(const struct slot *s, int holder_runs); /* its hand-off came on real time */
void nd_sched_lines_reset(void);
extern uint64_t nd_sched_seq;  /* orders blocks: oldest first */
extern uint64_t nd_sched_rng;  /* NODICE_SCHEDULE_SEED's generator */
/* Turns are numbered; how long the current one has lasted is measured by
 * the waiting threads (from when one of them first saw it), so a hand-off
 * costs no clock read. */
extern uint64_t nd_turn_gen, nd_turn_gen_seen, nd_turn_gen_seen_at;
extern int nd_sched_spin_limit; /* SPIN with two CPUs or more to run on, else 0 */
extern int nd_sched_cpus;       /* the CPUs the process may run on */
/* Real progress: wakes by another thread's release, timeouts, returns from
 * the outside world. A stall is reported once per value. */
extern uint64_t nd_sched_progress;
extern __thread unsigned nd_sched_quantum __attribute__((tls_model("initial-exec")));
/* The virtual alarm came due while nothing could run (nd_sched_jump): its
 * signal is sent once the lock is released, since a handler may run at once. */
extern __thread int nd_sched_fire_pending __attribute__((tls_model("initial-exec")));
/* Its handler ran in this very thread, whose wait it ends like any other. */
extern __thread int nd_sched_interrupted_here __attribute__((tls_model("initial-exec")));

#define me nd_sched_me

/* turn.c */
long nd_sched_futex(uint32_t *w, int op, uint32_t v, const struct timespec *to);
void nd_sched_lock(void);
void nd_sched_unlock(void); /* and then the wake-ups and the alarm it deferred */
void nd_sched_lock_reset(void); /* in a fork child */
unsigned nd_sched_next_quantum(void);
void nd_sched_grant(int i);
int nd_sched_pick(int after); /* the next runnable slot after `after`, or -1 */

/* queue.c */
void nd_sched_recompute_deadline(void);
void nd_sched_runnable(int i, enum nd_woken why);
int nd_sched_earliest(void);         /* the blocked slot with the earliest deadline */
int nd_sched_expire(uint64_t vt);    /* wakes the sleepers due by vt; how many */
int nd_sched_expire_idle(uint64_t vt); /* the same, the line having jumped to vt */
#define ND_JUMP_ALARM (-2)
#define ND_JUMP_HELD (-3)            /* another process of the tree has something due first */
extern int nd_sched_jump_held;       /* the last jump was held: waiting threads retry it */
int nd_sched_jump(void);             /* time jumps to the next deadline: its sleeper, -1, ND_JUMP_ALARM or ND_JUMP_HELD */
int nd_sched_oldest_on(const void *obj);
int nd_sched_wake_locked(const void *obj, int n); /* the first woken, or -1 */

/* stall.c: the thread to run when every thread waits, or -1. */
int nd_sched_stall(void);

/* watch.c: a waiting thread's look at the turn, POLL_NS after the last
 * (started: when it began waiting, real time); takes the lock itself. */
void nd_sched_watch(uint64_t started);

/* sched.c: the caller blocks on obj (nd_sched_block_begin, lock held). */
void nd_sched_block_locked(const void *obj, const void *mutex, uint64_t deadline, int flags);
/* sched.c: hands the turn on from a thread that no longer runs; waits for
 * the turn (neither with the lock held). */
void nd_sched_release(void);
/* Nothing of this process runs: tells the tree what it waits for. */
void nd_sched_publish_idle(void);
void nd_sched_wait_turn(void);
void nd_sched_wait_turn_if_not_mine(void);

/* parallel.c: in parallel mode, the end of an ordered call: the turn goes to
 * the next runnable thread and the caller goes on computing without it. */
void nd_sched_pass_on(void);
/* Wakes slot i's wait for the turn to look again (grant does it too). */
void nd_sched_kick(int i);
/* Parallel mode starts: installs the ends of ND_ORDERED (nodice.h). */
void nd_ordered_install(void);

#endif
