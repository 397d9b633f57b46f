/* clock.c, vclock.c, sleep.c, wait.c: one virtual time line. */
#include "probe_assert.h"
#include "config.h"

#include <stdlib.h>

/* The default epoch under the probe's seed 7 (config.h): 2000-01-01 plus
 * under a day drawn from the seed. */
static const char *epoch7(const char *fraction)
{
	static char s[64];
	snprintf(s, sizeof(s), "%lld%s", (long long)nd_config_default_epoch(7), fraction);
	return s;
}

Test(clock, every_clock_starts_at_the_epoch_and_never_goes_back)
{
	struct spawn_result r = spawn_probe("clocks", "7");
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(spawn_field(r.out, "backwards"), "0");
	cr_assert_str_eq(spawn_field(r.out, "clock 0"), epoch7(".000001000"));
	cr_assert_str_eq(spawn_field(r.out, "clock 1"), "100.000003000");
	cr_assert_str_eq(spawn_field(r.out, "time"), epoch7(""));
	cr_assert_str_eq(spawn_field(r.out, "timespec_get"), "1");
	cr_assert_str_eq(spawn_field(r.out, "res"), "0.000001000");
	spawn_free(&r);
}

Test(clock, epoch_and_tick_are_honoured)
{
	const char *argv[] = { ND_TEST_PROBE, "clocks", NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_EPOCH=2024-01-01T00:00:00Z",
			      "NODICE_TICK_NS=500", NULL };
	struct spawn_result r = spawn_run(argv, env);
	cr_assert_str_eq(spawn_field(r.out, "clock 0"), "1704067200.000000500");
	cr_assert_str_eq(spawn_field(r.out, "clock 1"), "100.000001500");
	spawn_free(&r);
}

Test(clock, output_is_identical_across_runs)
{
	struct spawn_result out[2];
	probe_twice_and_other("clocks", out);
	spawn_free(&out[0]);
	spawn_free(&out[1]);
}

Test(sleep, sleeps_move_virtual_time_by_the_request)
{
	struct spawn_result r = spawn_probe("sleeps", "7");
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(spawn_field(r.out, "sleep"), "100.000");
	cr_assert_str_eq(spawn_field(r.out, "usleep"), "0.250");
	cr_assert_str_eq(spawn_field(r.out, "nanosleep"), "3.500");
	cr_assert_str_eq(spawn_field(r.out, "clock_nanosleep_abs"), "10.000");
	cr_assert_str_eq(spawn_field(r.out, "poll"), "2.000");
	cr_assert_str_eq(spawn_field(r.out, "select"), "1.000");
	spawn_free(&r);
}

Test(wait, timed_waits_time_out_at_their_virtual_deadline)
{
	struct spawn_result r = spawn_probe("sleeps", "7");
	cr_assert_str_eq(spawn_field(r.out, "cond_timedwait"), "ETIMEDOUT 0.050");
	cr_assert_str_eq(spawn_field(r.out, "sem_timedwait"), "-1 ETIMEDOUT 0.020");
	spawn_free(&r);
}

Test(sleep, a_100_second_sleep_takes_no_real_time, .timeout = 10)
{
	struct spawn_result r = spawn_probe("sleeps", "7");
	cr_assert_eq(r.status, 0);
	spawn_free(&r);
}

/* A generator seeded from the clock (gawk's srand() takes time(NULL)) moves
 * with the experiment seed, repeats under one seed, and under an explicit
 * --epoch does not depend on the seed at all (config.h). */
Test(clock, clock_seeded_generators_move_with_the_seed)
{
	const char *argv[] = { "/usr/bin/gawk", "BEGIN { srand(); print rand() }", NULL };
	const char *s1[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=1", NULL };
	const char *s2[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=2", NULL };
	const char *e1[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=1", "NODICE_EPOCH=1000000000", NULL };
	const char *e2[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=2", "NODICE_EPOCH=1000000000", NULL };
	struct spawn_result a = spawn_run(argv, s1), a2 = spawn_run(argv, s1), b = spawn_run(argv, s2);
	struct spawn_result x = spawn_run(argv, e1), y = spawn_run(argv, e2);
	cr_assert_eq(a.status, 0, "%s", a.err);
	cr_assert_str_eq(a.out, a2.out);
	cr_assert_str_neq(a.out, b.out, "srand() from the clock gave %s under two seeds", a.out);
	cr_assert_str_eq(x.out, y.out);
	spawn_free(&a);
	spawn_free(&a2);
	spawn_free(&b);
	spawn_free(&x);
	spawn_free(&y);
}
