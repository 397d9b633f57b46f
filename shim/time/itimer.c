/*
 * ITIMER_REAL on the virtual clock: alarm(2), setitimer(2) and getitimer(2)
 * for ITIMER_REAL. (ITIMER_VIRTUAL and ITIMER_PROF count real CPU time and
 * are passed through, reported.)
 *
 * The timer has a virtual deadline. It fires when the virtual clock reaches
 * it, at points that are the same in every run: a sleep that would pass the
 * deadline stops there, the signal is sent and the sleep returns EINTR with
 * the rest, as natively; a clock read past the deadline sends it; a process
 * with nothing left to run (pause, sigsuspend, sigwait, every thread waiting
 * in the scheduler) jumps to the deadline, as it does for any other. The
 * signal is sent as the kernel's own timer sends it: process-directed
 * SIGALRM with si_code SI_KERNEL, so the kernel picks the thread it would.
 *
 * A program that never sleeps or reads a clock (a busy loop waiting for the
 * alarm's flag) would never reach the deadline, so the real timer stays
 * armed for the same length as a backstop. Sending the virtual signal first
 * disarms it with one setitimer that returns what was left: zero left means
 * the real one already fired, and the virtual one is not sent twice. A
 * backstop firing is logged (real-timer): its moment followed the machine.
 *
 * Fork children start without a timer (POSIX); an exec keeps the real one,
 * so the next image gets its SIGALRM on real time. Raw system calls only:
 * safe from signal handlers and the SIGSYS server.
 */
#include "nodice.h"
#include "vclock.h"
#include "itimer.h"
#include "scheduler.h"
#include "signals.h"
#include "owed.h"

#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

/* A real timer fires after its deadline, never on it: the kernel delays
 * hrtimers of ordinary threads by up to their timer slack (50 us by
 * default), and programs see it (glibc's sleep() truncates the remainder, so
 * an alarm(1) during sleep(5) leaves 3 natively). The virtual timer fires
 * that much after its deadline, the same in every run; getitimer and alarm
 * report from the deadline itself. */
#define SLACK_NS 50000ULL

int nd_timers_armed;
uint64_t nd_itimer_next = ND_NO_DEADLINE; /* the earliest of the alarm and the POSIX timers */
static uint64_t alarm_next = ND_NO_DEADLINE; /* when the alarm fires: deadline + SLACK_NS */
static uint64_t interval;

void nd_itimer_recompute(void)
{
	uint64_t a = __atomic_load_n(&alarm_next, __ATOMIC_ACQUIRE), p = __atomic_load_n(&nd_ptimer_next, __ATOMIC_ACQUIRE);
	uint64_t c = __atomic_load_n(&nd_owed_next, __ATOMIC_ACQUIRE);
	a = a < p ? a : p;
	__atomic_store_n(&nd_itimer_next, a < c ? a : c, __ATOMIC_RELEASE);
}

static int64_t tv_ns(const struct timeval *tv)
{
	return (int64_t)tv->tv_sec * ND_NS + (int64_t)tv->tv_usec * 1000;
}

static struct timeval ns_tv(uint64_t ns)
{
	return (struct timeval){ (time_t)(ns / ND_NS), (suseconds_t)((ns % ND_NS + 999) / 1000) };
}

static long real_set(uint64_t value, uint64_t every, struct itimerval *old)
{
	struct itimerval v = { ns_tv(every), ns_tv(value) };
	return nd_sys(SYS_setitimer, ITIMER_REAL, (long)&v, (long)old, 0, 0, 0);
}

/* What is left of the virtual timer now. */
static void remaining(struct itimerval *out)
{
	uint64_t d = __atomic_load_n(&alarm_next, __ATOMIC_ACQUIRE), now = nd_vclock_now();
	out->it_interval = ns_tv(interval);
	d -= d == ND_NO_DEADLINE ? 0 : SLACK_NS;
	out->it_value = d == ND_NO_DEADLINE ? (struct timeval){ 0, 0 } : ns_tv(d > now ? d - now : 1000);
}

static void send_alarm(long tid)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGALRM;
	si.si_code = SI_KERNEL;
	long pid = nd_sys0(SYS_getpid);
	if (tid)
		nd_sys(SYS_rt_tgsigqueueinfo, pid, tid, SIGALRM, (long)&si, 0, 0);
	else
		nd_sys(SYS_rt_sigqueueinfo, pid, SIGALRM, (long)&si, 0, 0, 0);
}

