/*
 * procclock.c: the machine's uptime and load, as files and from sysinfo and
 * getloadavg, follow the virtual boot clock of an idle machine — the same in
 * every run — and agree with /proc/stat's boot time.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "child.h"

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
	struct spawn_result a = spawn_run(argv, env), b = spawn_run(argv, env);
	cr_assert_eq(a.status, 0, "%s", a.err);
	cr_assert_str_eq(a.out, b.out);
	const char *want = "100.00 0.00\n0.00 0.00 0.00 1/1 1\nbtime 4102444700\n(0.0, 0.0, 0.0) 4102444700\n";
	cr_assert(!strncmp(a.out, want, strlen(want)), "%s", a.out);
	cr_assert(strstr(a.out, "load average: 0.00, 0.00, 0.00"), "%s", a.out);
	spawn_free(&a);
	spawn_free(&b);
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
	struct spawn_result a = spawn_run(argv, env), b = spawn_run(argv, env);
	cr_assert_eq(a.status, 0, "%s", a.err);
	cr_assert_str_eq(a.out, b.out);
	cr_assert(!strncmp(a.out, "['0', '0', '0', '0', '0', '0', '0', '0', ", 40), "%s", a.out);
	cr_assert(strstr(a.out, "'10000']\n"), "the parent starts at boot + 100 s: %s", a.out);
	cr_assert(strstr(a.out, "'10200']\n"), "the child starts 2 s later: %s", a.out);
	spawn_free(&a);
	spawn_free(&b);
}

