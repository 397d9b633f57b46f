/*
 * The machine's clock is never set by a program under nodice (settime.c,
 * guard.c). Every program here runs behind fixtures/c/clockguard, a seccomp
 * filter that kills a process making a real clock-setting system call: if
 * the shim regresses, the test fails instead of moving this machine's clock.
 */
#include <criterion/criterion.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "child.h"

#define GUARD ND_TEST_BUILD_DIR "/../fixtures/clockguard"
#define SETTIME ND_TEST_BUILD_DIR "/../fixtures/settime"
#define SETTIME_STATIC ND_TEST_BUILD_DIR "/../fixtures/settime_static"
#define DROP "setpriv", "--inh-caps=-sys_time", "--bounding-set=-sys_time"

static int have_cap_sys_time(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	return syscall(SYS_capget, &h, d) == 0 && (d[0].effective & (1u << CAP_SYS_TIME));
}

static time_t real_now(void)
{
	struct timespec ts;
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts); /* not through any shim */
	return ts.tv_sec;
}

static void assert_line(const char *out, const char *line)
{
	char want[256];
	snprintf(want, sizeof(want), "\n%s\n", line);
	cr_assert(strncmp(out, want + 1, strlen(want + 1)) == 0 || strstr(out, want) != NULL, "no line '%s' in:\n%s",
		  line, out);
}

/* The lines of `out` that do not start with one of the prefixes. */
static char *without(const char *out, const char *const prefixes[])
{
	char *res = calloc(1, strlen(out) + 1), *w = res;
	for (const char *p = out; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
		int skip = 0;
		for (int i = 0; prefixes[i]; i++)
			skip |= strncmp(p, prefixes[i], strlen(prefixes[i])) == 0;
		if (!skip) {
			memcpy(w, p, len);
			w += len;
		}
		p += len;
	}
	return res;
}

/* Lines whose value is the time or NTP state, which differ by design. */
static const char *const timed[] = { "year", "ntp_gettime", "adjtimex read", "timezone", "freq", NULL };

Test(settime, with_the_capability_only_the_virtual_clock_moves)
{
	time_t before = real_now();
	const char *argv[] = { GUARD, "kill", ND_TEST_NODICE, "run", "--", SETTIME, "all", NULL };
	struct spawn_result r = spawn_run(argv, NULL);
	cr_assert_eq(r.status, 0, "status %d (159 = killed by the guard: a real clock call escaped)\n%s%s", r.status,
		     r.out, r.err);
	if (have_cap_sys_time()) {
		/* libc, syscall(2), an inline syscall, adjtimex and adjtime each
		 * move the virtual wall clock, year by year. */
		assert_line(r.out, "clock_settime realtime 0 -");
		assert_line(r.out, "year 2001");
		assert_line(r.out, "settimeofday tv 0 -");
		assert_line(r.out, "year 2002");
		assert_line(r.out, "timezone -60");
		assert_line(r.out, "syscall clock_settime 0 -");
		assert_line(r.out, "year 2003");
		assert_line(r.out, "inline clock_settime 0");
		assert_line(r.out, "year 2004");
		assert_line(r.out, "adjtimex setoffset 5 -");
		assert_line(r.out, "year 2005");
		assert_line(r.out, "freq 32768000");
		assert_line(r.out, "adjtime 0 -");
		assert_line(r.out, "olddelta 0 0");
	} else {
		assert_line(r.out, "clock_settime realtime -1 EPERM");
		assert_line(r.out, "year 2000");
	}
	/* Invalid arguments fail as natively, whatever the capability. */
	assert_line(r.out, "clock_settime monotonic -1 EINVAL");
	assert_line(r.out, "clock_settime bad-nsec -1 EINVAL");
	assert_line(r.out, "clock_settime efault -1 EFAULT");
	assert_line(r.out, "settimeofday both -1 EINVAL");
	assert_line(r.out, "clock_adjtime monotonic -1 EOPNOTSUPP");
	assert_line(r.out, "adjtimex efault -1 EFAULT");
	cr_assert_lt(labs((long)(real_now() - before)), 120, "the machine's clock moved");
	struct spawn_result again = spawn_run(argv, NULL);
	cr_assert_str_eq(r.out, again.out, "two runs differ");
	spawn_free(&r);
	spawn_free(&again);
}

