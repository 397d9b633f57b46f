/*
 * Virtual timers: ITIMER_REAL and alarm (itimer.c), POSIX timers (ptimer.c).
 * nd_itimer_next is the earliest virtual deadline of them all
 * (ND_NO_DEADLINE when none is armed): clock reads and sleeps compare
 * against it, one relaxed load, and call nd_itimer_fire when it has come.
 */
#ifndef ND_ITIMER_H
#define ND_ITIMER_H

#include <stdint.h>

extern uint64_t nd_itimer_next;

/* Set once a real-time timer may be armed (the real backstop here,
 * timer_create and timerfd in reported.c): a process whose threads all wait
 * may then be waiting for its signal, not stalled (sched.c). */
extern int nd_timers_armed;

/* Fires every timer due by vt: its signal goes to thread tid when that
 * thread handles it (a sleep it interrupts), otherwise to the process (or
 * the timer's own thread); periodic timers are re-armed. Returns the
 * signals that went to tid (ND_SIGBIT), whose handlers have run. */
#define ND_SIGBIT(sig) (1ULL << ((sig) - 1))
uint64_t nd_itimer_fire(uint64_t vt, long tid);
void nd_itimer_recompute(void); /* after a change of either kind */

/* ptimer.c: the earliest POSIX timer deadline, and the same firing. */
extern uint64_t nd_ptimer_next;
uint64_t nd_ptimer_fire(uint64_t vt, long tid);
void nd_ptimer_fork_child(void);

void nd_itimer_fork_child(void);

#endif
