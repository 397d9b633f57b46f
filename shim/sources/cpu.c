/*
 * One CPU count everywhere: NODICE_CPUS (default 1) is what sysconf,
 * get_nprocs and the affinity calls report, so thread pools size themselves
 * the same on a 2-core laptop and a 64-core server, and reductions split the
 * same way. The affinity mask reports CPUs 0..N-1. The thread-pool variables
 * that libraries read instead (OpenMP, OpenBLAS, MKL, numexpr, loky) default
 * to the same count unless the user set them.
 */
#include "nodice.h"
#include "cpuvars.h"
#include "cpu.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

void nd_cpu_fill(cpu_set_t *set, size_t size)
{
	memset(set, 0, size);
	for (unsigned i = 0; i < nd_cfg.cpus && i / 8 < size; i++)
		CPU_SET_S(i, size, set);
}

void nd_cpu_export_env(void)
{
	static const char *const vars[] = { ND_CPU_COUNT_VARS }, *const fixed[] = { ND_CPU_FIXED_VARS };
	char n[16];
	snprintf(n, sizeof(n), "%u", nd_cfg.cpus);
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		setenv(vars[i], n, 0);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i += 2)
		setenv(fixed[i], fixed[i + 1], 0);
	/* Hardware randomness the shim cannot intercept here: libraries that
	 * honour a switch are told not to use it (OpenSSL: RDRAND and RDSEED). */
	setenv("OPENSSL_ia32cap", "~0x4000000000000000:~0x40000", 0);
	setenv("SYSTEMD_RDRAND", "0", 0);
}

/* sysconf(3): the processor counts; every other name goes to libc. */
ND_EXPORT long sysconf(int name)
{
	ND_ORDERED();
	if (!nd_passthrough() && (name == _SC_NPROCESSORS_ONLN || name == _SC_NPROCESSORS_CONF)) {
		nd_log_served(ND_SYM_sysconf, 0);
		return nd_cfg.cpus;
	}
	if (!nd_passthrough() && name == _SC_AVPHYS_PAGES) {
		/* free memory as /proc/meminfo and sysinfo give it (meminfo.c):
		 * GNU sort sizes its buffer from it */
		nd_log_served(ND_SYM_sysconf, 0);
		long all = nd_real.sysconf(_SC_PHYS_PAGES);
		return all < 0 ? all : all / 4 * 3;
	}
	return nd_real.sysconf(name);
}

/* get_avphys_pages(3). */
ND_EXPORT long get_avphys_pages(void)
{
	ND_ORDERED();
	return sysconf(_SC_AVPHYS_PAGES);
}

/* get_nprocs(3). */
ND_EXPORT int get_nprocs(void)
{
	ND_ORDERED();
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* get_nprocs_conf(3). */
ND_EXPORT int get_nprocs_conf(void)
{
	ND_ORDERED();
	return (int)sysconf(_SC_NPROCESSORS_CONF);
}

/* sched_getaffinity(2): any live pid sees the virtual mask; libc's checks
 * (ESRCH, EINVAL for a short mask) are kept by asking it first. */
ND_EXPORT int sched_getaffinity(pid_t pid, size_t size, cpu_set_t *set)
{
	ND_ORDERED();
	int pass = nd_passthrough();
	int r = nd_real.sched_getaffinity(pid, size, set);
	if (r < 0 || pass)
		return r;
	nd_log_served(ND_SYM_sched_getaffinity, 0);
	nd_cpu_fill(set, size);
	return 0;
}

/* pthread_getaffinity_np(3): returns an error number. */
ND_EXPORT int pthread_getaffinity_np(pthread_t t, size_t size, cpu_set_t *set)
{
	ND_ORDERED();
	int pass = nd_passthrough();
	int r = nd_real.pthread_getaffinity_np(t, size, set);
	if (r != 0 || pass)
		return r;
	nd_log_served(ND_SYM_pthread_getaffinity_np, 0);
	nd_cpu_fill(set, size);
	return 0;
}

/* sched_getcpu(3): glibc reads the kernel's rseq area, not a system call;
 * every thread is on CPU 0, as getcpu (dispatch.c, vdso.c) says. */
ND_EXPORT int sched_getcpu(void)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.sched_getcpu();
	nd_log_served(ND_SYM_sched_getcpu, 0);
	return 0;
}
