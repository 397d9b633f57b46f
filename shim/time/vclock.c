/*
 * The virtual time line.
 *
 * One counter, nd_vt, holds the nanoseconds elapsed since the run began; it
 * starts where the parent image left it (NODICE_CLOCK) and every clock read
 * moves it forward by NODICE_TICK_NS. Each clock id is a fixed offset from it:
 * wall clocks from NODICE_EPOCH, monotonic clocks from ND_MONO_BASE. So
 * clocks never go backwards, agree with each other, and need neither a system
 * call nor a TSC read. The wall clocks alone can be set by the program
 * (settime.c); they then jump, as natively.
 *
 * CPU time is work, not waiting: the line moves either by a read's tick or by
 * a wait (a sleep, a timeout, an idle jump to the next deadline, a child's
 * time at reap), and waits are summed apart in nd_vt_idle. The process's CPU
 * clock is the line since this process started less its waits; a thread's
 * is the ticks of its own reads (a thread-local sum, so it depends on
 * nothing another thread does). Both restart at zero in a fork child and in
 * a new image, as natively.
 */
#include "nodice.h"
#include "vclock.h"
#include "count.h"
#include "tree.h"

#include <errno.h>
#include <sys/syscall.h>
#include <time.h>

static uint64_t own_line;
uint64_t *nd_vt_line = &own_line;
ND_TLS uint64_t nd_vt_thread_cpu;
ND_TLS uint64_t nd_vt_thread_slept;
static uint64_t vt_idle;		   /* the part of nd_vt that waits added */
static uint64_t cpu_start_vt, cpu_start_idle; /* both when the CPU clocks started */
static int64_t cpu_seen; /* the process CPU clock never goes back (see process_cpu) */

/* How far the file times this process (and its ancestors) read moved its
 * wall clocks forward (nd_vclock_wall_join). */
static uint64_t wall_join;

void nd_vclock_start(uint64_t vt)
{
	nd_vt = vt;
	wall_join = nd_cfg.wall_join_ns;
	nd_vclock_fork_child();
}

void nd_vclock_place(uint64_t *line, int keep)
{
	uint64_t v = __atomic_load_n(nd_vt_line, __ATOMIC_RELAXED);
	if (keep && __atomic_load_n(line, __ATOMIC_RELAXED) < v)
		__atomic_store_n(line, v, __ATOMIC_RELAXED);
	__atomic_store_n(&nd_vt_line, line, __ATOMIC_RELEASE);
}

void nd_vclock_fork_child(void)
{
	cpu_start_vt = nd_vt;
	cpu_start_idle = vt_idle;
	cpu_seen = 0;
	nd_vt_thread_cpu = 0;
}

/* A wait adds to vt_idle before it moves the line, so a reader racing with
 * it can only see too little CPU time, never too much; the clamp to the
 * highest value already given keeps the clock from going back meanwhile. */
