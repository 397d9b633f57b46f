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
/* set to fixed values: name, value */
#define ND_CPU_FIXED_VARS "OMP_DYNAMIC", "false", "OMP_WAIT_POLICY", "passive"

#endif
