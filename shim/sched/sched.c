/*
 * Deterministic scheduling: at most one managed thread runs at a time.
 *
 * The right to run is the *turn*. The thread holding it passes it only at
 * synchronization and blocking points (sync.c, wait.c, sleep.c, block.c),
 * to the next runnable thread in slot order (round robin over creation
 * order), after a quantum of QUANTUM such points, or at once when it blocks.
 * Slots are handed out while the creator holds the turn, so the order, and
 * with it every interleaving, depends only on what the program did. With
 * NODICE_SCHEDULE_SEED set, the next thread and the quantum lengths are
 * drawn from a generator seeded with it instead: another interleaving, as
 * reproducible as the first.
 *
 * Blocking is done here, not in the kernel: a thread waiting for a mutex,
 * condition, semaphore, barrier or join is marked blocked on the object's
 * address and woken by the call that releases it. Deadlines are virtual:
 * when no thread can run and none is outside, virtual time jumps to the
 * earliest deadline and that thread times out; a clock read or
 * synchronization point that finds a deadline passed wakes its sleeper.
 * While some thread waits on the outside world, nothing runnable, deadlines
 * elapse in real time instead.
 *
 * Calls that may block outside the scheduler's knowledge (pipes, sockets,
 * child processes, futexes) leave the turn and rejoin when they return.
 * What the scheduler cannot see is covered by the waiting threads
 * themselves: each waits on its futex word with a 10 ms timeout and then
 * checks the holder. A holder seen asleep in the kernel twice, 10 ms apart,
 * or running without a synchronization point for a whole second while
 * others are runnable (five while the others only sleep: a long computation
 * in one Python thread must not be cut at a timing-dependent point just
 * because another waits for the GIL with a timeout), loses the turn; each
 * preemption is logged as uncontrolled. A free turn with nothing runnable
 * lets blocked threads that can re-check their object (a mutex released by
 * a thread nodice did not start, a semaphore posted from another process)
 * retry.
 *
 * Everything shared lives in static arrays under one futex lock; nothing
 * allocates. A signal handler that interrupts a thread inside this file sees
 * nd_sched_depth set and passes through to libc.
 */
#include "nodice.h"
#include "fmt.h"
#include "scheduler.h"
#include "itimer.h"

#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#define QUANTUM 64
#define SPIN 2000 /* pause instructions before sleeping: a few microseconds */
#define POLL_NS 10000000ULL           /* how often a waiting thread looks */
#define STUCK_BLOCKED_NS 10000000ULL  /* holder asleep in the kernel */
#define STUCK_RUNNING_NS 1000000000ULL /* holder running without a point */
#define STUCK_SLEEPER_NS 5000000000ULL /* ... while the others only sleep */

enum { S_FREE, S_RUN, S_BLOCKED, S_OUTSIDE };

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
};

static struct slot slots[ND_SCHED_SLOTS];
static int hi;                 /* slots in use are below hi */
static int turn = -1;          /* the slot that may run; -1: nobody */
static int noutside, nblocked;
static char fd_event; /* the object descriptor waiters block on */
static int nfdwait;   /* how many */
static uint64_t seqc;
static uint32_t lk;
static uint64_t rng;
/* Turns are numbered; how long the current one has lasted is measured by
 * the waiting threads (from when one of them first saw it), so a hand-off
 * costs no clock read. */
static uint64_t gen, gen_seen, gen_seen_at;
static int spin_limit; /* SPIN with two CPUs or more to run on, else 0 */
/* Real progress: wakes by another thread's release, timeouts, returns from
 * the outside world. A stall is reported once per value. */
static uint64_t progress, stall_reported = ~0ULL;
static pthread_key_t exit_key;
static int exit_key_made;

int nd_sched_on;
uint64_t nd_sched_next_deadline = ND_NO_DEADLINE;
ND_TLS int nd_sched_me = -1;
ND_TLS int nd_sched_depth;
static ND_TLS unsigned ops, quantum = QUANTUM;

#define me nd_sched_me

