/*
 * POSIX timers on the virtual clock: timer_create, timer_settime,
 * timer_gettime, timer_getoverrun and timer_delete, for the wall, monotonic
 * and boot clocks and the process's CPU clock, notified by a signal to the
 * process (SIGEV_SIGNAL), to one thread (SIGEV_THREAD_ID) or not at all
 * (SIGEV_NONE). What coreutils' timeout, and every program that arms a
 * timer and then waits, rely on.
 *
 * Each timer has a virtual deadline and fires as the virtual alarm does
 * (itimer.c): at a clock read past it, at the end of a sleep it cuts short,
 * or when nothing else can happen first — in this process, and across the
 * tree (members.c): `timeout 0.2 sleep 5` fires at 0.2 s because the child
 * waits for 5. Its signal carries what the kernel's would: si_code
 * SI_TIMER, the timer's id, its overrun count and its sigev_value.
 *
 * The kernel timer is still created, with the program's own notification,
 * and armed one second later than the virtual one as a backstop: a program
 * that spins until its timer fires, reading no clock, still gets it (logged
 * real-timer). The program's timer_t is the kernel's, so raw system calls on
 * it keep working. SIGEV_THREAD timers (a new thread per expiry, run by
 * glibc's helper thread) and other processes' CPU clocks stay real, reported.
 *
 * The table is static (ND_PTIMERS); firing is lock-free per timer (a
 * compare-and-swap on its deadline), so a clock read in a signal handler
 * cannot deadlock against one interrupted mid-fire.
 */
#include "nodice.h"
#include "vclock.h"
#include "itimer.h"
#include "signals.h"
#include "scheduler.h"

#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#define ND_PTIMERS 64
#define SLACK_NS 50000ULL      /* fires after its deadline as the kernel's does (itimer.c) */
#define BACKSTOP_NS 1000000000ULL

struct ptimer {
	int used;
	int kid; /* the kernel's id: the program's timer_t */
	int clk, notify, signo, tid;
	union sigval value;
	uint64_t next; /* virtual deadline + SLACK_NS, or ND_NO_DEADLINE */
	uint64_t interval;
	int overrun;
};

static struct ptimer timers[ND_PTIMERS];
uint64_t nd_ptimer_next = ND_NO_DEADLINE;

static void recompute(void)
{
	uint64_t d = ND_NO_DEADLINE;
	for (int i = 0; i < ND_PTIMERS; i++)
		if (__atomic_load_n(&timers[i].used, __ATOMIC_ACQUIRE)) {
			uint64_t n = __atomic_load_n(&timers[i].next, __ATOMIC_ACQUIRE);
			d = n < d ? n : d;
		}
	__atomic_store_n(&nd_ptimer_next, d, __ATOMIC_RELEASE);
	nd_itimer_recompute();
}

static struct ptimer *find(timer_t id)
{
	for (int i = 0; i < ND_PTIMERS; i++)
		if (__atomic_load_n(&timers[i].used, __ATOMIC_ACQUIRE) && timers[i].kid == (int)(intptr_t)id)
			return &timers[i];
	return NULL;
}

static int virtual_clock(clockid_t clk)
{
	switch (clk) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_REALTIME_ALARM:
	case CLOCK_BOOTTIME_ALARM: case CLOCK_TAI: case CLOCK_PROCESS_CPUTIME_ID:
		return 1;
	}
	return 0;
}

static void remaining(const struct ptimer *t, struct itimerspec *out)
{
	uint64_t d = __atomic_load_n(&t->next, __ATOMIC_ACQUIRE), now = nd_vclock_now();
	out->it_interval = nd_ns_ts(t->interval);
	if (d == ND_NO_DEADLINE)
		out->it_value = nd_ns_ts(0);
	else
		out->it_value = nd_ns_ts(d - SLACK_NS > now ? d - SLACK_NS - now : 1);
}

/* Re-arms (or disarms) the kernel's backstop; 1 when it had already fired. */
static int backstop(struct ptimer *t, uint64_t in, uint64_t every)
{
	struct itimerspec v = { nd_ns_ts(every), nd_ns_ts(in ? in + BACKSTOP_NS : 0) }, old;
	if (nd_sys(SYS_timer_settime, t->kid, 0, (long)&v, (long)&old, 0, 0) < 0)
		return 0;
	return !old.it_value.tv_sec && !old.it_value.tv_nsec;
}

static void notify(const struct ptimer *t, long tid)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = t->signo;
	si.si_code = SI_TIMER;
	si.si_timerid = t->kid;
	si.si_overrun = t->overrun;
	si.si_value = t->value;
	long pid = nd_sys0(SYS_getpid);
	if (t->notify == SIGEV_THREAD_ID)
		tid = t->tid;
	if (tid)
		nd_sys(SYS_rt_tgsigqueueinfo, pid, tid, t->signo, (long)&si, 0, 0);
	else
		nd_sys(SYS_rt_sigqueueinfo, pid, t->signo, (long)&si, 0, 0, 0);
}

static int pending(int sig)
{
	sigset_t p;
	return nd_sys(SYS_rt_sigpending, (long)&p, 8, 0, 0, 0, 0) == 0 && sigismember(&p, sig);
}

