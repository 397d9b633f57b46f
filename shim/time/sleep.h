/* sleep: the sleep family. */
#ifndef ND_SLEEP_H
#define ND_SLEEP_H

#include <time.h>

/* sleep.c */
int nd_sleep_ns(int clk, int flags, const struct timespec *req, struct timespec *rem);
/* A timespec a sleep accepts (no negative part, nanoseconds below 1 s). */
int nd_sleep_valid(const struct timespec *ts);
/* Sleeps ns of virtual time (a wait with nothing to wait on). */
#include <stdint.h>
void nd_sleep_pass(uint64_t ns);
/* A wait for something only the tree can bring, ending at virtual time
 * `deadline` at the latest, as a timed event of the tree (members.h):
 * probe(arg, ms) waits up to ms of real time for it (non-zero: it came).
 * A virtual timer due first fires on the way; its handler ends the wait.
 * 1: it came; 0: the deadline came first (the clock is there); -EINTR. */
int nd_timed_event(int (*probe)(void *, int), void *arg, uint64_t deadline);
/* Before a wait with no timeout: while a SIGCHLD is owed (reap.h), the
 * earliest virtual timer is the next thing that can happen, and the wait
 * lasts until it at most (2 s of real time at most: logged). 1: what it
 * waits for came; -EINTR: a handler ran
 * here; 0: the wait goes on as the call (no owed signal, or it went to a
 * handler elsewhere or to none). */
int nd_timed_owed(int (*probe)(void *, int), void *arg);
/* The same, as block.h's ND_READY, ND_INTR or ND_TIMED_OUT. */
int nd_timed_wait(int (*probe)(void *, int), void *arg, uint64_t deadline);

#endif
