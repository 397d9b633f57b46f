/*
 * The files the shim answers itself, one provider per family (cpufiles.c,
 * procclock.c, procstatus.c, meminfo.c, host.c), each writing its answer with memfile.c.
 * Kept apart from memfile.c so the providers call down to the writer and
 * nothing calls back up. A /proc file of counters no provider answers is
 * opened as it is and reported (`proc-counter`): its contents differ
 * between runs.
 */
#include "nodice.h"
#include "fmt.h"
#include "memfile.h"
#include "devices.h"

#include <fcntl.h>
#include <string.h>

/* Files under /proc/<pid>/ and /proc/ whose contents are counters of the
 * machine's activity: memory use, context switches, I/O, scheduling,
 * interrupts, network and disk statistics. */
static const char *const per_process[] = { "io", "schedstat", "sched", "smaps",
					   "smaps_rollup", "wchan", NULL };
static const char *const machine[] = { "vmstat", "interrupts", "softirqs", "diskstats", "schedstat",
				       "zoneinfo", "buddyinfo", "slabinfo", "pagetypeinfo", "net/dev",
				       "net/snmp", "net/netstat", "net/sockstat", "sys/fs/file-nr",
				       "sys/kernel/random/entropy_avail", NULL };

static int listed(const char *name, const char *const *list)
{
	if (list == machine && !strncmp(name, "pressure/", 9))
		return 1;
	for (; *list; list++)
		if (!strcmp(name, *list))
			return 1;
	return 0;
}

/* The part after /proc/<pid>/ (and after task/<tid>/ below it), or NULL. */
static const char *process_part(const char *path)
{
	const char *p = nd_proc_process_part(path, NULL);
	if (p && !strncmp(p, "task/", 5)) {
		size_t t = strspn(p + 5, "0123456789");
		if (t && p[5 + t] == '/')
			p += 5 + t + 1;
	}
	return p;
}

static void note_counter(const char *path)
{
	if (strncmp(path, "/proc/", 6) != 0)
		return;
	const char *rest = path + 6, *own = process_part(path);
	if (own ? listed(own, per_process) : listed(rest, machine)) {
		char detail[160];
		struct nd_buf b = ND_BUF(detail);
		nd_fmt_str(&b, own ? "/proc/<pid>/" : "/proc/");
		nd_fmt_str(&b, own ? own : rest);
		if (b.overflow)
			return;
		*b.p = 0;
		nd_log_uncontrolled("proc-counter", detail);
	}
}

int nd_virtual_file_open(const char *path, int flags, int *fd)
{
	if (!path || path[0] != '/' || (flags & O_ACCMODE) != O_RDONLY || (flags & (O_DIRECTORY | O_CREAT)))
		return 0;
	if (nd_cpufile_open(path, flags, fd) || nd_procclock_open(path, flags, fd) ||
	    nd_meminfo_open(path, flags, fd) || nd_hostfile_open(path, flags, fd) ||
	    nd_procstatus_open(path, flags, fd))
		return 1;
	note_counter(path);
	return 0;
}
