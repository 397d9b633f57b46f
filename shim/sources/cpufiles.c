/*
 * The files that tell a program how many CPUs it has: /proc/cpuinfo,
 * /proc/stat, /sys/devices/system/cpu/{online,possible,present} and the
 * cgroup's cpu.max. Opened read-only by absolute path, each is answered with
 * a memory file (memfd) written here, so every reader (open, fopen, a
 * runtime's own parser) sees NODICE_CPUS CPUs:
 *
 *   online/possible/present  "0" or "0-N-1"
 *   cpu.max                  a quota of N CPUs ("N00000 100000")
 *   /proc/stat               N cpu lines with zero times, booted 100 s
 *                            before the epoch (CLOCK_BOOTTIME's start)
 *   /proc/cpuinfo            the machine's first processor block, repeated
 *                            N times with processor/core numbers renumbered
 *                            and "cpu MHz" fixed (it changes between reads)
 *
 * Written through memfile.c: system calls only, open stays async-signal-safe.
 */
#include "nodice.h"
#include "devices.h"
#include "memfile.h"
#include "vclock.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

enum which { W_NONE, W_RANGE, W_CPUMAX, W_STAT, W_CPUINFO };

static enum which match(const char *path)
{
	static const struct {
		const char *path;
		enum which w;
	} files[] = {
		{ "/sys/devices/system/cpu/online", W_RANGE },
		{ "/sys/devices/system/cpu/possible", W_RANGE },
		{ "/sys/devices/system/cpu/present", W_RANGE },
		{ "/sys/fs/cgroup/cpu.max", W_CPUMAX },
		{ "/proc/stat", W_STAT },
		{ "/proc/cpuinfo", W_CPUINFO },
	};
	if (!path)
		return W_NONE;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!strcmp(path, files[i].path))
			return files[i].w;
	return W_NONE;
}

static void stat_file(struct nd_memfile *o, unsigned n)
{
	static const char *const tail[] = { "intr 0\nctxt 0\nbtime ", "\nprocesses 1\nprocs_running 1\n"
						 "procs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n" };
	nd_memfile_puts(o, "cpu  0 0 0 0 0 0 0 0 0 0\n");
	for (unsigned i = 0; i < n; i++) {
		nd_memfile_puts(o, "cpu");
		nd_memfile_putu(o, i);
		nd_memfile_puts(o, " 0 0 0 0 0 0 0 0 0 0\n");
	}
	nd_memfile_puts(o, tail[0]);
	/* booted as long before the wall clock's start as CLOCK_BOOTTIME starts
	 * (procclock.c): the epoch, moved as this process's wall clocks moved
	 * (a clock set, a join with file times: time/filetime.c) */
	int64_t wall0;
	nd_vclock_at(CLOCK_REALTIME, 0, &wall0);
	nd_memfile_putu(o, (uint64_t)((wall0 - ND_MONO_BASE) / ND_NS));
	nd_memfile_puts(o, tail[1]);
}

/* The first processor block of the real /proc/cpuinfo, into blk. */
static size_t first_block(char *blk, size_t size)
{
	long fd = nd_sys(SYS_openat, AT_FDCWD, (long)"/proc/cpuinfo", O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return 0;
	size_t n = 0;
	long r;
	while (n < size - 1 && (r = nd_sys(SYS_read, fd, (long)(blk + n), (long)(size - 1 - n), 0, 0, 0)) > 0)
		n += (size_t)r;
	nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
	blk[n] = 0;
	char *end = strstr(blk, "\n\n");
	return end ? (size_t)(end - blk) + 1 : n;
}

static int field_is(const char *line, const char *name)
{
	size_t k = strlen(name);
	return !strncmp(line, name, k) && (line[k] == ' ' || line[k] == '\t');
}

static void cpuinfo_file(struct nd_memfile *o, unsigned n)
{
	char blk[8192];
	size_t len = first_block(blk, sizeof(blk));
	for (unsigned cpu = 0; cpu < n; cpu++) {
		for (size_t at = 0; at < len;) {
			const char *line = blk + at;
			const char *nl = memchr(line, '\n', len - at);
			size_t ll = nl ? (size_t)(nl - line) : len - at;
			const char *colon = memchr(line, ':', ll);
			int renumber = field_is(line, "processor") || field_is(line, "core id") ||
				       field_is(line, "apicid") || field_is(line, "initial apicid");
			if (colon && renumber) {
				nd_memfile_put(o, line, (size_t)(colon - line) + 2);
				nd_memfile_putu(o, cpu);
			} else if (colon && (field_is(line, "siblings") || field_is(line, "cpu cores"))) {
				nd_memfile_put(o, line, (size_t)(colon - line) + 2);
				nd_memfile_putu(o, n);
			} else if (colon && field_is(line, "cpu MHz")) {
				nd_memfile_put(o, line, (size_t)(colon - line) + 2);
				nd_memfile_puts(o, "1000.000");
			} else {
				nd_memfile_put(o, line, ll);
			}
			nd_memfile_put(o, "\n", 1);
			at += ll + 1;
		}
		nd_memfile_put(o, "\n", 1);
	}
}

/* 0 when `path` is not one of the files; 1 when it is, with *out a
 * descriptor reading the virtual file or -errno when it cannot be made
 * (never the real file then: EPERM is EPERM). The caller checked the flags
 * (memfile.c). */
int nd_cpufile_open(const char *path, int flags, int *out)
{
	enum which w = match(path);
	if (w == W_NONE)
		return 0;
	struct nd_memfile o;
	if ((*out = nd_memfile_open("nodice-cpu", flags, &o)) < 0)
		return 1;
	unsigned n = nd_cfg.cpus;
	switch (w) {
	case W_RANGE:
		nd_memfile_puts(&o, "0");
		if (n > 1) {
			nd_memfile_puts(&o, "-");
			nd_memfile_putu(&o, n - 1);
		}
		nd_memfile_puts(&o, "\n");
		break;
	case W_CPUMAX:
		nd_memfile_putu(&o, (uint64_t)n * 100000);
		nd_memfile_puts(&o, " 100000\n");
		break;
	case W_STAT:
		stat_file(&o, n);
		break;
	case W_CPUINFO:
		cpuinfo_file(&o, n);
		break;
	case W_NONE:
		break;
	}
	*out = nd_memfile_done(&o);
	return 1;
}
