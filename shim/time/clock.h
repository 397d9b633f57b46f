/* clock: the clock family (clock.c); nd_clock_gettime answers any clock
 * id from the virtual line, 0 or -errno, for the vDSO and dispatch too. */
#ifndef ND_CLOCK_H
#define ND_CLOCK_H

#include <time.h>

int nd_clock_gettime(int clk, struct timespec *ts);

#endif
