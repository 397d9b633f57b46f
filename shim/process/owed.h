/* owed: a SIGCHLD owed at a virtual time (owed.c). */
#ifndef ND_OWED_H
#define ND_OWED_H

#include <stdint.h>

/* The earliest SIGCHLD owed (ND_NO_DEADLINE: none); nd_itimer_next counts
 * it. */
extern uint64_t nd_owed_next;
/* A WNOHANG wait was told that child pid, ending at vt, had not ended. */
void nd_owed_chld(uint64_t vt, int32_t pid);
/* Sends it when due by vt, as itimer.h's fire: its bit when a handler ran
 * in thread tid. */
uint64_t nd_owed_fire(uint64_t vt, long tid);
void nd_owed_fork_child(void);
/* Start-up: the hooks signals.c calls after SIGCHLD's handler and after a
 * mask change. */
void nd_owed_start(void);
/* The program's SIGCHLD handler returned (signals.c); blocked: whether the
 * signal stays blocked in what it interrupted. */
void nd_owed_handler_done(int blocked);
/* After a mask change: an owed SIGCHLD no longer blocked comes now, at its
 * time, once no other process can act before it (a program that unblocks
 * it and spins on its handler's word gets it). */
void nd_owed_unblocked(void);

#endif
