/*
 * procclock.c: the machine's uptime and load, as files and from sysinfo and
 * getloadavg, follow the virtual boot clock of an idle machine — the same in
 * every run — and agree with /proc/stat's boot time.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "child.h"

/* Runs argv twice: it must succeed and print the same both times. */
static struct spawn_result twice(const char *const argv[], const char *const env[])
{
	struct spawn_result a = spawn_run(argv, env), b = spawn_run(argv, env);
	cr_assert_eq(a.status, 0, "%s", a.err);
	cr_assert_str_eq(a.out, b.out, "two runs differ");
	spawn_free(&b);
	return a;
}

static const char *script =
	"cat /proc/uptime /proc/loadavg; grep btime /proc/stat; "
	"/usr/bin/python3 -c 'import os, time; print(os.getloadavg(), round(time.time() - "
	"time.clock_gettime(time.CLOCK_BOOTTIME)))'; uptime | sed 's/^ *//'";

Test(procclock, uptime_and_load_are_virtual_and_repeat)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	/* An epoch after every file's time: no file time moves the wall clock
	 * (time/filetime.c), so each process agrees on the boot time. */
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=3", "NODICE_EPOCH=4102444800", NULL };
	struct spawn_result a = twice(argv, env);
	const char *want = "100.00 0.00\n0.00 0.00 0.00 1/1 1\nbtime 4102444700\n(0.0, 0.0, 0.0) 4102444700\n";
	cr_assert(!strncmp(a.out, want, strlen(want)), "%s", a.out);
	cr_assert(strstr(a.out, "load average: 0.00, 0.00, 0.00"), "%s", a.out);
	spawn_free(&a);
}

Test(procclock, sysinfo_reports_the_virtual_uptime)
{
	const char *argv[] = { "/usr/bin/python3", "-c",
			       "import ctypes\n"
			       "buf = ctypes.create_string_buffer(128)\n"
			       "libc = ctypes.CDLL(None)\n"
			       "assert libc.sysinfo(buf) == 0\n"
			       "up, l1, l2, l3 = [int.from_bytes(buf.raw[i:i + 8], 'little') for i in (0, 8, 16, 24)]\n"
			       "procs = int.from_bytes(buf.raw[80:82], 'little')\n"
			       "print(up, l1, l2, l3, procs)\n",
			       NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=3", NULL };
	struct spawn_result r = spawn_run(argv, env);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "100 0 0 0 1\n");
	spawn_free(&r);
}

/* The process's own /proc/<pid>/stat: page faults and CPU times virtual,
 * its start on the virtual boot clock (a child starts when its parent forked
 * it); the same on every run. Natively page faults and start times differ. */
Test(procclock, own_stat_line_is_virtual_and_repeats)
{
	const char *argv[] = { "/usr/bin/python3", "-c",
			       "import os, time\n"
			       "def f(path): return open(path).read().rsplit(')', 1)[1].split()[7:20]\n"
			       "print(f('/proc/self/stat'))\n"
			       "time.sleep(2)\n"
			       "pid = os.fork()\n"
			       "if pid == 0:\n"
			       "    print(f('/proc/%d/stat' % os.getpid()), flush=True)\n"
			       "    os._exit(0)\n"
			       "os.waitpid(pid, 0)\n",
			       NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=3", NULL };
	struct spawn_result a = twice(argv, env);
	cr_assert(!strncmp(a.out, "['0', '0', '0', '0', '0', '0', '0', '0', ", 40), "%s", a.out);
	cr_assert(strstr(a.out, "'10000']\n"), "the parent starts at boot + 100 s: %s", a.out);
	cr_assert(strstr(a.out, "'10200']\n"), "the child starts 2 s later: %s", a.out);
	spawn_free(&a);
}

/* meminfo.c: free memory is an idle machine's, three quarters of the total,
 * the same in every run, whichever way it is read; the sizes are the
 * machine's. */
Test(procclock, free_memory_is_fixed_and_agrees)
{
	const char *argv[] = { "/bin/sh", "-c",
			       "free -k | sed -n 2p; grep -E '^(MemTotal|MemFree|MemAvailable|Cached|Dirty):' "
			       "/proc/meminfo; /usr/bin/python3 -c 'import os, ctypes\n"
			       "b = ctypes.create_string_buffer(128); ctypes.CDLL(None).sysinfo(b)\n"
			       "total, free = (int.from_bytes(b.raw[i:i + 8], \"little\") for i in (32, 40))\n"
			       "unit = int.from_bytes(b.raw[104:108], \"little\")\n"
			       "pages = os.sysconf(\"SC_AVPHYS_PAGES\") * os.sysconf(\"SC_PAGE_SIZE\")\n"
			       "print(free * 4 == total * 3, \"sysconf-kb\", pages // 1024)'",
			       NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=3", NULL };
	struct spawn_result a = twice(argv, env);
	unsigned long long total = 0, free_kb = 0, avail = 0;
	const char *t = strstr(a.out, "MemTotal:"), *f = strstr(a.out, "MemFree:"), *v = strstr(a.out, "MemAvailable:");
	cr_assert(t && f && v, "%s", a.out);
	sscanf(t, "MemTotal: %llu", &total);
	sscanf(f, "MemFree: %llu", &free_kb);
	sscanf(v, "MemAvailable: %llu", &avail);
	cr_assert_eq(free_kb, total / 16 * 12, "%s", a.out);
	cr_assert_eq(avail, free_kb, "%s", a.out);
	unsigned long long cached = 1, dirty = 1;
	const char *c = strstr(a.out, "\nCached:"), *d = strstr(a.out, "Dirty:");
	cr_assert(c && d && sscanf(c, "\nCached: %llu", &cached) == 1 && sscanf(d, "Dirty: %llu", &dirty) == 1,
		  "%s", a.out);
	cr_assert(cached == 0 && dirty == 0, "nothing cached or dirty on the virtual machine: %s", a.out);
	/* sysconf counts whole pages, as /proc/meminfo's MemFree (the
	 * machine's page count need not divide by four) */
	const char *k = strstr(a.out, "True sysconf-kb ");
	unsigned long long sc_kb = 0;
	cr_assert(k && sscanf(k, "True sysconf-kb %llu", &sc_kb) == 1 && sc_kb == free_kb,
		  "sysinfo and sysconf agree with /proc/meminfo: %s", a.out);
	spawn_free(&a);
}

/* Another member's /proc/<pid>/stat: its start on the virtual boot clock
 * (ps's STARTED, psutil's create_time), no page faults, no CPU time known;
 * a later child starts later. */
Test(procclock, other_members_stat_lines_are_virtual_and_repeat)
{
	const char *argv[] = { "/bin/bash", "-c",
			       "sleep 1 & a=$!; sleep 2 & b=$!; cut -d' ' -f10-17,22 /proc/$a/stat /proc/$b/stat; "
			       "wait",
			       NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=3", NULL };
	struct spawn_result a = twice(argv, env);
	unsigned long long s1 = 0, s2 = 0;
	cr_assert_eq(sscanf(a.out, "0 0 0 0 0 0 0 0 %llu\n0 0 0 0 0 0 0 0 %llu", &s1, &s2), 2, "%s", a.out);
	cr_assert(s1 >= 10000 && s2 >= s1, "start times on the virtual boot clock, in order: %s", a.out);
	spawn_free(&a);
}