static long futex(uint32_t *w, int op, uint32_t v, const struct timespec *to)
{
	return nd_sys(SYS_futex, (long)w, op | FUTEX_PRIVATE_FLAG, v, (long)to, 0, 0);
}

static void lock(void)
{
	uint32_t c = 0;
	if (__atomic_compare_exchange_n(&lk, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	if (c != 2)
		c = __atomic_exchange_n(&lk, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		futex(&lk, FUTEX_WAIT, 2, NULL);
		c = __atomic_exchange_n(&lk, 2, __ATOMIC_ACQUIRE);
	}
}

/* A grant's FUTEX_WAKE is made after the lock is released: on one CPU the
 * woken thread often runs at once, and would find the lock taken. */
static ND_TLS int pending_wake = -1;
/* The virtual alarm came due while nothing could run (jump()): its signal is
 * sent once the lock is released, since a handler may run at once. */
static ND_TLS int fire_pending;
/* Its handler ran in this very thread, whose wait it ends like any other. */
static ND_TLS int interrupted_here;

static void fire_alarm(void)
{
	/* Process-directed, as the kernel's timer sends it: the kernel picks the
	 * thread group leader when it does not block the signal. */
	long tid = nd_sys0(SYS_gettid);
	int here = nd_pid == tid && nd_signals_handled_here(SIGALRM);
	if (nd_itimer_fire(nd_vclock_now(), 0) && here)
		interrupted_here = 1;
}

static void unlock(void)
{
	if (__atomic_exchange_n(&lk, 0, __ATOMIC_RELEASE) == 2)
		futex(&lk, FUTEX_WAKE, 1, NULL);
	if (pending_wake >= 0) {
		int i = pending_wake;
		pending_wake = -1;
		futex(&slots[i].go, FUTEX_WAKE, 1, NULL);
	}
	if (fire_pending) {
		fire_pending = 0;
		fire_alarm();
	}
}

static uint64_t real_ns(void)
{
	struct timespec ts;
	nd_sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0, 0);
	return (uint64_t)ts.tv_sec * ND_NS + (uint64_t)ts.tv_nsec;
}

static uint64_t draw(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned next_quantum(void)
{
	return nd_cfg.schedule_seed ? 1 + (unsigned)(draw() % (2 * QUANTUM)) : QUANTUM;
}

/* All below: with lk held. */

static void grant(int i)
{
	__atomic_add_fetch(&gen, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&turn, i, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&slots[i].go, 1, __ATOMIC_SEQ_CST);
	if (i != me && __atomic_load_n(&slots[i].sleeping, __ATOMIC_SEQ_CST)) {
		if (pending_wake >= 0)
			futex(&slots[pending_wake].go, FUTEX_WAKE, 1, NULL);
		pending_wake = i;
	}
}

/* The next runnable slot after `after`, wrapping round to it last. */
static int pick_run(int after)
{
	if (nd_cfg.schedule_seed) {
		int n = 0;
		for (int i = 0; i < hi; i++)
			n += slots[i].state == S_RUN;
		if (!n)
			return -1;
		int k = (int)(draw() % (uint64_t)n);
		for (int i = 0; i < hi; i++)
			if (slots[i].state == S_RUN && k-- == 0)
				return i;
	}
	for (int k = 1; k <= hi; k++) {
		int i = (after + k + hi) % hi;
		if (slots[i].state == S_RUN)
			return i;
	}
	return -1;
}

static void recompute_deadline(void)
{
	uint64_t d = ND_NO_DEADLINE;
	for (int i = 0; i < hi; i++)
		if (slots[i].state == S_BLOCKED && slots[i].deadline < d)
			d = slots[i].deadline;
	__atomic_store_n(&nd_sched_next_deadline, d, __ATOMIC_RELAXED);
}

static void make_runnable(int i, enum nd_woken why)
{
	int had_deadline = slots[i].deadline != ND_NO_DEADLINE;
	if (slots[i].flags & ND_BLOCK_FD)
		__atomic_sub_fetch(&nfdwait, 1, __ATOMIC_RELAXED);
	slots[i].flags = 0;
	slots[i].state = S_RUN;
	slots[i].woken = why;
	slots[i].deadline = ND_NO_DEADLINE;
	__atomic_sub_fetch(&nblocked, 1, __ATOMIC_RELAXED);
	if (had_deadline)
		recompute_deadline();
}

/* The blocked slot with the earliest deadline (oldest first on ties). */
static int earliest(void)
{
	int best = -1;
	for (int i = 0; i < hi; i++) {
		struct slot *s = &slots[i];
		if (s->state != S_BLOCKED || s->deadline == ND_NO_DEADLINE)
			continue;
		if (best < 0 || s->deadline < slots[best].deadline ||
		    (s->deadline == slots[best].deadline && s->seq < slots[best].seq))
			best = i;
	}
	return best;
}

/* Wakes every sleeper whose deadline is at or before vt; returns how many. */
static int expire(uint64_t vt)
{
	int n = 0;
	for (int i = 0; i < hi; i++)
		if (slots[i].state == S_BLOCKED && slots[i].deadline <= vt) {
			make_runnable(i, ND_WOKEN_TIMEOUT);
			n++;
		}
	return n;
}

/* Virtual time jumps to the earliest deadline; returns its sleeper, -1, or
 * ND_JUMP_ALARM when the virtual alarm comes first: its signal is what
 * happens next (sent by unlock()), and a handler it runs wakes its thread. */
#define ND_JUMP_ALARM (-2)
static int jump(void)
{
	int d = earliest();
	uint64_t t = __atomic_load_n(&nd_itimer_next, __ATOMIC_ACQUIRE);
	if (t != ND_NO_DEADLINE && (d < 0 || t < slots[d].deadline)) {
		nd_vclock_advance_to(t);
		progress++;
		fire_pending = 1;
		return ND_JUMP_ALARM;
	}
	if (d < 0)
		return -1;
	progress++;
	nd_vclock_advance_to(slots[d].deadline);
	expire(slots[d].deadline);
	return d;
}

/* The thread blocked on obj the longest, or -1. */
static int oldest_on(const void *obj)
{
	int best = -1;
	for (int i = 0; i < hi; i++)
		if (slots[i].state == S_BLOCKED && slots[i].obj == obj &&
		    (best < 0 || slots[i].seq < slots[best].seq))
			best = i;
	return best;
}

static const char *const wait_name[] = {
	[ND_WAIT_OTHER] = "something", [ND_WAIT_MUTEX] = "a mutex", [ND_WAIT_COND] = "a condition variable",
	[ND_WAIT_SEM] = "a semaphore", [ND_WAIT_RWLOCK] = "a rwlock", [ND_WAIT_JOIN] = "the end of thread",
	[ND_WAIT_BARRIER] = "a barrier", [ND_WAIT_SPIN] = "a spin lock", [ND_WAIT_ONCE] = "a pthread_once",
	[ND_WAIT_SLEEP] = "a sleep", [ND_WAIT_FD] = "descriptors",
};

/* The stall, written to the log at once: each thread (by creation order)
 * and what it waits on, with the object's address (the same in every run:
 * address randomization is off). */
static void report_stall(void)
{
	char detail[480];
	struct nd_buf b = ND_BUF(detail);
	nd_fmt_str(&b, "every thread waits and none can run:");
	for (int i = 0; i < hi; i++) {
		if (slots[i].state != S_BLOCKED)
			continue;
		unsigned k = ND_BLOCK_KIND(slots[i].flags);
		nd_fmt_str(&b, " #");
		nd_fmt_u64(&b, (uint64_t)i);
		nd_fmt_str(&b, " on ");
		nd_fmt_str(&b, wait_name[k < sizeof(wait_name) / sizeof(wait_name[0]) ? k : 0]);
		nd_fmt_str(&b, " 0x");
		nd_fmt_hexmin(&b, (uint64_t)(uintptr_t)slots[i].obj);
		nd_fmt_str(&b, ";");
	}
	nd_log_uncontrolled_now("schedule-stall", detail);
}

/* Every thread waits, none is outside, no deadline: a stall. A condition
 * waiter may be woken at any moment (POSIX allows spurious wake-ups), so
 * each one, oldest first, is woken once per stall: a lost wake-up is found
 * again, deterministically. With none left it is a deadlock, reported once;
 * the threads go on waiting, as natively. A process with a real-time timer
 * armed may be waiting for its signal: not reported. Returns the thread to
 * run, or -1. */
static int stall(void)
{
	int best = -1;
	for (int i = 0; i < hi; i++)
		if (slots[i].state == S_BLOCKED && ND_BLOCK_KIND(slots[i].flags) == ND_WAIT_COND &&
		    slots[i].stall_tried != progress + 1 && (best < 0 || slots[i].seq < slots[best].seq))
			best = i;
	if (best >= 0) {
		slots[best].stall_tried = progress + 1;
		make_runnable(best, ND_WOKEN_RETRY);
		nd_log_uncontrolled("schedule-stall-broken", "every thread waited and none could run: the oldest "
							     "condition waiter not yet tried was woken, as POSIX allows");
		return best;
	}
	if (stall_reported != progress && !nd_timers_armed) {
		stall_reported = progress;
		report_stall();
	}
	return -1;
}

/* The caller no longer runs (blocked, outside, finished): hand the turn on.
 * With nothing runnable, the oldest descriptor waiter looks once more (and
 * leaves for the real wait if it must), then virtual time jumps; with no
 * deadline either, it is a stall. */
static void release(void)
{
	int n = pick_run(me);
	if (n < 0 && (n = oldest_on(&fd_event)) >= 0)
		make_runnable(n, ND_WOKEN_RETRY);
	if (n < 0 && !noutside)
		n = jump();
	if (n == -1 && !noutside)
		n = stall();
	if (n >= 0)
		grant(n);
	else
		__atomic_store_n(&turn, -1, __ATOMIC_RELEASE);
}

/* A condition waiter signalled while its mutex is held now waits for the
 * mutex, as woken by the signal; 1 when it was moved. */
static int morph(int i)
{
	const pthread_mutex_t *m = slots[i].mutex;
	if (!m || !__atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED))
		return 0;
	int had_deadline = slots[i].deadline != ND_NO_DEADLINE;
	slots[i].obj = m;
	slots[i].mutex = NULL;
	slots[i].deadline = ND_NO_DEADLINE;
	slots[i].flags = ND_BLOCK_RETRY | ND_BLOCK_ON(ND_WAIT_MUTEX);
	slots[i].woken = ND_WOKEN_SIGNAL;
	slots[i].seq = ++seqc;
	if (had_deadline)
		recompute_deadline();
	return 1;
}

static int woken_locked(const void *obj, int n)
{
	int first = -1, i, any = 0;
	while (n-- > 0 && (i = oldest_on(obj)) >= 0) {
		any = 1;
		if (morph(i))
			continue;
		make_runnable(i, ND_WOKEN_SIGNAL);
		if (first < 0)
			first = i;
	}
	if (first >= 0 && turn < 0)
		grant(first);
	progress += any;
	return first;
}

/* The state letter of a thread of this process ('R', 'S', 'D', ...). */
static char thread_state(int tid)
{
	char path[48], buf[256];
	struct nd_buf b = ND_BUF(path);
	nd_fmt_str(&b, "/proc/self/task/");
	nd_fmt_u64(&b, (uint64_t)tid);
	nd_fmt_str(&b, "/stat");
	long fd = nd_sys(SYS_openat, -100, (long)path, 0 /* O_RDONLY */, 0, 0, 0);
	if (fd < 0)
		return '?';
	long r = nd_sys(SYS_read, fd, (long)buf, sizeof(buf) - 1, 0, 0, 0);
	nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
	if (r <= 0)
		return '?';
	buf[r] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* How long the current turn has lasted, as far as the waiters know. */
static uint64_t held_for(uint64_t now)
{
	if (gen_seen != gen) {
		gen_seen = gen;
		gen_seen_at = now;
	}
	return now - gen_seen_at;
}

/* Whether the holder t, in turn number g, has been seen asleep in the
 * kernel twice, POLL_NS apart. The state is read without the lock: a holder
 * waiting for the lock is asleep too. */
static int holder_asleep(int t, uint64_t g, uint64_t now)
{
	char st = thread_state(slots[t].tid);
	lock();
	int same = turn == t && gen == g;
	int asleep = 0;
	if (same && (st == 'S' || st == 'D')) {
		if (slots[t].asleep_gen != g) {
			slots[t].asleep_gen = g;
			slots[t].asleep_at = now;
		} else {
			asleep = now - slots[t].asleep_at >= POLL_NS;
		}
	} else if (same) {
		slots[t].asleep_gen = 0;
	}
	unlock();
	return asleep;
}

void nd_sched_note_outside(void)
{
	nd_log_uncontrolled("schedule-outside",
			    "a thread waited outside the scheduler (pipe, socket, child, signal, lock, futex): it rejoined the order when the call returned");
}

/* A waiting thread looks at the turn after POLL_NS without news. */
static void watch(uint64_t started)
{
	lock();
	struct slot *s = &slots[me];
	int t = turn;
	uint64_t now = real_ns(), held = held_for(now);
	if (t >= 0 && t != me && s->state == S_RUN && !slots[t].calm && held >= STUCK_BLOCKED_NS &&
	    held < STUCK_RUNNING_NS) {
		uint64_t g = gen;
		unlock();
		if (!holder_asleep(t, g, now))
			return;
		lock();
		if (turn == t && gen == g && s->state == S_RUN) {
			nd_log_uncontrolled("schedule-preempted",
					    "a thread blocked in the kernel outside the scheduler while holding the turn: another ran meanwhile");
			grant(me);
		}
		unlock();
		return;
	}
	if (s->state == S_BLOCKED && (s->flags & ND_BLOCK_FD)) {
		/* Ready by something from outside the process: real time. */
		if (nd_sys(SYS_poll, (long)s->fds, s->nfds, 0, 0, 0, 0) != 0) {
			nd_sched_note_outside();
			make_runnable(me, ND_WOKEN_SIGNAL);
			if (turn < 0)
				grant(me);
		}
		unlock();
		return;
	}
	if (t == me) {
		/* granted while we looked */
	} else if (t < 0 && s->state == S_RUN) {
		grant(me);
	} else if (t < 0 && s->state == S_BLOCKED) {
		if (s->deadline != ND_NO_DEADLINE && earliest() == me) {
			/* Only threads waiting on the outside world can change
			 * anything now: the deadline elapses in real time, as it
			 * would natively (a connect timeout must leave the peer
			 * process time to answer). */
			uint64_t v = nd_vclock_now();
			uint64_t rel = s->deadline > v ? s->deadline - v : 0;
			if (now - started >= rel) {
				nd_vclock_advance_to(s->deadline);
				expire(s->deadline);
				grant(me);
			}
		} else if (s->flags & ND_BLOCK_RETRY) {
			make_runnable(me, ND_WOKEN_RETRY);
			grant(me);
		}
	} else if (t >= 0 && s->state == S_BLOCKED && s->deadline != ND_NO_DEADLINE && !slots[t].calm &&
		   held >= STUCK_SLEEPER_NS && earliest() == me) {
		/* The holder spins without reading a clock or reaching a point,
		 * so virtual time cannot bring this deadline: real time does. */
		nd_log_uncontrolled("schedule-preempted",
				    "a thread ran 5 s without a synchronization point or clock read while another slept: the sleeper woke on real time");
		if (s->deadline > nd_vclock_now())
			nd_vclock_advance_to(s->deadline);
		expire(s->deadline);
		grant(me);
	} else if (t >= 0 && s->state == S_RUN && !slots[t].calm && held >= STUCK_RUNNING_NS) {
		nd_log_uncontrolled("schedule-preempted",
				    "a thread ran 1 s without a synchronization point while another was runnable: both ran at once");
		grant(me);
	}
	unlock();
}

/* A signal handler ran in this thread while it waited: an interruptible wait
 * ends (ND_WOKEN_INTR), as the kernel ends sem_wait, sleeps and poll. */
static void interrupted(void)
{
	lock();
	struct slot *s = &slots[me];
	if (s->state == S_BLOCKED && (s->flags & ND_BLOCK_INTR)) {
		make_runnable(me, ND_WOKEN_INTR);
		progress++;
		if (turn < 0)
			grant(me);
	}
	unlock();
}

/* Waits for the turn: a short spin first (a hand-off between two running
 * threads then costs no system call), then the futex. */
static void wait_turn(void)
{
	struct slot *s = &slots[me];
	uint64_t started = 0;
	if (interrupted_here) {
		interrupted_here = 0;
		interrupted();
	}
	for (int spin = 0; spin < spin_limit; spin++) {
		if (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) == me)
			goto mine;
		__builtin_ia32_pause();
	}
	for (;;) {
		__atomic_store_n(&s->sleeping, 1, __ATOMIC_SEQ_CST);
		uint32_t g = __atomic_load_n(&s->go, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&turn, __ATOMIC_SEQ_CST) == me)
			break;
		struct timespec to = { 0, POLL_NS };
		long r = futex(&s->go, FUTEX_WAIT, g, &to);
		__atomic_store_n(&s->sleeping, 0, __ATOMIC_RELAXED);
		if (r == -EINTR || interrupted_here) {
			interrupted_here = 0;
			interrupted();
		}
		if (r == -ETIMEDOUT) {
			if (!started)
				started = real_ns() - POLL_NS;
			watch(started);
		}
	}
	__atomic_store_n(&s->sleeping, 0, __ATOMIC_RELAXED);
mine:
	ops = 0;
}