uint64_t nd_ptimer_fire(uint64_t vt, long tid)
{
	uint64_t here = 0;
	for (int i = 0; i < ND_PTIMERS; i++) {
		struct ptimer *t = &timers[i];
		uint64_t d = __atomic_load_n(&t->next, __ATOMIC_ACQUIRE);
		if (!__atomic_load_n(&t->used, __ATOMIC_ACQUIRE) || d == ND_NO_DEADLINE || vt < d)
			continue;
		uint64_t next = ND_NO_DEADLINE;
		int missed = 0;
		if (t->interval)
			for (next = d + t->interval; next <= vt; next += t->interval)
				missed++;
		if (!__atomic_compare_exchange_n(&t->next, &d, next, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			continue; /* another thread fired it */
		if (backstop(t, next == ND_NO_DEADLINE ? 0 : next - vt, t->interval)) {
			nd_log_uncontrolled("real-timer", "a POSIX timer fired on real time before the virtual clock reached "
							  "it (a computation with no clock read or sleep): its moment followed the machine");
			continue;
		}
		if (t->notify == SIGEV_NONE)
			continue;
		/* As the kernel: one signal at a time; expirations while it is
		 * still pending are overruns, not more signals. */
		if (pending(t->signo)) {
			t->overrun += missed + 1;
			continue;
		}
		t->overrun = missed;
		int to_me = tid && t->notify == SIGEV_SIGNAL && nd_signals_handled_here(t->signo);
		notify(t, to_me ? tid : 0);
		here |= to_me ? ND_SIGBIT(t->signo) : 0;
	}
	recompute();
	return here;
}

void nd_ptimer_fork_child(void)
{
	memset(timers, 0, sizeof(timers)); /* POSIX: a fork child has no timers */
	nd_ptimer_next = ND_NO_DEADLINE;
}

ND_EXPORT int timer_create(clockid_t clk, struct sigevent *restrict ev, timer_t *restrict id)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.timer_create(clk, ev, id);
	nd_timers_armed = 1;
	int notify = ev ? ev->sigev_notify : SIGEV_SIGNAL;
	if (!virtual_clock(clk) || (notify != SIGEV_SIGNAL && notify != SIGEV_THREAD_ID && notify != SIGEV_NONE)) {
		nd_log_passed(ND_SYM_timer_create);
		return nd_real.timer_create(clk, ev, id);
	}
	int r = nd_real.timer_create(clk, ev, id);
	if (r < 0)
		return r;
	nd_log_served(ND_SYM_timer_create, 0);
	for (int i = 0; i < ND_PTIMERS; i++) {
		struct ptimer *t = &timers[i];
		if (__atomic_load_n(&t->used, __ATOMIC_RELAXED))
			continue;
		*t = (struct ptimer){ .kid = (int)(intptr_t)*id, .clk = clk, .notify = notify,
				      .signo = ev ? ev->sigev_signo : SIGALRM, .next = ND_NO_DEADLINE };
		t->tid = ev && notify == SIGEV_THREAD_ID ? ev->_sigev_un._tid : 0;
		t->value = ev ? ev->sigev_value : (union sigval){ .sival_int = t->kid };
		__atomic_store_n(&t->used, 1, __ATOMIC_RELEASE);
		return 0;
	}
	nd_log_uncontrolled("real-timer", "more than 64 POSIX timers: the rest fire on real time");
	return 0;
}

ND_EXPORT int timer_settime(timer_t id, int flags, const struct itimerspec *restrict v,
			    struct itimerspec *restrict old)
{
	ND_ORDERED();
	struct ptimer *t = nd_passthrough() ? NULL : find(id);
	if (!t || !v)
		return nd_real.timer_settime(id, flags, v, old);
	if (v->it_value.tv_nsec < 0 || v->it_value.tv_nsec >= ND_NS || v->it_interval.tv_nsec < 0 ||
	    v->it_interval.tv_nsec >= ND_NS || v->it_value.tv_sec < 0 || v->it_interval.tv_sec < 0)
		return nd_real.timer_settime(id, flags, v, old); /* the kernel's EINVAL */
	nd_log_served(ND_SYM_timer_settime, 0);
	struct itimerspec prev;
	remaining(t, &prev);
	uint64_t now = nd_vclock_now(), value = nd_ts_ns(&v->it_value), deadline = ND_NO_DEADLINE;
	if (value)
		deadline = flags & TIMER_ABSTIME ? nd_vclock_deadline(t->clk, (int64_t)value) : now + value;
	if (deadline != ND_NO_DEADLINE && deadline <= now)
		deadline = now; /* already due: fires at the next point */
	t->interval = value ? nd_ts_ns(&v->it_interval) : 0;
	t->overrun = 0;
	backstop(t, deadline == ND_NO_DEADLINE ? 0 : deadline - now + 1, t->interval);
	__atomic_store_n(&t->next, deadline == ND_NO_DEADLINE ? deadline : deadline + SLACK_NS, __ATOMIC_RELEASE);
	recompute();
	if (old)
		*old = prev;
	return 0;
}

ND_EXPORT int timer_gettime(timer_t id, struct itimerspec *cur)
{
	ND_ORDERED();
	struct ptimer *t = nd_passthrough() ? NULL : find(id);
	if (!t || !cur)
		return nd_real.timer_gettime(id, cur);
	nd_log_served(ND_SYM_timer_gettime, 0);
	remaining(t, cur);
	return 0;
}

ND_EXPORT int timer_getoverrun(timer_t id)
{
	ND_ORDERED();
	struct ptimer *t = nd_passthrough() ? NULL : find(id);
	if (!t)
		return nd_real.timer_getoverrun(id);
	nd_log_served(ND_SYM_timer_getoverrun, 0);
	return t->overrun;
}

ND_EXPORT int timer_delete(timer_t id)
{
	ND_ORDERED();
	struct ptimer *t = nd_passthrough() ? NULL : find(id);
	int r = nd_real.timer_delete(id);
	if (t && r == 0) {
		nd_log_served(ND_SYM_timer_delete, 0);
		__atomic_store_n(&t->next, ND_NO_DEADLINE, __ATOMIC_RELEASE);
		__atomic_store_n(&t->used, 0, __ATOMIC_RELEASE);
		recompute();
	}
	return r;
}
