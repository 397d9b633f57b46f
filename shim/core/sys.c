/*
 * Raw system calls; see sys.h. The `syscall` instruction is issued here and
 * nowhere else in the shim but vfork (process/vfork.c), with the thread's dispatch selector set to ALLOW
 * around it (compiler fences keep the stores on either side of it: a SIGSYS
 * handler on this thread reads the byte).
 */
#include "sys.h"

#include <stddef.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>

__thread char nd_sys_selector __attribute__((tls_model("initial-exec")));

static long raw(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

long nd_sys(long nr, long a, long b, long c, long d, long e, long f)
{
	char was = nd_sys_selector;
	nd_sys_selector = 0; /* SYSCALL_DISPATCH_FILTER_ALLOW */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	long ret = raw(nr, a, b, c, d, e, f);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	nd_sys_selector = was;
	return ret;
}

long nd_user_write(long dst, const void *src, size_t n)
{
	struct iovec local = { (void *)src, n }, remote = { (void *)dst, n };
	long w = n ? nd_sys(SYS_process_vm_writev, nd_sys0(SYS_getpid), (long)&local, 1, (long)&remote, 1, 0) : 0;
	return w == (long)n ? 0 : w < 0 ? w : -EFAULT;
}

long nd_user_read(void *dst, long src, size_t n)
{
	struct iovec local = { dst, n }, remote = { (void *)src, n };
	long r = nd_sys(SYS_process_vm_readv, nd_sys0(SYS_getpid), (long)&local, 1, (long)&remote, 1, 0);
	return r == (long)n ? 0 : r < 0 ? r : -EFAULT;
}

unsigned long long nd_sys_monotonic_ns(void)
{
	struct timespec ts;
	nd_sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0, 0);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

void nd_sys_await(int (*ready)(void *arg), void *arg)
{
	for (int i = 0; i < 2000 && !ready(arg); i++) {
		struct timespec to = { 0, 500000 };
		if (i < 50)
			nd_sys0(SYS_sched_yield);
		else
			nd_sys(SYS_nanosleep, (long)&to, 0, 0, 0, 0, 0);
	}
}

/* glibc 2.35+ registers each thread's rseq area and says where it is; the
 * kernel keeps the thread's CPU in it (offset 4). Weak: absent before. */
extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));

int nd_sys_cpu(void)
{
	if (&__rseq_size && &__rseq_offset && __rseq_size >= 8) {
		const int32_t *area = (const int32_t *)((char *)__builtin_thread_pointer() + __rseq_offset);
		int32_t c = __atomic_load_n(&area[1], __ATOMIC_RELAXED);
		if (c >= 0)
			return c;
	}
	unsigned cpu = 0;
	return nd_sys(SYS_getcpu, (long)&cpu, 0, 0, 0, 0, 0) == 0 ? (int)cpu : -1;
}

int nd_sys_cpus_allowed(void)
{
	unsigned long mask[16] = { 0 };
	long n = nd_sys(SYS_sched_getaffinity, 0, sizeof(mask), (long)mask, 0, 0, 0);
	int cpus = 0;
	for (long i = 0; i < n / (long)sizeof(long); i++)
		cpus += __builtin_popcountl(mask[i]);
	return cpus;
}

struct nd_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

int nd_sys_listdir(const char *path, int (*each)(const char *name, void *arg), void *arg)
{
	char buf[4096];
	long fd = nd_sys(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return (int)fd;
	long n;
	int stop = 0;
	while (!stop && (n = nd_sys(SYS_getdents64, fd, (long)buf, sizeof(buf), 0, 0, 0)) > 0)
		for (long off = 0; off < n && !stop;) {
			struct nd_dirent64 *d = (struct nd_dirent64 *)(buf + off);
			off += d->d_reclen;
			stop = each(d->d_name, arg);
		}
	nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
	return 0;
}

long nd_sys_read_file(const char *path, char *buf, size_t size)
{
	buf[0] = 0;
	long fd = nd_sys(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return fd;
	long r = nd_sys(SYS_read, fd, (long)buf, (long)size - 1, 0, 0, 0);
	nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
	buf[r > 0 ? r : 0] = 0;
	return r;
}
