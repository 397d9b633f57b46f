/*
 * What this machine can do natively, checked without the shim, so a test can
 * expect the behaviour nodice promises on this machine: served where the
 * machine allows it, reported where it does not. Never a silent skip: each
 * branch of a test that uses these asserts something.
 */
#ifndef ND_TEST_MACHINE_H
#define ND_TEST_MACHINE_H

/* 1 when PR_SET_TSC really makes RDTSC fault here (some hypervisors accept
 * the prctl and let the instruction run). */
int machine_traps_rdtsc(void);

/* 1 when the kernel runs 32-bit x86 programs (IA32 emulation). */
int machine_runs_32bit(const char *m32_program);

#endif