void nd_sched_calm(int on)
{
	if (me < 0)
		return;
	if (!on)
		__atomic_add_fetch(&gen, 1, __ATOMIC_RELAXED); /* a new turn starts after the real wait */
	__atomic_store_n(&slots[me].calm, on, __ATOMIC_RELAXED);
}

/* Passes the turn to the next runnable thread, which may be the caller. */
static void pass(void)
{
	lock();
	expire(nd_vclock_now());
	quantum = next_quantum();
	if (turn == me) {
		int n = pick_run(me);
		if (n >= 0 && n != me)
			grant(n);
	}
	unlock();
	wait_turn();
}

void nd_sched_point(void)
{
	if (!nd_sched_managed())
		return;
	if (ND_LIKELY(++ops < quantum && __atomic_load_n(&turn, __ATOMIC_RELAXED) == me &&
		      nd_vclock_now() < __atomic_load_n(&nd_sched_next_deadline, __ATOMIC_RELAXED)))
		return;
	nd_sched_depth++;
	pass();
	nd_sched_depth--;
}

void nd_sched_clock(uint64_t vt)
{
	if (ND_LIKELY(vt < __atomic_load_n(&nd_sched_next_deadline, __ATOMIC_RELAXED)) ||
	    !nd_sched_on || nd_sched_depth)
		return;
	nd_sched_depth++;
	lock();
	int n = expire(vt);
	if (n && turn < 0)
		grant(pick_run(-1));
	int mine = n && me >= 0 && turn == me;
	unlock();
	if (mine)
		pass();
	nd_sched_depth--;
}

