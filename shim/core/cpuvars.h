/*
 * The variables the shim sets for every process of a run unless the user
 * did (sources/cpu.c): the thread pools' sizes follow --cpus, and OpenMP
 * neither resizes its teams nor spins. The command's environment record
 * (inspect/envrecord.c) shows them as the program saw them.
 */
#ifndef ND_CPUVARS_H
#define ND_CPUVARS_H

/* set to the number of CPUs the run shows */
#define ND_CPU_COUNT_VARS "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", \
	"LOKY_MAX_CPU_COUNT"
/* set to fixed values: name, value. OPENBLAS_THREAD_TIMEOUT=4 (2^4 cycles,
 * its minimum) is OpenBLAS's passive policy: an idle worker sleeps in a
 * condition wait the scheduler sees instead of spinning on sched_yield and
 * the TSC, which under nodice reads a virtual counter, so the native 0.1 s
 * of spinning lasted most of a second and held the others' turns (numpy's
 * 2-thread matmuls: 1.13x native time in parallel mode, native with it). */
#define ND_CPU_FIXED_VARS "OMP_DYNAMIC", "false", "OMP_WAIT_POLICY", "passive", "OPENBLAS_THREAD_TIMEOUT", "4"

#endif
