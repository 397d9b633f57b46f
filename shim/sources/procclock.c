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
 *
 * /proc/stat's boot time (cpufiles.c) is the wall clock less that uptime, so
 * the three agree. Reading uptime is a clock read: it ticks. Through
 * memfile.c: system calls only.
 */
#include "nodice.h"
#include "memfile.h"
#include "devices.h"
#include "vclock.h"

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

int nd_procclock_open(const char *path, int flags, int *out)
{
	int uptime = !strcmp(path, "/proc/uptime"), loadavg = !strcmp(path, "/proc/loadavg");
	if (!uptime && !loadavg)
		return 0;
	struct nd_memfile o;
	if ((*out = nd_memfile_open("nodice-proc", flags, &o)) < 0)
		return 1;
	if (uptime) {
		nd_memfile_putfixed(&o, boottime() / 10000000, 2);
		nd_memfile_puts(&o, " 0.00\n");
	} else {
		nd_memfile_puts(&o, "0.00 0.00 0.00 1/1 1\n");
	}
	*out = nd_memfile_done(&o);
	return 1;
}

/* sysinfo(2). */
ND_EXPORT int sysinfo(struct sysinfo *info)
{
	if (nd_passthrough())
		return nd_real.sysinfo(info);
	int r = nd_real.sysinfo(info);
	if (r != 0)
		return r;
	nd_log_served(ND_SYM_sysinfo, 0);
	info->uptime = (long)(boottime() / ND_NS);
	info->loads[0] = info->loads[1] = info->loads[2] = 0;
	info->procs = 1;
	return 0;
}

/* getloadavg(3). */
ND_EXPORT int getloadavg(double loadavg[], int nelem)
{
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