static void begin(const void *obj, const void *mutex, uint64_t deadline, int flags)
{
	nd_sched_depth++;
	lock();
	struct slot *s = &slots[me];
	s->state = S_BLOCKED;
	s->obj = obj;
	s->deadline = deadline;
	s->flags = flags;
	s->mutex = mutex;
	s->seq = ++seqc;
	s->woken = ND_WOKEN_NONE;
	__atomic_add_fetch(&nblocked, 1, __ATOMIC_RELAXED);
	if (flags & ND_BLOCK_FD)
		__atomic_add_fetch(&nfdwait, 1, __ATOMIC_RELAXED);
	if (deadline < nd_sched_next_deadline)
		__atomic_store_n(&nd_sched_next_deadline, deadline, __ATOMIC_RELAXED);
	unlock();
	nd_sched_depth--;
}

void nd_sched_block_begin(const void *obj, uint64_t deadline, int flags)
{
	begin(obj, NULL, deadline, flags);
}

void nd_sched_block_begin_cond(const void *cond, const void *mutex, uint64_t deadline, int flags)
{
	begin(cond, mutex, deadline, flags);
}

void nd_sched_block_cancel(void)
{
	nd_sched_depth++;
	lock();
	if (slots[me].state == S_BLOCKED)
		make_runnable(me, ND_WOKEN_NONE);
	unlock();
	nd_sched_depth--;
}

