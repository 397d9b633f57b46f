/*
 * The child of inspect and verify, waited for with an optional bound
 * (--timeout SECONDS). With a bound the child leads its own process group,
 * so the whole tree it starts can be stopped: SIGINT first (the shim flushes
 * the event log on it, and a stall is already in the log), SIGKILL three
 * seconds later.
 */
#ifndef ND_BOUNDED_H
#define ND_BOUNDED_H

#include <sys/types.h>

/* In the child, before exec. */
void bounded_child(double timeout);

/* Waits for pid; returns its status as a shell gives it (128+signal when
 * killed); *timed_out says whether the bound stopped it. */
int bounded_wait(pid_t pid, double timeout, int *timed_out);

/* The real monotonic clock, in seconds. */
double bounded_now(void);

/* Parses a --timeout value: seconds, > 0, at most a day; -1 if invalid. */
double bounded_parse(const char *v);

#endif