static void assert_same_errnos(const char *const native[], const char *const under[])
{
	struct spawn_result n = spawn_run(native, NULL), u = spawn_run(under, NULL);
	cr_assert_eq(n.status, 0, "%s", n.err);
	cr_assert_eq(u.status, 0, "status %d\n%s", u.status, u.err);
	char *a = without(n.out, timed), *b = without(u.out, timed);
	cr_assert_str_not_empty(a);
	cr_assert_str_eq(a, b, "errnos differ from native:\n--- native\n%s--- nodice\n%s", a, b);
	cr_assert_not_null(strstr(u.out, "clock_settime realtime -1 EPERM"), "%s", u.out);
	free(a);
	free(b);
	spawn_free(&n);
	spawn_free(&u);
}

Test(settime, without_the_capability_every_call_fails_as_natively)
{
	/* Natively the kernel refuses (no CAP_SYS_TIME): safe without a guard. */
	const char *native[] = { DROP, SETTIME, "all", NULL };
	const char *under[] = { GUARD, "kill", DROP, ND_TEST_NODICE, "run", "--", SETTIME, "all", NULL };
	assert_same_errnos(native, under);
}

Test(settime, in_a_user_namespace_the_capability_does_not_reach_the_clock)
{
	/* capget reports CAP_SYS_TIME inside; the kernel still refuses. */
	const char *probe[] = { "unshare", "--user", "--map-root-user", "true", NULL };
	struct spawn_result p = spawn_run(probe, NULL);
	cr_assert_eq(p.status, 0, "user namespaces are needed by this test: %s", p.err);
	spawn_free(&p);
	const char *native[] = { "unshare", "--user", "--map-root-user", SETTIME, "all", NULL };
	const char *under[] = { GUARD, "kill", "unshare", "--user", "--map-root-user", ND_TEST_NODICE, "run", "--",
				SETTIME, "all", NULL };
	assert_same_errnos(native, under);
}

Test(settime, a_static_child_meets_the_seccomp_guard)
{
	/* The test's guard answers EXFULL, nodice's EPERM: only nodice's may
	 * answer, and the machine's year stays. */
	const char *argv[] = { GUARD, "errno", ND_TEST_NODICE, "run", "--", "sh", "-c",
			       SETTIME_STATIC " set 978307200", NULL };
	struct spawn_result r = spawn_run(argv, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_line(r.out, "clock_settime -1 EPERM");
	cr_assert_null(strstr(r.out, "year 2001"), "%s", r.out);
	spawn_free(&r);
}

Test(settime, date_s_moves_the_virtual_clock_of_the_whole_tree)
{
	if (!have_cap_sys_time())
		cr_skip_test("needs CAP_SYS_TIME (root): date -s is refused without it");
	const char *argv[] = { GUARD, "kill", ND_TEST_NODICE, "run", "--", "bash", "-c",
			       "date -s @978307200 >/dev/null; date -u +%Y; date -s '2010-05-05 10:00:00' >/dev/null; "
			       "/usr/bin/python3 -c 'import time; print(time.strftime(\"%F %T\", time.gmtime()))'",
			       NULL };
	struct spawn_result a = spawn_run(argv, NULL), b = spawn_run(argv, NULL);
	cr_assert_eq(a.status, 0, "%s", a.err);
	cr_assert_str_eq(a.out, "2001\n2010-05-05 10:00:00\n");
	cr_assert_str_eq(a.out, b.out);
	spawn_free(&a);
	spawn_free(&b);
}

Test(settime, read_then_write_back_is_harmless_and_logged)
{
	/* CPython's test_time does this as root: it once set this machine to
	 * the year 2000. Inspect shows the call. */
	const char *argv[] = { GUARD, "kill", ND_TEST_NODICE, "inspect", "--", "/usr/bin/python3", "-c",
			       "import time\n"
			       "time.clock_settime(time.CLOCK_REALTIME, time.clock_gettime(time.CLOCK_REALTIME))\n"
			       "print(time.gmtime().tm_year)",
			       NULL };
	struct spawn_result r = spawn_run(argv, NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.out, "clock-set: "), "%s", r.out);
	cr_assert_not_null(strstr(r.out, have_cap_sys_time() ? "clock_settime: the virtual wall clock was set"
							     : "clock_settime: refused with EPERM"),
			   "%s", r.out);
	cr_assert_not_null(strstr(r.out, "settime   clock_settime"), "%s", r.out);
	spawn_free(&r);
}
