/*
 * The deterministic scheduler's interface (sched.c), used by the
 * synchronization functions (sync.c, wait.c), the blocking calls (block.c,
 * sleep.c, dispatch.c) and thread creation (threads.c).
 *
 * A thread is *managed* once the scheduler knows it: the main thread when the
 * process starts its first thread, every thread started through
 * pthread_create/thrd_create after that. Only the thread holding the turn
 * runs; everything else waits on its own futex word.
 */
#ifndef ND_SCHEDULER_H
#define ND_SCHEDULER_H

#include <stdint.h>

#define ND_SCHED_SLOTS 512
#define ND_NO_DEADLINE UINT64_MAX

/* How a block ended. */
enum nd_woken {
	ND_WOKEN_NONE,
	ND_WOKEN_SIGNAL,  /* wake() on its object, or a cancellation request */
	ND_WOKEN_TIMEOUT, /* its virtual deadline arrived */
	ND_WOKEN_RETRY,   /* nothing could run: retry in case the outside changed it */
	ND_WOKEN_INTR,    /* a signal handler ran in the thread while it waited */
};

/* Block flags. */
#define ND_BLOCK_RETRY 1  /* the waiter can re-check its object by itself */
#define ND_BLOCK_CANCEL 2 /* a cancellation point: pthread_cancel wakes it */
#define ND_BLOCK_FD 4     /* waits for descriptors (nd_sched_block_fds) */
#define ND_BLOCK_INTR 8   /* a signal handler ends the wait (ND_WOKEN_INTR), as
			   * it ends sem_wait, sleeps and poll natively */
#define ND_BLOCK_GO 16    /* parallel mode: woken, the waiter returns at once,
			   * without waiting for the turn — for a wait whose
			   * return does nothing another thread could see in
			   * another order (a futex wait, futex.c) */
/* What a blocked thread waits on, for the stall report: ND_BLOCK_ON(kind). */
enum nd_wait_kind {
	ND_WAIT_OTHER, ND_WAIT_MUTEX, ND_WAIT_COND, ND_WAIT_SEM, ND_WAIT_RWLOCK, ND_WAIT_JOIN,
	ND_WAIT_BARRIER, ND_WAIT_SPIN, ND_WAIT_ONCE, ND_WAIT_SLEEP, ND_WAIT_FD, ND_WAIT_FUTEX
};
#define ND_BLOCK_ON(kind) ((kind) << 8)
#define ND_BLOCK_KIND(flags) (((flags) >> 8) & 0xff)

extern int nd_sched_on;
extern uint64_t nd_sched_next_deadline;
extern __thread int nd_sched_me __attribute__((tls_model("initial-exec")));

/* 1 when the calling thread is scheduled and not already inside the
 * scheduler (a signal handler that interrupted it there passes through). */
static inline int nd_sched_managed(void)
{
	return __atomic_load_n(&nd_sched_on, __ATOMIC_RELAXED) && nd_sched_me >= 0 && !nd_sched_depth;
}

/* A synchronization point: counts towards the thread's quantum and passes the
 * turn when it is used up, or when a deadline has come. */
void nd_sched_point(void);
/* Called after a virtual clock read: wakes sleepers whose deadline passed. */
void nd_sched_clock(uint64_t vt);

/* Blocks the caller on `obj` until wake(obj), a deadline or a retry poll.
 * begin/wait split it for condition variables: the caller is registered as a
 * waiter before it releases the mutex. */
void nd_sched_block_begin(const void *obj, uint64_t deadline, int flags);
/* The same for a condition variable waited on with `mutex` (a glibc mutex):
 * signalled while that mutex is locked, the waiter is moved to wait for the
 * mutex (wait morphing), so the unlock that follows hands it the turn and
 * the lock before the signaller can take the mutex again. */
void nd_sched_block_begin_cond(const void *cond, const void *mutex, uint64_t deadline, int flags);
enum nd_woken nd_sched_block_wait(void);
void nd_sched_block_cancel(void); /* between begin and wait: never mind */
enum nd_woken nd_sched_block(const void *obj, uint64_t deadline, int flags);
/* Makes up to n threads blocked on obj runnable, oldest first; any thread may
 * call it. Returns how many it woke (a condition waiter moved to its mutex
 * counts). */
int nd_sched_wake(const void *obj, int n);
/* The same from a release (mutex, rwlock, spin lock unlock): when it wakes a
 * waiter and the caller holds the turn, the first woken gets the turn at once
 * and the caller waits for its next turn. A waiter woken by an unlock so
 * takes the lock before the releaser can take it back: a loop that re-locks
 * cannot starve it, whatever point its quantum ends at. */