/* The alarm, when due by vt: its signal's bit when it went to thread tid. */
static uint64_t fire_alarm(uint64_t vt, long tid)
{
	uint64_t d = __atomic_load_n(&alarm_next, __ATOMIC_ACQUIRE);
	if (d == ND_NO_DEADLINE || vt < d)
		return 0;
	uint64_t next = ND_NO_DEADLINE;
	if (interval)
		for (next = d + interval; next <= vt; next += interval)
			;
	if (!__atomic_compare_exchange_n(&alarm_next, &d, next, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return 0; /* another thread fired it */
	struct itimerval old;
	real_set(next == ND_NO_DEADLINE ? 0 : next - vt, interval, &old);
	if (!old.it_value.tv_sec && !old.it_value.tv_usec) {
		nd_log_uncontrolled("real-timer", "the alarm fired on real time before the virtual clock reached "
						  "it (a computation with no clock read or sleep): its moment followed the machine");
		return 0;
	}
	int here = tid && nd_signals_handled_here(SIGALRM);
	send_alarm(here ? tid : 0);
	return here ? ND_SIGBIT(SIGALRM) : 0;
}

uint64_t nd_itimer_fire(uint64_t vt, long tid)
{
	uint64_t here = fire_alarm(vt, tid);
	here |= nd_ptimer_fire(vt, tid);
	here |= nd_owed_fire(vt, tid);
	nd_itimer_recompute();
	return here;
}

void nd_itimer_fork_child(void)
{
	__atomic_store_n(&alarm_next, ND_NO_DEADLINE, __ATOMIC_RELEASE);
	interval = 0;
	nd_ptimer_fork_child();
	nd_owed_fork_child();
	nd_itimer_recompute();
}

/* Sets the virtual timer (and its real backstop); *old gets what was left. */
static long set_real_timer(const struct itimerval *v, struct itimerval *old)
{
	struct itimerval prev;
	remaining(&prev);
	int64_t value = tv_ns(&v->it_value), every = tv_ns(&v->it_interval);
	if (v->it_value.tv_usec < 0 || v->it_value.tv_usec >= 1000000 || v->it_interval.tv_usec < 0 ||
	    v->it_interval.tv_usec >= 1000000 || value < 0 || every < 0)
		return -EINVAL;
	long r = real_set((uint64_t)value, (uint64_t)every, NULL);
	if (r < 0)
		return r;
	interval = value ? (uint64_t)every : 0;
	__atomic_store_n(&alarm_next, value ? nd_vclock_now() + (uint64_t)value + SLACK_NS : ND_NO_DEADLINE,
			 __ATOMIC_RELEASE);
	nd_itimer_recompute();
	if (value)
		nd_timers_armed = 1;
	if (old)
		*old = prev;
	return 0;
}

/* setitimer(2). */
ND_EXPORT int setitimer(__itimer_which_t which, const struct itimerval *restrict v, struct itimerval *restrict old)
{
	ND_ORDERED();
	if (nd_passthrough() || which != ITIMER_REAL || !v) {
		if (!nd_passthrough()) {
			nd_timers_armed = 1;
			nd_log_passed(ND_SYM_setitimer);
		}
		return nd_real.setitimer(which, v, old);
	}
	nd_log_served(ND_SYM_setitimer, 0);
	return (int)nd_ret(set_real_timer(v, old));
}

/* getitimer(2). */
ND_EXPORT int getitimer(__itimer_which_t which, struct itimerval *cur)
{
	ND_ORDERED();
	if (nd_passthrough() || which != ITIMER_REAL)
		return nd_real.getitimer(which, cur);
	nd_log_served(ND_SYM_getitimer, 0);
	remaining(cur);
	return 0;
}

/* alarm(2): the seconds that were left, rounded as the kernel does (at
 * least 1 when anything was left). */
ND_EXPORT unsigned alarm(unsigned seconds)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.alarm(seconds);
	nd_log_served(ND_SYM_alarm, 0);
	struct itimerval v = { { 0, 0 }, { (time_t)seconds, 0 } }, old;
	if (set_real_timer(&v, &old) < 0)
		return 0;
	unsigned left = (unsigned)old.it_value.tv_sec + (old.it_value.tv_usec >= 500000);
	return !left && old.it_value.tv_usec ? 1 : left;
}