enum nd_woken nd_sched_block_wait(void)
{
	nd_sched_depth++;
	lock();
	if (turn == me)
		release();
	unlock();
	wait_turn();
	nd_sched_depth--;
	return slots[me].woken;
}

enum nd_woken nd_sched_block(const void *obj, uint64_t deadline, int flags)
{
	nd_sched_block_begin(obj, deadline, flags);
	return nd_sched_block_wait();
}

void nd_sched_wake(const void *obj, int n)
{
	if (!__atomic_load_n(&nblocked, __ATOMIC_RELAXED) || nd_sched_depth)
		return;
	nd_sched_depth++;
	lock();
	woken_locked(obj, n);
	unlock();
	nd_sched_depth--;
}

void nd_sched_handoff(const void *obj, int n)
{
	if (!__atomic_load_n(&nblocked, __ATOMIC_RELAXED) || nd_sched_depth)
		return;
	if (me < 0) {
		nd_sched_wake(obj, n);
		return;
	}
	nd_sched_depth++;
	lock();
	int first = woken_locked(obj, n), give = first >= 0 && turn == me;
	if (give) {
		quantum = next_quantum();
		grant(first);
	}
	unlock();
	if (give)
		wait_turn();
	nd_sched_depth--;
}

int nd_sched_others_runnable(void)
{
	for (int i = 0; i < hi; i++)
		if (i != me && __atomic_load_n(&slots[i].state, __ATOMIC_RELAXED) == S_RUN)
			return 1;
	return 0;
}