void nd_sched_handoff(const void *obj, int n);
/* sched_yield(2): passes the turn; with nothing runnable, time passes. */
void nd_sched_yield(void);
int nd_sched_holds_turn(void);
/* Parallel mode: whether a yield passes the turn (parallel.c). */
int nd_sched_parallel_yield_passes(void);
/* Parallel mode: a mutex locked (+1) or unlocked (-1) through the
 * scheduler, for fork (parallel.c); nothing in serial mode. */
void nd_sched_parallel_held(int delta);

/* Descriptors: a thread whose descriptors are not ready while other threads
 * can run waits in the scheduler instead of the kernel; a write, send or
 * close by any thread of the process (nd_sched_fd_event) wakes it to look
 * again, so an event one thread makes for another arrives in the turn
 * order. With nothing else runnable it is given the turn to look once more,
 * and then leaves for the real wait. */
struct pollfd;
int nd_sched_others_runnable(void);
/* Another thread of the process can run, or waits outside (a call the
 * kernel may end at any moment). */
int nd_sched_others_active(void);
enum nd_woken nd_sched_block_fds(struct pollfd *fds, int n, uint64_t deadline);
void nd_sched_fd_event(void);
/* treeread.c: what a scheduled process's threads see of pipes of the tree.
 * visible: after a poll filled fds' revents, clears the read events of
 * pipes whose unread writes all come after the process's horizon; how many
 * remain ready. keep: nothing else of the process can run and the caller
 * would wait on fds (until deadline): it waits for every descriptor waiter
 * of the process, in the tree's order, and wakes those that now see their
 * pipes; ND_READY, ND_TIMED_OUT or ND_INTR for the caller, ND_KEEP_AGAIN
 * (look again: others may run now) or ND_KEEP_NOT (not such a wait: leave
 * the turn as before). catch_up: when the caller found only writes it may
 * not see yet, the horizon moves to the process's count (a turn of the
 * tree) when the count has passed it: 1 when it moved. (Not at every
 * scheduling point: there it would make a running thread wait for every
 * member behind it in count, a worker computing for seconds among them,
 * whenever another thread of its process waits on a pipe.) */
#define ND_KEEP_NOT (-1)
#define ND_KEEP_AGAIN (-4)
#define ND_KEEP_BLOCK (-5) /* block as a descriptor waiter: a line waiter keeps the turn (treeline.c) */
int nd_sched_visible(struct pollfd *fds, int n);
/* A look that does not wait (a zero timeout) by a scheduled thread, after
 * the kernel's answer r filled fds' revents: an end of file and bytes
 * without a count of a pipe of the tree wait for a wait that blocks (they
 * would show whenever the kernel has them; marked writes show as the kernel
 * holds them). How many remain ready; r when it does not apply. After
 * ND_LOOK_SPINS looks in a row that hid something (a loop that never
 * blocks), one look keeps the kernel's answer: -2 - r then. */
int nd_sched_look(struct pollfd *fds, int n, int r);
/* A wait found fds ready at once, an end of file (or bytes without a count)
 * among them, with nothing else of the process runnable: decided by the
 * keeper (nd_sched_keep), as an end that came while it waited is, so that
 * the ends and writes other waiters see (asyncio's child watchers) come in
 * at the same turn whether the end was there before the wait or not.
 * ND_KEEP_AGAIN (look again), ND_INTR, or ND_KEEP_NOT: not such a wait. */
int nd_sched_keep_end(struct pollfd *fds, int n, uint64_t deadline);
int nd_sched_keep(struct pollfd *fds, int n, uint64_t deadline);
int nd_sched_catch_up(void);
/* Before a thread looks at pipes of the tree: the horizon renewed at a turn
 * once this process's clock has passed the wake of a member behind it. */
void nd_sched_renew(void);
/* A descriptor waiter about to block while other threads run: its
 * process's count + 1 (0 outside the tree's order), which it gives
 * late_look when it goes on (treeread.c): ND_READY, reported when it went
 * on later than a decided order would have it. kernels_order: ND_READY,
 * reported when it shows fds a write the order has not reached. */
uint64_t nd_sched_blocking_at(void);
int nd_sched_late_look(const struct pollfd *fds, int n, uint64_t at);
int nd_sched_kernels_order(const struct pollfd *fds, int n);
/* Before a look at fds: a child's end the horizon has passed is waited for
 * (process/childend.c). */
