/* cpu.c: one CPU count through every interface. */
#include "probe_assert.h"

Test(cpu, default_is_one_everywhere)
{
	struct spawn_result r = spawn_probe("cpus", "7");
	cr_assert_str_eq(spawn_field(r.out, "sysconf_onln"), "1");
	cr_assert_str_eq(spawn_field(r.out, "sysconf_conf"), "1");
	cr_assert_str_eq(spawn_field(r.out, "get_nprocs"), "1");
	cr_assert_str_eq(spawn_field(r.out, "affinity"), "1");
	cr_assert_str_eq(spawn_field(r.out, "omp_env"), "1");
	spawn_free(&r);
}

Test(cpu, nodice_cpus_is_what_programs_see)
{
	const char *argv[] = { ND_TEST_PROBE, "cpus", NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_CPUS=48", "!OMP_NUM_THREADS", NULL };
	struct spawn_result r = spawn_run(argv, env);
	cr_assert_str_eq(spawn_field(r.out, "sysconf_onln"), "48");
	cr_assert_str_eq(spawn_field(r.out, "get_nprocs"), "48");
	cr_assert_str_eq(spawn_field(r.out, "affinity"), "48");
	cr_assert_str_eq(spawn_field(r.out, "omp_env"), "48");
	spawn_free(&r);
}
