/* sleep: the sleep family. */
#ifndef ND_SLEEP_H
#define ND_SLEEP_H

#include <time.h>

/* sleep.c */
int nd_sleep_ns(int clk, int flags, const struct timespec *req, struct timespec *rem);
/* A wait for something only the tree can bring, ending at virtual time
 * `deadline` at the latest, as a timed event of the tree (members.h):
 * probe(arg, ms) waits up to ms of real time for it (non-zero: it came).
 * A virtual timer due first fires on the way; its handler ends the wait.
 * 1: it came; 0: the deadline came first (the clock is there); -EINTR. */
#include <stdint.h>
int nd_timed_event(int (*probe)(void *, int), void *arg, uint64_t deadline);

#endif