void nd_sched_settle_ends(struct pollfd *fds, int n);
/* treeline.c: an untimed wait in a line of the tree (objects.h) by a thread
 * of a scheduled process, lined up for it (apply: such a process): it
 * waits in the scheduler until a hand-off is seen at its process's turn. 1
 * handed, -EINTR a handler ran, 0 not such a wait (wait as before). */
struct nd_tree_waiter;
int nd_sched_lines_apply(void);
int nd_sched_line_sleep(struct nd_tree_waiter *w);
/* The process's floor set again from its line waiters still handed (a wait ended). */
void nd_sched_lines_refloor(void);
/* The watch's look at a descriptor waiter's fds (lock held), by what the
 * thread holding the turn does: */
enum nd_holder {
	ND_HOLDER_NONE,  /* no thread holds it: the waiter looks again itself */
	ND_HOLDER_KEEPS, /* a keeper that does not wait for this waiter's descriptors */
	ND_HOLDER_WAITS, /* a wait of the tree, which ends by itself (calm) */
	ND_HOLDER_RUNS,  /* anything else */
};
/* 1 when the waiter should wake: ready at all with no holder, or with input
 * from outside the tree (a socket to the network, a write to be made);
 * ready and seen while a keeper holds the turn; ready while the running
 * holder sleeps in the kernel (sleeps) or the process has computed 50 ms of
 * CPU time since the horizon last moved — and for writes the horizon has
 * not reached it then moves past them, on real time (the watch reports
 * the rejoin). ND_WATCH_HELD: ready, with the holder running and not known
 * to sleep (ask, and look again with sleeps 1). */
#define ND_WATCH_HELD 2
int nd_sched_watch_fds(struct pollfd *fds, int n, enum nd_holder holder, int sleeps);

/* Around a call that may block outside the scheduler's knowledge: leave
 * returns 1 when the caller gave up its turn and must rejoin. */
int nd_sched_leave(void);
void nd_sched_rejoin(void);
/* The calling thread, outside, waits with a timeout at virtual time d (the
 * tree holds later events for it: sched.c). */
void nd_sched_outside_deadline(uint64_t d);
/* A thread outside in a wait only the tree can end (treewait.c), until d
 * (ND_NO_DEADLINE: none): ND_TREE_IDLE, nothing of its process runs, no
 * other thread waits outside in real time, and of the threads outside in
 * such waits its deadline comes first: its process's earliest sleeper is due
 * at *due (ND_NO_DEADLINE: none) and the earlier of the two is its timed
 * event of the tree; ND_TREE_FOLLOW, another such thread's deadline comes
 * first and keeps the time: it only looks at its descriptors; ND_TREE_ACTIVE,
 * a thread of its process runs: it goes back into the scheduler;
 * ND_TREE_REAL, another waits outside in real time (the old rule: sleepers'
 * deadlines elapse in real time, watch.c). */
enum { ND_TREE_IDLE, ND_TREE_ACTIVE, ND_TREE_REAL, ND_TREE_FOLLOW };
int nd_sched_tree_idle(uint64_t d, uint64_t *due);
/* Back from such a wait into the scheduler as a descriptor waiter until d,
 * after the sleepers due by `wake` (the clock is there) woke: returns how
 * this wait ended, when it has the turn again. */
enum nd_woken nd_sched_tree_return(struct pollfd *fds, int n, uint64_t d, uint64_t wake);
/* Whether the process changed since the turn number seen: the tree wait
 * then looks again. */
int nd_sched_tree_changed(uint64_t seen);
uint64_t nd_sched_turn_number(void);
/* Logs that a thread's place in the order followed real time. */
void nd_sched_note_outside(void);
/* A thread of a tree member came back from a wait another process ended
 * while another thread of its process ran (tree-order; watch.c). */
void nd_sched_note_tree_rejoin(void);

/* Threads. */
int nd_sched_thread_prepare(void);            /* creator: slot for the new thread, or -1 */
void nd_sched_thread_created(int slot, unsigned long pt);
void nd_sched_thread_abandon(int slot);       /* creator: the thread was not created */
void nd_sched_thread_enter(int slot);         /* the new thread, before its start routine */
int nd_sched_thread_alive(unsigned long pt);  /* a managed thread that has not finished */
void nd_sched_cancel(unsigned long pt);       /* pthread_cancel: wakes a cancellable wait */
void nd_sched_fork_child(void);

/* futex.c: futex(2) made without libc (a trapped inline call, syscall(2)):
 * private waits and wakes of scheduled threads in the turn order, the rest
 * in the kernel. Returns what the system call would (-errno). */
long nd_futex_call(long a, long b, long c, long d, long e, long f);

/* Sleeps inside a real wait of bounded length do not look stuck. */
void nd_sched_calm(int on);

#endif
