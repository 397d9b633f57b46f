/*
 * The stall detector (sched.c) and the bounded runs of inspect and verify:
 * a process whose threads all wait is never a silent hang.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"

#define STALL ND_TEST_BUILD_DIR "/../fixtures/stall"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	char *buf = calloc(1, 1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* Both scheduling modes: in parallel mode the turn covers only the calls,
 * and a stall is still every thread waiting inside one. */
static const char *const modes[] = { "serial", "parallel" };

static void deadlock_logged(const char *mode)
{
	char log[] = "/tmp/nodice-stall-XXXXXX";
	close(mkstemp(log));
	/* SIGKILL flushes nothing: the record must already be there. */
	const char *argv[] = { "timeout", "-s", "KILL", "3", ND_TEST_NODICE, "run", "--threads", mode, "--log", log, "--",
			       STALL, "abba", NULL };
	struct spawn_result r = spawn_run(argv, NULL);
	cr_assert_eq(r.status, 137, "the deadlock finished? status %d: %s", r.status, r.out);
	char *text = slurp(log);
	cr_assert_not_null(strstr(text, "\"kind\":\"schedule-stall\""), "%s", text);
	cr_assert_not_null(strstr(text, "#1 on a mutex 0x"), "%s", text);
	cr_assert_not_null(strstr(text, "#2 on a mutex 0x"), "%s", text);
	cr_assert_not_null(strstr(text, "#0 on the end of thread 0x"), "%s", text);
	free(text);
	unlink(log);
	spawn_free(&r);
}

Test(stall, a_deadlock_is_in_the_log_at_once_even_when_killed)
{
	for (int m = 0; m < 2; m++)
		deadlock_logged(modes[m]);
}

Test(stall, inspect_and_verify_stop_a_stalled_run_and_name_the_stall)
{
	const char *ins[] = { ND_TEST_NODICE, "inspect", "--strict", "--timeout", "2", "--", STALL, "abba", NULL };
	struct spawn_result a = spawn_run(ins, NULL);
	cr_assert_eq(a.status, 1, "status %d\n%s%s", a.status, a.out, a.err);
	cr_assert_not_null(strstr(a.out, "schedule-stall [fails --strict]"), "%s", a.out);
	cr_assert_not_null(strstr(a.err, "still running after 2 s"), "%s", a.err);
	const char *ver[] = { ND_TEST_NODICE, "verify", "--quiet", "--timeout", "2", "--", STALL, "abba", NULL };
	struct spawn_result v = spawn_run(ver, NULL);
	cr_assert_eq(v.status, 1, "status %d\n%s%s", v.status, v.out, v.err);
	cr_assert_not_null(strstr(v.out, "timeout: run 1 did not finish"), "%s", v.out);
	cr_assert_not_null(strstr(v.out, "- schedule-stall: every thread waits"), "%s", v.out);
	spawn_free(&a);
	spawn_free(&v);
}

static void lost_wake_up_broken(const char *mode)
{
	char log[] = "/tmp/nodice-stall-XXXXXX";
	close(mkstemp(log));
	const char *argv[] = { "timeout", "20", ND_TEST_NODICE, "run", "--threads", mode, "--log", log, "--", STALL, "lost",
			       NULL };
	struct spawn_result a = spawn_run(argv, NULL), b = spawn_run(argv, NULL);
	cr_assert_eq(a.status, 0, "status %d", a.status);
	cr_assert_str_eq(a.out, "woken\n");
	cr_assert_str_eq(a.out, b.out);
	char *text = slurp(log);
	cr_assert_not_null(strstr(text, "\"kind\":\"schedule-stall-broken\""), "%s", text);
	cr_assert_null(strstr(text, "\"kind\":\"schedule-stall\""), "a broken stall was also reported as a deadlock");
	free(text);
	unlink(log);
	spawn_free(&a);
	spawn_free(&b);
}

Test(stall, a_lost_wake_up_is_broken_the_same_way_every_run)
{
	for (int m = 0; m < 2; m++)
		lost_wake_up_broken(modes[m]);
}

Test(stall, threaded_programs_that_finish_report_no_stall)
{
	char log[] = "/tmp/nodice-stall-XXXXXX";
	close(mkstemp(log));
	const char *subs[] = { "mutex-log", "prodcons", "barrier", "sem", "rwlock", "c11", "sleep" };
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		const char *argv[] = { ND_TEST_NODICE, "run", "--log", log, "--", ND_TEST_THREADS, subs[i], NULL };
		struct spawn_result r = spawn_run(argv, NULL);
		cr_assert_eq(r.status, 0, "%s: %d", subs[i], r.status);
		spawn_free(&r);
	}
	char *text = slurp(log);
	cr_assert_null(strstr(text, "schedule-stall"), "%s", text);
	free(text);
	unlink(log);
}

Test(stall, timeout_values_are_checked)
{
	const char *bad[] = { ND_TEST_NODICE, "verify", "--timeout", "0", "--", "true", NULL };
	struct spawn_result r = spawn_run(bad, NULL);
	cr_assert_eq(r.status, 2);
	cr_assert_str_eq(r.err, "nodice verify: --timeout '0': must be seconds, more than 0, at most 86400; try 'nodice --help'\n");
	spawn_free(&r);
}
