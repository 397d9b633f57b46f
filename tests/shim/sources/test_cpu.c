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

/* Every interface the issue lists, with a count that is neither 1 nor this
 * machine's. */
Test(cpu, every_interface_agrees)
{
	const char *argv[] = { ND_TEST_PROBE, "cpus", NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_CPUS=3", NULL };
	struct spawn_result r = spawn_run(argv, env);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(spawn_field(r.out, "sysconf_conf"), "3");
	cr_assert_str_eq(spawn_field(r.out, "get_nprocs"), "3");
	cr_assert_str_eq(spawn_field(r.out, "pthread_affinity"), "3");
	cr_assert_str_eq(spawn_field(r.out, "syscall_affinity"), "3 ok");
	cr_assert_str_eq(spawn_field(r.out, "getcpu"), "0 sched_getcpu 0");
	cr_assert_str_eq(spawn_field(r.out, "online"), "0-2");
	cr_assert_str_eq(spawn_field(r.out, "possible"), "0-2");
	cr_assert_str_eq(spawn_field(r.out, "present"), "0-2");
	cr_assert_str_eq(spawn_field(r.out, "cpu.max"), "300000 100000");
	cr_assert_str_eq(spawn_field(r.out, "cpuinfo_processors"), "3");
	cr_assert_str_eq(spawn_field(r.out, "stat_cpus"), "3");
	spawn_free(&r);
}

Test(cpu, one_cpu_reads_as_cpu_zero_only)
{
	struct spawn_result r = spawn_probe("cpus", "1");
	cr_assert_str_eq(spawn_field(r.out, "online"), "0");
	cr_assert_str_eq(spawn_field(r.out, "cpuinfo_processors"), "1");
	cr_assert_str_eq(spawn_field(r.out, "stat_cpus"), "1");
	cr_assert_str_eq(spawn_field(r.out, "cpu.max"), "100000 100000");
	spawn_free(&r);
}
