/*
 * ITIMER_REAL on the virtual clock (itimer.c). nd_itimer_next is the virtual
 * deadline (ND_NO_DEADLINE when disarmed): clock reads and sleeps compare
 * against it, one relaxed load, and call nd_itimer_fire when it has come.
 */
#ifndef ND_ITIMER_H
#define ND_ITIMER_H

#include <stdint.h>

extern uint64_t nd_itimer_next;

/* Sends the timer's SIGALRM when vt has reached the deadline, to thread tid
 * (a sleep it interrupts) or, with 0, to the process; re-arms a periodic
 * timer. 1 when it sent it. */
int nd_itimer_fire(uint64_t vt, long tid);

/* The caller is about to wait for signals and nothing else in the process
 * can run: when the virtual alarm is due by `limit` (virtual time; a timed
 * wait's end), the clock jumps to it and its signal is sent to tid (0: the
 * process). 1 when sent. The caller blocks SIGALRM around it and lets its
 * wait unblock it, so the handler runs inside the wait, as natively. */
int nd_itimer_idle(uint64_t limit, long tid);

void nd_itimer_fork_child(void);

#endif
