/* vclock: the virtual time line. */
#ifndef ND_VCLOCK_H
#define ND_VCLOCK_H

#include "nodice.h"

/* vclock.c — the one virtual time line, in ns since the run started. It
 * lives in this process's member slot of the tree's region once it has one
 * (members.c), where the other members read it. */
extern uint64_t *nd_vt_line;
#define nd_vt (*nd_vt_line)
extern ND_TLS uint64_t nd_vt_thread_cpu; /* the ticks this thread's reads added */
extern ND_TLS uint64_t nd_vt_thread_slept; /* what its own timeouts moved the line by */
static inline uint64_t nd_vclock_read(void)
{
	nd_vt_thread_cpu += nd_cfg.tick_ns;
	if (ND_UNLIKELY(__atomic_load_n(&nd_threaded, __ATOMIC_RELAXED)))
		return __atomic_add_fetch(&nd_vt, nd_cfg.tick_ns, __ATOMIC_RELAXED);
	return *(volatile uint64_t *)&nd_vt += nd_cfg.tick_ns;
}
/* Parallel mode (sched/parallel.c): the time stamp counter is the thread's
 * own. It starts from the line as the thread last saw it in an ordered call
 * (sync, made holding the turn) and moves a tick per read without moving the
 * line, so threads that read it while computing at once (OpenBLAS's workers
 * spin on it) read values that do not depend on how they interleave. */
void nd_vclock_own_sync(void);
uint64_t nd_vclock_own_read(void);
/* Starts this process's time line at vt with its CPU clocks at zero (exec,
 * a launcher's rank root); nd_vclock_fork_child restarts the CPU clocks. */
void nd_vclock_start(uint64_t vt);
/* Moves the line to *line (a member slot), from the later of the two times
 * (keep) or from *line's. */
void nd_vclock_place(uint64_t *line, int keep);
void nd_vclock_fork_child(void);
/* CPU time in ns after one read: the process's (every thread's reads, none
 * of the time the line jumped while it waited) or the calling thread's. */
int64_t nd_vclock_cpu_ns(int thread);
void nd_vclock_advance(uint64_t ns); /* a timeout's: the thread slept ns */
void nd_vclock_advance_to(uint64_t vt);
/* The line moved to a time another member's data or end carried (a pipe's
 * write, its end of file, a reaped child's end); nd_vt_carried is the
 * latest such time this process met (process/convo.c). */
extern uint64_t nd_vt_carried;
void nd_vclock_carried_to(uint64_t vt);
/* The line moved to a deadline the calling thread's own timed wait reached,
 * counted as its sleep. */
void nd_vclock_slept_to(uint64_t deadline);
/* The calling thread's own time: what its timeouts moved the line by, none
 * of what other threads or times carried by data did (a named connection's
 * carried time is this, relative: process/convo.c). Not its clock reads,
 * nor a scheduled thread's timeout that other threads' reads passed (sched.c):
 * how many of those a thread meets while it waits for another (a GIL's
 * timed waits) follows how its process's threads interleaved. */
static inline uint64_t nd_vclock_thread_own(void)
{
	return nd_vt_thread_slept;
}
uint64_t nd_vclock_now(void); /* without moving it */
/* The wall clock (CLOCK_REALTIME, ns) without moving it. */
int64_t nd_vclock_wall_now(void);
/* File times (filetime.c): a time read from a file is in this process's
 * past; the wall clocks move forward to it if needed, the monotonic ones
 * never. joined() is how far they moved, handed to new images. */
void nd_vclock_wall_join(int64_t ns);
uint64_t nd_vclock_wall_joined(void);
/* The value of clock `clk` at virtual time vt; -EINVAL for an unknown clock. */
int nd_vclock_at(int clk, uint64_t vt, int64_t *ns);
/* Converts an absolute deadline on clock `clk` into virtual time. */
uint64_t nd_vclock_deadline(int clk, int64_t abs_ns);
/* The real CLOCK_MONOTONIC time at which virtual time reaches `deadline`
 * (for waits made in libc or the kernel), and the virtual clock moved to
 * the deadline when such a wait timed out (returns err). */
struct timespec;
void nd_vclock_real_deadline(uint64_t deadline, struct timespec *real);
int nd_vclock_settle(int err, uint64_t deadline);
/* The line across processes (the tree's exits table): a process that ends
 * leaves where its line reached; a parent that reaps pid moves its own line
 * at least that far. */
void nd_vclock_leave(int pid, uint64_t id, uint64_t ev);
/* The reaped child's event count at its end (0: unknown): the reaper's
 * count joins it, as a waiter's joins a release's (members.h). */
uint64_t nd_vclock_reaped(int pid);
/* Where pid's line ended and its id, if it has ended (1) — not cleared. */
int nd_vclock_ended(int pid, uint64_t *vt, uint64_t *id);
/* ... and its event count there. */
int nd_vclock_ended_count(int pid, uint64_t *vt, uint64_t *id, uint64_t *ev);
#define ND_MONO_BASE 100000000000LL /* monotonic clocks start at 100 s */
#define ND_NS 1000000000LL
#define ND_NO_DEADLINE UINT64_MAX /* a wait without one; also in scheduler.h */

/* A (valid, non-negative) timespec in ns, and back. */
#include <time.h>
static inline uint64_t nd_ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * ND_NS + (uint64_t)ts->tv_nsec;
}
static inline struct timespec nd_ns_ts(uint64_t ns)
{
	return (struct timespec){ (time_t)(ns / ND_NS), (long)(ns % ND_NS) };
}

#endif
