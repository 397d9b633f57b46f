/*
 * watch.c: a sleeper wakes on real time while another thread computes
 * without a clock read only once that computation has lasted as long as is
 * left of the sleep, as natively. Before, after a first cut every 20 ms of
 * computation woke it at its deadline, however far (regrtest's 120 s exit
 * watchdog fired while CPython finalized).
 */
#include <criterion/criterion.h>

#include "child.h"

#define WATCHDOG ND_TEST_BUILD_DIR "/../fixtures/watchdog"

Test(watchdog, natively_it_sleeps_through)
{
	const char *argv[] = { WATCHDOG, NULL };
	spawn_expect(argv, (const char *[]){ NULL }, "watchdog slept\n");
}

Test(watchdog, under_nodice_too)
{
	const char *argv[] = { WATCHDOG, NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=7", NULL };
	spawn_expect(argv, env, "watchdog slept\n");
}