enum nd_woken nd_sched_block_fds(struct pollfd *fds, int n, uint64_t deadline)
{
	slots[me].fds = fds;
	slots[me].nfds = n;
	nd_sched_block_begin(&fd_event, deadline, ND_BLOCK_FD | ND_BLOCK_INTR | ND_BLOCK_ON(ND_WAIT_FD));
	return nd_sched_block_wait();
}

void nd_sched_fd_event(void)
{
	if (__atomic_load_n(&nfdwait, __ATOMIC_RELAXED))
		nd_sched_wake(&fd_event, ND_SCHED_SLOTS);
}

void nd_sched_yield(void)
{
	nd_sched_depth++;
	lock();
	expire(nd_vclock_now());
	quantum = next_quantum();
	if (turn == me) {
		int n = pick_run(me);
		if (n == me && !noutside && jump() >= 0)
			n = pick_run(me);
		if (n >= 0 && n != me)
			grant(n);
	}
	unlock();
	wait_turn();
	nd_sched_depth--;
}

int nd_sched_leave(void)
{
	if (!nd_sched_managed())
		return 0;
	nd_sched_depth++;
	lock();
	slots[me].state = S_OUTSIDE;
	noutside++;
	if (turn == me)
		release();
	unlock();
	nd_sched_depth--;
	return 1;
}

