/* sleep: the sleep family. */
#ifndef ND_SLEEP_H
#define ND_SLEEP_H

#include <time.h>

/* sleep.c */
int nd_sleep_ns(int clk, int flags, const struct timespec *req, struct timespec *rem);

#endif
