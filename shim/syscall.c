/*
 * syscall(2), the libc function: OpenSSL 3 and others call
 * syscall(SYS_getrandom, ...) to skip the getrandom wrapper, and libnuma asks
 * for the affinity mask this way. Controlled numbers are served exactly as
 * their wrappers are; every other number goes to libc unchanged. (An inline
 * `syscall` instruction never reaches this function: see docs/limits.md.)
 */
#include "nodice.h"

#include <stdarg.h>
#include <sys/syscall.h>
#include <time.h>

static long serve(long nr, long a, long b, long c, long d)
{
	switch (nr) {
	case SYS_getrandom:
		return nd_random_getrandom((void *)a, (size_t)b, (unsigned)c);
	case SYS_clock_gettime:
		return nd_clock_gettime((int)a, (struct timespec *)b);
	case SYS_gettimeofday:
		gettimeofday((struct timeval *)a, (void *)b);
		return 0;
	case SYS_time:
		return (long)time((time_t *)a);
	case SYS_nanosleep:
		return nd_sleep_ns(CLOCK_MONOTONIC, 0, (const struct timespec *)a);
	case SYS_clock_nanosleep:
		return nd_sleep_ns((int)a, (int)b, (const struct timespec *)c);
	case SYS_sched_getaffinity:
		if ((size_t)b < sizeof(unsigned long))
			return -EINVAL;
		if (!c)
			return -EFAULT;
		nd_cpu_fill((cpu_set_t *)c, (size_t)b);
		/* The raw call returns the size of the kernel's mask, in longs. */
		return (long)(((nd_cfg.cpus + 63) / 64) * sizeof(unsigned long));
	}
	return -ENOSYS;
}

ND_EXPORT long syscall(long nr, ...)
{
	va_list ap;
	va_start(ap, nr);
	long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
	long d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
	va_end(ap);
	if (!nd_passthrough()) {
		long r = serve(nr, a, b, c, d);
		if (r != -ENOSYS) {
			nd_log_served(ND_SYM_syscall, nr == SYS_getrandom && r > 0 ? (uint64_t)r : 0);
			return nd_ret(r);
		}
	}
	return nd_real.syscall(nr, a, b, c, d, e, f);
}