void nd_sched_rejoin(void)
{
	nd_sched_depth++;
	lock();
	noutside--;
	progress++;
	slots[me].state = S_RUN;
	if (turn < 0)
		grant(me);
	unlock();
	wait_turn();
	nd_sched_depth--;
}

static void on_thread_exit(void *unused)
{
	(void)unused;
	if (me < 0 || !nd_sched_on)
		return;
	nd_sched_depth++;
	if (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != me)
		wait_turn();
	lock();
	struct slot *s = &slots[me];
	s->state = S_FREE;
	woken_locked((const void *)s->pt, ND_SCHED_SLOTS);
	release();
	unlock();
	me = -1;
	nd_sched_depth--;
}

static void enter(int i)
{
	me = i;
	slots[i].tid = (int)nd_sys0(SYS_gettid);
	slots[i].pt = (unsigned long)pthread_self();
	quantum = slots[i].quantum;
	pthread_setspecific(exit_key, (void *)1);
}

/* The first thread the process starts makes its creator slot 0. */
static void activate(void)
{
	if (!exit_key_made && pthread_key_create(&exit_key, on_thread_exit) == 0)
		exit_key_made = 1;
	rng = nd_cfg.schedule_seed;
	/* Spinning only helps when the holder has another CPU to run on. */
	unsigned long mask[16] = { 0 };
	long n = nd_sys(SYS_sched_getaffinity, 0, sizeof(mask), (long)mask, 0, 0, 0);
	int cpus = 0;
	for (long i = 0; i < n / (long)sizeof(long); i++)
		cpus += __builtin_popcountl(mask[i]);
	spin_limit = cpus >= 2 ? SPIN : 0;
	memset(slots, 0, sizeof(slots));
	hi = 1;
	slots[0].state = S_RUN;
	slots[0].deadline = ND_NO_DEADLINE;
	slots[0].quantum = next_quantum();
	gen = gen_seen + 1; /* a turn nobody has timed yet */
	enter(0);
	turn = 0;
	__atomic_store_n(&nd_sched_on, 1, __ATOMIC_RELEASE);
}

