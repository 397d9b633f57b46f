/*
 * Setting the clock (settime.c) and the seccomp guard that keeps the
 * machine's clock out of reach of what the shim does not see (guard.c).
 * The nd_settime_* functions take the program's pointers, as the kernel
 * does, and return the kernel's result or -errno; `fn` names the caller in
 * the clock-set event.
 */
#ifndef ND_SETTIME_H
#define ND_SETTIME_H

long nd_settime_clock(const char *fn, int clk, long user_ts);
long nd_settime_tod(const char *fn, long user_tv, long user_tz);
long nd_settime_adjtimex(const char *fn, int clk, long user_tx);

/* Whether the caller could set the machine's clock natively. */
int nd_settime_permitted(void);

void nd_guard_start(void);

#endif
