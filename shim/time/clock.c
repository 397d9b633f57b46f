/*
 * The clock family: every way a program reads the time, answered from the one
 * virtual time line (vclock.c). Each call is one read: it moves the line by
 * NODICE_TICK_NS. No system call, no TSC read, no lock; each function keeps
 * its man page's return value and errno.
 *
 * Deviations: clock_getres reports the tick as the resolution; getrusage
 * reports virtual user time, zero system time, and the kernel's other fields
 * unchanged (memory and I/O counts are not clocks); children's CPU time
 * (RUSAGE_CHILDREN, times' tms_cutime) is zero; another thread's CPU clock
 * reads as the process's.
 */
#include "nodice.h"
#include "vclock.h"
#include "clock.h"
#include "scheduler.h"
#include "tree.h"
#include "itimer.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timeb.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

/* glibc declares some pointers here nonnull; the kernel accepts NULL, and so
 * do we (built with -fno-delete-null-pointer-checks so the checks stay). */
#pragma GCC diagnostic ignored "-Wnonnull-compare"

static void to_timespec(int64_t ns, struct timespec *ts)
{
	ts->tv_sec = ns / ND_NS;
	ts->tv_nsec = ns % ND_NS;
}

static int64_t cpu_ns(void)
{
	return nd_vclock_cpu_ns(0);
}

/* A dynamic CPU clock id names a thread (bit 2 set) or a process by id:
 * the calling thread's own clock is its virtual one; every other is
 * answered with the process's. */
static int64_t cpu_ns_of(int clk)
{
	int own_thread = (clk & 4) && (pid_t)~(clk >> 3) == (pid_t)nd_sys0(SYS_gettid);
	return nd_vclock_cpu_ns(own_thread);
}

int nd_clock_gettime(int clk, struct timespec *ts)
{
	int64_t ns;
	if (clk < 0) {
		/* Dynamic ids: another process's or thread's CPU clock, or a
		 * clock device (fd-based, low bits 3), which is passed through. */
		long r = nd_sys(SYS_clock_gettime, clk, (long)ts, 0, 0, 0, 0);
		if (r < 0 || (clk & 7) == 3) {
			nd_log_passed(ND_SYM_clock_gettime);
			return (int)(r < 0 ? r : 0);
		}
		ns = cpu_ns_of(clk);
	} else {
		uint64_t vt = nd_vclock_read();
		if (nd_vclock_at(clk, vt, &ns) < 0)
			return -EINVAL;
		if (__builtin_expect(vt >= __atomic_load_n(&nd_sched_next_deadline, __ATOMIC_RELAXED), 0))
			nd_sched_clock(vt);
		if (__builtin_expect(vt >= __atomic_load_n(&nd_itimer_next, __ATOMIC_RELAXED), 0))
			nd_itimer_fire(vt, 0);
	}
	if (!ts)
		return -EFAULT;
	to_timespec(ns, ts);
	return 0;
}

/* clock_gettime(2). */
ND_EXPORT int clock_gettime(clockid_t clk, struct timespec *ts)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.clock_gettime(clk, ts);
	nd_log_served(ND_SYM_clock_gettime, 0);
	return (int)nd_ret(nd_clock_gettime(clk, ts));
}

/* clock_getres(2): the tick is the resolution of every virtual clock. */
ND_EXPORT int clock_getres(clockid_t clk, struct timespec *res)
{
	ND_ORDERED();
	int64_t unused;
	if (nd_passthrough() || clk < 0)
		return nd_real.clock_getres(clk, res);
	if (nd_vclock_at(clk, 0, &unused) < 0)
		return (int)nd_ret(-EINVAL);
	nd_log_served(ND_SYM_clock_getres, 0);
	if (res)
		to_timespec((int64_t)nd_cfg.tick_ns, res);
	return 0;
}

/* gettimeofday(2): the timezone, if asked, is UTC unless the program set
 * one with settimeofday (as natively, the kernel's stored value). */
ND_EXPORT int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	ND_ORDERED();
	struct timespec ts;
	if (nd_passthrough()) {
		nd_real.clock_gettime(CLOCK_REALTIME, &ts);
	} else {
		nd_log_served(ND_SYM_gettimeofday, 0);
		nd_clock_gettime(CLOCK_REALTIME, &ts);
	}
	if (tv) {
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = ts.tv_nsec / 1000;
	}
	if (tz)
		*(struct timezone *)tz = (struct timezone){ nd_tree->tz_minuteswest, nd_tree->tz_dsttime };
	return 0;
}

