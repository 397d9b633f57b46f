/*
 * The files that tell a program how many CPUs it has: /proc/cpuinfo,
 * /proc/stat, /sys/devices/system/cpu/{online,possible,present} and the
 * cgroup's cpu.max. Opened read-only by absolute path, each is answered with
 * a memory file (memfd) written here, so every reader (open, fopen, a
 * runtime's own parser) sees NODICE_CPUS CPUs:
 *
 *   online/possible/present  "0" or "0-N-1"
 *   cpu.max                  a quota of N CPUs ("N00000 100000")
 *   /proc/stat               N cpu lines with zero times, boot time = epoch
 *   /proc/cpuinfo            the machine's first processor block, repeated
 *                            N times with processor/core numbers renumbered
 *                            and "cpu MHz" fixed (it changes between reads)
 *
 * Only system calls, no allocation: open is async-signal-safe.
 */
#include "nodice.h"
#include "devices.h"
#include "fmt.h"

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
	if (!path || path[0] != '/')
		return W_NONE;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!strcmp(path, files[i].path))
			return files[i].w;
	return W_NONE;
}

struct out {
	int fd;
	char buf[4096];
	size_t n;
};

static void put(struct out *o, const char *s, size_t len)
{
	while (len) {
		if (o->n == sizeof(o->buf)) {
			nd_sys(SYS_write, o->fd, (long)o->buf, (long)o->n, 0, 0, 0);
			o->n = 0;
		}
		size_t k = sizeof(o->buf) - o->n < len ? sizeof(o->buf) - o->n : len;
		memcpy(o->buf + o->n, s, k);
		o->n += k;
		s += k;
		len -= k;
	}
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void putu(struct out *o, uint64_t v)
{
	char d[24];
	struct nd_buf b = ND_BUF(d);
	nd_fmt_u64(&b, v);
	puts_(o, d);
}

static void flush(struct out *o)
{
	if (o->n)
		nd_sys(SYS_write, o->fd, (long)o->buf, (long)o->n, 0, 0, 0);
	o->n = 0;
}

static void stat_file(struct out *o, unsigned n)
{
	static const char *const tail[] = { "intr 0\nctxt 0\nbtime ", "\nprocesses 1\nprocs_running 1\n"
						 "procs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n" };
	puts_(o, "cpu  0 0 0 0 0 0 0 0 0 0\n");
	for (unsigned i = 0; i < n; i++) {
		puts_(o, "cpu");
		putu(o, i);
		puts_(o, " 0 0 0 0 0 0 0 0 0 0\n");
	}
	puts_(o, tail[0]);
	putu(o, (uint64_t)nd_cfg.epoch);
	puts_(o, tail[1]);
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

static void cpuinfo_file(struct out *o, unsigned n)
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
				put(o, line, (size_t)(colon - line) + 2);
				putu(o, cpu);
			} else if (colon && (field_is(line, "siblings") || field_is(line, "cpu cores"))) {
				put(o, line, (size_t)(colon - line) + 2);
				putu(o, n);
			} else if (colon && field_is(line, "cpu MHz")) {
				put(o, line, (size_t)(colon - line) + 2);
				puts_(o, "1000.000");
			} else {
				put(o, line, ll);
			}
			put(o, "\n", 1);
			at += ll + 1;
		}
		put(o, "\n", 1);
	}
}

/* 0 when `path` is not one of the files (or not opened for reading only);
 * 1 when it is, with *out a descriptor reading the virtual file or -errno
 * when it cannot be made (never the real file then: EPERM is EPERM). */
int nd_cpufile_open(const char *path, int flags, int *out)
{
	enum which w = match(path);
	if (w == W_NONE || (flags & O_ACCMODE) != O_RDONLY || (flags & (O_DIRECTORY | O_CREAT)))
		return 0;
	long fd = nd_sys(SYS_memfd_create, (long)"nodice-cpu", (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0, 0, 0, 0, 0);
	*out = (int)fd;
	if (fd < 0)
		return 1;
	struct out o = { .fd = (int)fd };
	unsigned n = nd_cfg.cpus;
	switch (w) {
	case W_RANGE:
		puts_(&o, "0");
		if (n > 1) {
			puts_(&o, "-");
			putu(&o, n - 1);
		}
		puts_(&o, "\n");
		break;
	case W_CPUMAX:
		putu(&o, (uint64_t)n * 100000);
		puts_(&o, " 100000\n");
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
	flush(&o);
	nd_sys(SYS_lseek, fd, 0, SEEK_SET, 0, 0, 0);
	nd_log_served(ND_SYM_open, 0);
	return 1;
}
