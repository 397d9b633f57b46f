/*
 * Raw system calls, the bottom of the shim: every file may call them, and
 * they call nothing of ours. nd_sys bypasses every interposer (ours and
 * libc's caches) and is never caught by syscall user dispatch: it flips the
 * calling thread's selector byte around the instruction (traps/dispatch.c
 * arms dispatch with that byte).
 */
#ifndef ND_SYS_H
#define ND_SYS_H

#include <stddef.h>

long nd_sys(long nr, long a, long b, long c, long d, long e, long f);
#define nd_sys0(nr) nd_sys((nr), 0, 0, 0, 0, 0, 0)

/* The selector byte syscall user dispatch reads for this thread: ALLOW (0)
 * until dispatch is armed, BLOCK while it traps. */
extern __thread char nd_sys_selector __attribute__((tls_model("initial-exec")));

/* The program's memory through process_vm_readv/writev: a bad pointer gives
 * -EFAULT, as the kernel would, instead of a fault in the shim. */
long nd_user_read(void *dst, long src, size_t n);
long nd_user_write(long dst, const void *src, size_t n);

/* The real CLOCK_MONOTONIC in ns, by system call (libc's would reach the
 * patched vDSO): for the shim's own bounds on real time. */
unsigned long long nd_sys_monotonic_ns(void);

/* Waits, yielding and then in half-milliseconds, until ready(arg) says so:
 * for another process's last instructions (a child between leaving its
 * time and being reapable), at most about a second. */
void nd_sys_await(int (*ready)(void *arg), void *arg);

/* How many CPUs this thread may run on (the real affinity mask, not the
 * count the program is shown): spinning for another helps only with two. */
int nd_sys_cpus_allowed(void);
/* The CPU the calling thread runs on (the kernel's, never the program's
 * virtual answer), or -1. */
int nd_sys_cpu(void);

/* Reads the start of file `path` (one read: /proc and sysfs files give their
 * whole text at once) into buf, NUL-terminated: the bytes read, or -errno
 * (buf is then ""). Raw system calls and the caller's buffer only. */
long nd_sys_read_file(const char *path, char *buf, size_t size);

/* Calls each(name, arg) for every entry of directory `path` ("." and ".."
 * too), with raw system calls and a stack buffer, until it returns non-zero.
 * 0, or -errno when the directory cannot be opened. */
int nd_sys_listdir(const char *path, int (*each)(const char *name, void *arg), void *arg);

#endif
