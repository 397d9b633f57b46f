/*
 * vclock.c's CPU clocks: waiting is not work. A sleep, a timed wait and a
 * fork leave every CPU-time clock near zero, as natively, while the
 * monotonic clock moves by the whole sleep.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "child.h"

#define CPUTIME ND_TEST_BUILD_DIR "/../fixtures/cputime"

static long long field(const struct spawn_result *r, const char *key)
{
	const char *v = spawn_field(r->out, key);
	cr_assert(*v, "no '%s' in:\n%s", key, r->out);
	return atoll(v);
}

static void assert_waits_are_not_work(const struct spawn_result *r)
{
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_geq(field(r, "slept"), 200000000LL);
	const char *clocks[] = { "process", "thread", "clock", "times", "rusage-self", "rusage-thread",
				 "thread-wait", "fork-child" };
	for (size_t i = 0; i < sizeof(clocks) / sizeof(*clocks); i++)
		cr_assert_lt(field(r, clocks[i]), 20000000LL, "%s moved %lld ns over a 0.2 s wait\n%s", clocks[i],
			     field(r, clocks[i]), r->out);
}

Test(cputime, waits_do_not_count_natively)
{
	const char *argv[] = { CPUTIME, NULL };
	struct spawn_result r = spawn_run(argv, (const char *[]){ NULL });
	assert_waits_are_not_work(&r);
	spawn_free(&r);
}

Test(cputime, waits_do_not_count_under_nodice_and_the_answer_repeats)
{
	const char *argv[] = { CPUTIME, NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=7", NULL };
	struct spawn_result a = spawn_run(argv, env), b = spawn_run(argv, env);
	assert_waits_are_not_work(&a);
	cr_assert_str_eq(a.out, b.out);
	spawn_free(&a);
	spawn_free(&b);
}
