/*
 * ITIMER_REAL on the virtual clock (itimer.c). nd_itimer_next is the virtual
 * deadline (ND_NO_DEADLINE when disarmed): clock reads and sleeps compare
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

/* Sends the timer's SIGALRM when vt has reached the deadline, to thread tid
 * (a sleep it interrupts) or, with 0, to the process; re-arms a periodic
 * timer. 1 when it sent it. */
int nd_itimer_fire(uint64_t vt, long tid);


void nd_itimer_fork_child(void);

#endif
