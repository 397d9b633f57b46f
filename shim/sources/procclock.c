/*
 * The machine's clocks and counters a program reads as files or from
 * sysinfo(2): /proc/uptime, /proc/loadavg and sysinfo's uptime, loads and
 * process count. Natively they move with the machine; here they follow the
 * virtual CLOCK_BOOTTIME (100 s at the start of the run, vclock.h) of an
 * idle machine running this program alone:
 *
 *   /proc/uptime   "<boottime> 0.00"      (seconds, two decimals; no idle time,
 *                                          as /proc/stat's CPU times are zero)
 *   /proc/loadavg  "0.00 0.00 0.00 1/1 1"
 *   sysinfo        uptime = boottime seconds, loads 0, procs 1; the memory
 *                  and swap figures stay the machine's (issue 16, part 6)
 *   getloadavg     0, 0, 0 (glibc reads /proc/loadavg with an open of its own)
 *   /proc/self/stat, /proc/thread-self/stat, /proc/<pid>/stat of this
 *                  process or another member of the run
 *                  the kernel's line with the clocks and counters made
 *                  virtual: page faults 0, utime the process's virtual CPU
 *                  time (0 for another member), stime and the children's
 *                  times 0, starttime the virtual boot time at which the
 *                  process was created (what psutil's create_time and
 *                  cpu_times, and ps, read)
 *
 * /proc/stat's boot time (cpufiles.c) is the wall clock less that uptime, so
 * the three agree. Reading uptime is a clock read: it ticks. Through
 * memfile.c: system calls only.
 */
#include "nodice.h"
#include "memfile.h"
#include "devices.h"
#include "vclock.h"
#include "members.h"
#include "fmt.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>

/* The virtual CLOCK_BOOTTIME, in ns, after one read. */
static uint64_t boottime(void)
{
	int64_t ns;
	nd_vclock_at(CLOCK_BOOTTIME, nd_vclock_read(), &ns);
	return (uint64_t)ns;
}

const char *nd_proc_process_part(const char *path, int *pid)
{
	if (strncmp(path, "/proc/", 6) != 0)
		return NULL;
	const char *p = path + 6;
	if (!strncmp(p, "self/", 5) || !strncmp(p, "thread-self/", 12)) {
		if (pid)
			*pid = (int)nd_sys0(SYS_getpid);
		return strchr(p, '/') + 1;
	}
	long n = 0;
	for (; *p >= '0' && *p <= '9' && n < 1 << 22; p++)
		n = n * 10 + (*p - '0');
	if (p == path + 6 || *p != '/')
		return NULL;
	if (pid)
		*pid = (int)n;
	return p + 1;
}

int nd_proc_member(const char *path, const char *name)
{
	int pid;
	const char *part = nd_proc_process_part(path, &pid);
	uint64_t born;
	if (!part || strcmp(part, name) != 0)
		return 0;
	return pid == nd_sys0(SYS_getpid) || nd_member_born_of(pid, &born) ? pid : 0;
}

/* The pid whose stat `path` names when it is this process or another
 * member of the run, with its creation time on the time line; 0 when not. */
static int member_stat(const char *path, uint64_t *born)
{
	int pid = nd_proc_member(path, "stat");
	if (pid && pid == (int)nd_sys0(SYS_getpid))
		*born = nd_member_born();
	else if (pid)
		nd_member_born_of(pid, born);
	return pid;
}

#define TICK_NS 10000000ULL /* USER_HZ = 100 */

/* The kernel's line for process pid, fields 10-17 and 22 replaced (1-based,
 * as proc(5) numbers them; the comm in field 2 may hold spaces and ')'):
 * another member's CPU time is not known here, and reads as 0. */
static void stat_line(struct nd_memfile *o, const char *path, int self, uint64_t born)
{
	char line[1024];
	long n = nd_sys_read_file(path, line, sizeof(line));
	if (n <= 0)
		return;
	char *close = strrchr(line, ')');
	if (!close) {
		nd_memfile_put(o, line, (size_t)n);
		return;
	}
	nd_memfile_put(o, line, (size_t)(close + 1 - line));
	uint64_t cpu = self ? (uint64_t)nd_vclock_cpu_ns(0) : 0;
	int field = 2;
	for (char *p = close + 1; *p;) {
		char *end = p + 1;
		while (*end && *end != ' ' && *end != '\n')
			end++;
		field++;
		nd_memfile_put(o, " ", 1);
		if (field >= 10 && field <= 13)
			nd_memfile_puts(o, "0"); /* page faults */
		else if (field == 14)
			nd_memfile_putu(o, cpu / TICK_NS);
		else if (field >= 15 && field <= 17)
			nd_memfile_puts(o, "0");
		else if (field == 22)
			nd_memfile_putu(o, (ND_MONO_BASE + born) / TICK_NS);
		else
			nd_memfile_put(o, p + 1, (size_t)(end - p - 1));
		if (*end == '\n' || !*end)
			break;
		p = end;
	}
	nd_memfile_puts(o, "\n");
}

int nd_procclock_open(const char *path, int flags, int *out)
{
	int uptime = !strcmp(path, "/proc/uptime"), loadavg = !strcmp(path, "/proc/loadavg");
	uint64_t born = 0;
	int pid = uptime || loadavg ? 0 : member_stat(path, &born);
	if (!uptime && !loadavg && !pid)
		return 0;
	struct nd_memfile o;
	if ((*out = nd_memfile_open("nodice-proc", flags, &o)) < 0)
		return 1;
	if (uptime) {
		nd_memfile_putfixed(&o, boottime() / 10000000, 2);
		nd_memfile_puts(&o, " 0.00\n");
	} else if (loadavg) {
		nd_memfile_puts(&o, "0.00 0.00 0.00 1/1 1\n");
	} else {
		stat_line(&o, path, pid == (int)nd_sys0(SYS_getpid), born);
	}
	*out = nd_memfile_done(&o);
	return 1;
}

/* sysinfo(2). */
ND_EXPORT int sysinfo(struct sysinfo *info)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.sysinfo(info);
	int r = nd_real.sysinfo(info);
	if (r != 0)
		return r;
	nd_log_served(ND_SYM_sysinfo, 0);
	info->uptime = (long)(boottime() / ND_NS);
	info->loads[0] = info->loads[1] = info->loads[2] = 0;
	info->procs = 1;
	nd_meminfo_sysinfo(info);
	return 0;
}

/* getloadavg(3). */
ND_EXPORT int getloadavg(double loadavg[], int nelem)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.getloadavg(loadavg, nelem);
	if (nelem < 0)
		return -1;
	nd_log_served(ND_SYM_getloadavg, 0);
	int n = nelem < 3 ? nelem : 3;
	for (int i = 0; i < n; i++)
		loadavg[i] = 0.0;
	return n;
}