int nd_sched_thread_prepare(void)
{
	if (!nd_sched_on && nd_sched_depth == 0)
		activate();
	if (!nd_sched_managed())
		return -1;
	lock();
	int i = 0;
	while (i < ND_SCHED_SLOTS && slots[i].state != S_FREE)
		i++;
	if (i == ND_SCHED_SLOTS) {
		unlock();
		nd_log_uncontrolled("schedule-unscheduled", "more than 512 live threads: the rest run unscheduled");
		return -1;
	}
	slots[i] = (struct slot){ .state = S_RUN, .deadline = ND_NO_DEADLINE, .go = slots[i].go,
				  .quantum = next_quantum() };
	if (i >= hi)
		hi = i + 1;
	unlock();
	return i;
}

void nd_sched_thread_created(int i, unsigned long pt)
{
	slots[i].pt = pt;
}

void nd_sched_thread_abandon(int i)
{
	lock();
	slots[i].state = S_FREE;
	unlock();
}

void nd_sched_thread_enter(int i)
{
	enter(i);
	nd_sched_depth++;
	wait_turn();
	nd_sched_depth--;
}

int nd_sched_thread_alive(unsigned long pt)
{
	for (int i = 0; i < hi; i++)
		if (__atomic_load_n(&slots[i].state, __ATOMIC_ACQUIRE) != S_FREE && slots[i].pt == pt)
			return 1;
	return 0;
}

void nd_sched_cancel(unsigned long pt)
{
	if (!nd_sched_on || nd_sched_depth)
		return;
	nd_sched_depth++;
	lock();
	for (int i = 0; i < hi; i++)
		if (slots[i].pt == pt && slots[i].state == S_BLOCKED && (slots[i].flags & ND_BLOCK_CANCEL)) {
			make_runnable(i, ND_WOKEN_SIGNAL);
			if (turn < 0)
				grant(i);
		}
	unlock();
	nd_sched_depth--;
}

/* The child of fork has one thread: it runs unscheduled until it starts
 * another, like a new process. */
void nd_sched_fork_child(void)
{
	lk = 0;
	memset(slots, 0, sizeof(slots));
	hi = 0;
	turn = -1;
	noutside = nblocked = nfdwait = 0;
	nd_sched_next_deadline = ND_NO_DEADLINE;
	nd_sched_on = 0;
	me = -1;
	nd_sched_depth = 0;
}
