/* tsc: the trapped time-stamp counter. */
#ifndef ND_TSC_H
#define ND_TSC_H

/* tsc.c: rdtsc/rdtscp trapped (PR_SET_TSC) and answered from the virtual
 * clock; re-enabled around every exec so a child that cannot load the shim
 * is not killed by its first rdtsc. */
void nd_tsc_start(void);
void nd_tsc_before_exec(void);
void nd_tsc_after_exec_failed(void);
/* prctl's PR_SET_TSC/PR_GET_TSC: 1 when handled, the result in *r. */
int nd_tsc_prctl(int option, unsigned long a, long *r);
extern int nd_tsc_trapped;

#endif
