/* cpuid_fault: CPUID faulting. */
#ifndef ND_CPUID_FAULT_H
#define ND_CPUID_FAULT_H

/* cpuid.c: CPUID faulting, where the machine has it, hides RDRAND/RDSEED;
 * nd_cpuid_emulate answers a trapped CPUID (1) from the SIGSEGV handler. */
void nd_cpuid_start(void);
int nd_cpuid_emulate(void *gregs);

#endif