/* time(2). */
ND_EXPORT time_t time(time_t *out)
{
	ND_ORDERED();
	struct timespec ts;
	if (nd_passthrough()) {
		nd_real.clock_gettime(CLOCK_REALTIME, &ts);
	} else {
		nd_log_served(ND_SYM_time, 0);
		nd_clock_gettime(CLOCK_REALTIME, &ts);
	}
	if (out)
		*out = ts.tv_sec;
	return ts.tv_sec;
}

/* timespec_get(3): TIME_UTC only, as in glibc 2.36; 0 for any other base. */
ND_EXPORT int timespec_get(struct timespec *ts, int base)
{
	ND_ORDERED();
	if (base != TIME_UTC)
		return 0;
	if (nd_passthrough())
		return nd_real.clock_gettime(CLOCK_REALTIME, ts) == 0 ? base : 0;
	nd_log_served(ND_SYM_timespec_get, 0);
	nd_clock_gettime(CLOCK_REALTIME, ts);
	return base;
}

/* timespec_getres(3). */
ND_EXPORT int timespec_getres(struct timespec *ts, int base)
{
	ND_ORDERED();
	if (base != TIME_UTC)
		return 0;
	if (ts)
		clock_getres(CLOCK_REALTIME, ts);
	return base;
}

/* ftime(3): milliseconds, UTC, no DST. */
ND_EXPORT int ftime(struct timeb *tb)
{
	ND_ORDERED();
	struct timespec ts;
	if (nd_passthrough()) {
		nd_real.clock_gettime(CLOCK_REALTIME, &ts);
	} else {
		nd_log_served(ND_SYM_ftime, 0);
		nd_clock_gettime(CLOCK_REALTIME, &ts);
	}
	tb->time = ts.tv_sec;
	tb->millitm = (unsigned short)(ts.tv_nsec / 1000000);
	tb->timezone = 0;
	tb->dstflag = 0;
	return 0;
}

/* clock(3): this image's virtual CPU time in CLOCKS_PER_SEC units. */
ND_EXPORT clock_t clock(void)
{
	ND_ORDERED();
	struct timespec ts;
	if (nd_passthrough()) {
		nd_real.clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
		return (clock_t)(ts.tv_sec * CLOCKS_PER_SEC + ts.tv_nsec / (ND_NS / CLOCKS_PER_SEC));
	}
	nd_log_served(ND_SYM_clock, 0);
	return (clock_t)(cpu_ns() / (ND_NS / CLOCKS_PER_SEC));
}

/* times(2): elapsed ticks on the monotonic line; all CPU time is user time. */
ND_EXPORT clock_t times(struct tms *buf)
{
	ND_ORDERED();
	const int64_t per_tick = ND_NS / 100; /* _SC_CLK_TCK is 100 on Linux */
	if (nd_passthrough()) {
		struct timespec ts;
		nd_real.clock_gettime(CLOCK_MONOTONIC, &ts);
		return (clock_t)(ts.tv_sec * 100 + ts.tv_nsec / per_tick);
	}
	nd_log_served(ND_SYM_times, 0);
	int64_t cpu = cpu_ns(), mono;
	nd_vclock_at(CLOCK_MONOTONIC, nd_vclock_now(), &mono);
	if (buf)
		*buf = (struct tms){ .tms_utime = (clock_t)(cpu / per_tick) };
	return (clock_t)(mono / per_tick);
}

/* getrusage(2): the kernel's answer with the two times replaced. */
ND_EXPORT int getrusage(int who, struct rusage *usage)
{
	ND_ORDERED();
	int pass = nd_passthrough();
	int r = nd_real.getrusage(who, usage);
	if (r < 0 || pass)
		return r;
	nd_log_served(ND_SYM_getrusage, 0);
	int64_t cpu = who == RUSAGE_CHILDREN ? 0 : nd_vclock_cpu_ns(who == RUSAGE_THREAD);
	usage->ru_utime = (struct timeval){ cpu / ND_NS, (cpu % ND_NS) / 1000 };
	usage->ru_stime = (struct timeval){ 0, 0 };
	return 0;
}
