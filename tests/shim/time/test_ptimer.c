/*
 * ptimer.c: POSIX timers on the virtual clock keep the kernel's contract —
 * signal, si_code, value and id, gettime, absolute deadlines, a timer aimed
 * at one thread, one pending signal with overruns counted, SIGEV_NONE,
 * EINVAL after delete. The fixture prints what it saw; natively and under
 * nodice the lines must be the same, and under nodice they repeat.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <time.h>

#include "child.h"

#define PTIMERS ND_TEST_BUILD_DIR "/../fixtures/ptimers"

static const char *expected = "periodic 3\nremaining 1500\nabstime 1\nthread 9\noverrun 1 >=9 0\nnone 0\ndeleted 1\n";

Test(ptimer, the_fixture_sees_the_kernels_contract_natively)
{
	const char *argv[] = { PTIMERS, NULL };
	struct spawn_result r = spawn_run(argv, (const char *[]){ NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, expected);
	spawn_free(&r);
}

static double real_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The 30 s timer of `long` fires in virtual time: the run does not wait for
 * it (a real timer would take 30 s). */
Test(ptimer, virtual_timers_keep_the_contract_and_repeat)
{
	const char *argv[] = { PTIMERS, "long", NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=7", NULL };
	double t0 = real_now();
	struct spawn_result a = spawn_run(argv, env);
	double took = real_now() - t0;
	struct spawn_result b = spawn_run(argv, env);
	cr_assert_eq(a.status, 0, "%s", a.err);
	char want[512];
	snprintf(want, sizeof(want), "%slong 1\n", expected);
	cr_assert_str_eq(a.out, want);
	cr_assert_str_eq(a.out, b.out);
	cr_assert_lt(took, 15.0, "a 30 s virtual timer took %.1f s of real time", took);
	spawn_free(&a);
	spawn_free(&b);
}