static int64_t process_cpu(uint64_t vt)
{
	int64_t c = (int64_t)(vt - cpu_start_vt) - (int64_t)(__atomic_load_n(&vt_idle, __ATOMIC_ACQUIRE) - cpu_start_idle);
	int64_t seen = __atomic_load_n(&cpu_seen, __ATOMIC_RELAXED);
	while (c > seen && !__atomic_compare_exchange_n(&cpu_seen, &seen, c, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return c > seen ? c : seen;
}

int64_t nd_vclock_cpu_ns(int thread)
{
	uint64_t vt = nd_vclock_read();
	return thread ? (int64_t)nd_vt_thread_cpu : process_cpu(vt);
}

void nd_vclock_advance(uint64_t ns)
{
	nd_vt_thread_slept += ns; /* only timeouts move the line by an amount */
	__atomic_add_fetch(&vt_idle, ns, __ATOMIC_RELEASE);
	__atomic_add_fetch(&nd_vt, ns, __ATOMIC_RELAXED);
}

void nd_vclock_advance_to(uint64_t vt)
{
	uint64_t cur = __atomic_load_n(&nd_vt, __ATOMIC_RELAXED);
	while (cur < vt) {
		uint64_t by = vt - cur;
		__atomic_add_fetch(&vt_idle, by, __ATOMIC_RELEASE); /* before the line moves: see process_cpu */
		if (__atomic_compare_exchange_n(&nd_vt, &cur, vt, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return;
		__atomic_sub_fetch(&vt_idle, by, __ATOMIC_RELAXED);
	}
}

static ND_TLS uint64_t own;

void nd_vclock_own_sync(void)
{
	uint64_t v = __atomic_load_n(&nd_vt, __ATOMIC_RELAXED);
	if (own < v)
		own = v;
}

uint64_t nd_vclock_own_read(void)
{
	nd_vt_thread_cpu += nd_cfg.tick_ns;
	return own += nd_cfg.tick_ns;
}

uint64_t nd_vclock_now(void)
{
	return __atomic_load_n(&nd_vt, __ATOMIC_RELAXED);
}

/* The wall clocks start at the epoch and move with the tree's settings
 * (settime.c) and the process's join: relaxed loads of lines that are
 * almost never written. */
static int64_t wall_base(void)
{
	return nd_cfg.epoch * ND_NS + __atomic_load_n(&nd_tree->wall_offset, __ATOMIC_RELAXED) +
	       (int64_t)__atomic_load_n(&wall_join, __ATOMIC_RELAXED);
}

/* A file time read at wall time `ns` is in this process's past from now on:
 * the wall clocks move forward to it if they are behind, plus up to an hour
 * drawn from the seed (the default epoch's part drawn from it, modulo an
 * hour), so clock-seeded generators (srand(time(NULL))) still move with the
 * seed while what the run writes stays close to its inputs' times.
 * Monotonic clocks do not move. */
void nd_vclock_wall_join(int64_t ns)
{
	/* A tree whose program set the clock keeps the time it set, files in
	 * its future or not, as a machine would. */
	if (__atomic_load_n(&nd_tree->wall_offset, __ATOMIC_RELAXED))
		return;
	if (!nd_cfg.epoch_given)
		ns += ((nd_cfg.epoch - ND_EPOCH_DEFAULT) % 3600) * ND_NS;
	int64_t now = wall_base() + (int64_t)__atomic_load_n(&nd_vt, __ATOMIC_RELAXED);
	if (ns > now)
		__atomic_add_fetch(&wall_join, (uint64_t)(ns - now), __ATOMIC_RELAXED);
}

uint64_t nd_vclock_wall_joined(void)
{
	return __atomic_load_n(&wall_join, __ATOMIC_RELAXED);
}

int64_t nd_vclock_wall_now(void)
{
	return wall_base() + (int64_t)__atomic_load_n(&nd_vt, __ATOMIC_RELAXED);
}

int nd_vclock_at(int clk, uint64_t vt, int64_t *ns)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_REALTIME_ALARM:
		*ns = wall_base() + (int64_t)vt;
		return 0;
	case CLOCK_TAI:
		*ns = wall_base() + 37 * ND_NS + (int64_t)vt;
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		*ns = ND_MONO_BASE + (int64_t)vt;
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
		*ns = process_cpu(vt);
		return 0;
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = (int64_t)nd_vt_thread_cpu;
		return 0;
	}
	return -EINVAL;
}

uint64_t nd_vclock_deadline(int clk, int64_t abs_ns)
{
	int64_t zero;
	if (clk == CLOCK_PROCESS_CPUTIME_ID) {
		/* a deadline on CPU time, waited for on the line (a process
		 * that only waits would never reach it natively) */
		uint64_t now = nd_vclock_now();
		int64_t cpu = process_cpu(now);
		return abs_ns > cpu ? now + (uint64_t)(abs_ns - cpu) : now;
	}
	if (nd_vclock_at(clk, 0, &zero) < 0)
		zero = ND_MONO_BASE;
	return abs_ns > zero ? (uint64_t)(abs_ns - zero) : 0;
}

/* Causality across processes: a process leaves the point its time line
 * reached when it ends (exit, _exit, a signal that kills it), in its slot of
 * the tree's exits table; a parent that reaps it moves its own line at least
 * that far, so what a child did before it ended is in the parent's past (a
 * sibling started next starts after it). A few plain stores and loads. */
void nd_vclock_leave(int pid, uint64_t id, uint64_t ev)
{
	struct nd_tree_exit *e = &nd_tree->exits[(unsigned)pid % ND_TREE_EXITS];
	uint32_t seq = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);
	__atomic_store_n(&e->seq, seq | 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&e->vt, nd_vclock_now(), __ATOMIC_RELAXED);
	__atomic_store_n(&e->id, id ? id : (uint64_t)pid, __ATOMIC_RELAXED);
	__atomic_store_n(&e->ev, ev, __ATOMIC_RELAXED);
	__atomic_store_n(&e->pid, pid, __ATOMIC_RELAXED);
	__atomic_store_n(&e->seq, (seq | 1) + 1, __ATOMIC_RELEASE);
}

static struct nd_tree_exit *ended(int pid, uint64_t *vt, uint64_t *id)
{
	if (pid <= 0 || nd_state != 2)
		return NULL;
	struct nd_tree_exit *e = &nd_tree->exits[(unsigned)pid % ND_TREE_EXITS];
	uint32_t seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
	*vt = __atomic_load_n(&e->vt, __ATOMIC_RELAXED);
	*id = __atomic_load_n(&e->id, __ATOMIC_RELAXED);
	int who = __atomic_load_n(&e->pid, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if ((seq & 1) || seq != __atomic_load_n(&e->seq, __ATOMIC_RELAXED) || who != pid)
		return NULL;
	return e;
}

int nd_vclock_ended(int pid, uint64_t *vt, uint64_t *id)
{
	return ended(pid, vt, id) != NULL;
}

int nd_vclock_ended_count(int pid, uint64_t *vt, uint64_t *id, uint64_t *ev)
{
	struct nd_tree_exit *e = ended(pid, vt, id);
	if (!e)
		return 0;
	*ev = __atomic_load_n(&e->ev, __ATOMIC_RELAXED);
	return ended(pid, vt, id) != NULL; /* not rewritten meanwhile */
}

uint64_t nd_vclock_reaped(int pid)
{
	uint64_t vt, id;
	struct nd_tree_exit *e = ended(pid, &vt, &id);
	if (!e)
		return 0;
	uint64_t ev = __atomic_load_n(&e->ev, __ATOMIC_RELAXED);
	int who = pid;
	__atomic_compare_exchange_n(&e->pid, &who, 0, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	nd_vclock_carried_to(vt);
	return ev;
}

void nd_vclock_real_deadline(uint64_t deadline, struct timespec *real)
{
	uint64_t now = nd_vclock_now();
	uint64_t rel = deadline > now ? deadline - now : 0;
	/* The real clock, by system call: libc's would reach the patched vDSO. */
	nd_sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)real, 0, 0, 0, 0);
	int64_t ns = real->tv_sec * ND_NS + real->tv_nsec + (int64_t)rel;
	real->tv_sec = ns / ND_NS;
	real->tv_nsec = ns % ND_NS;
}

uint64_t nd_vt_carried;

void nd_vclock_carried_to(uint64_t vt)
{
	nd_raise(&nd_vt_carried, vt);
	nd_vclock_advance_to(vt);
}

void nd_vclock_slept_to(uint64_t deadline)
{
	uint64_t now = nd_vclock_now();
	if (deadline > now)
		nd_vt_thread_slept += deadline - now;
	nd_vclock_advance_to(deadline);
}

int nd_vclock_settle(int err, uint64_t deadline)
{
	if (err == ETIMEDOUT)
		nd_vclock_slept_to(deadline);
	return err;
}
