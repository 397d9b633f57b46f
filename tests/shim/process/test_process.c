/* process.c, exec.c, threads.c: lineage across fork, exec and threads. */
#include "probe_assert.h"

Test(process, fork_children_draw_distinct_repeatable_values)
{
	struct spawn_result out[2];
	probe_twice_and_other("fork", out);
	const char *keys[] = { "parent", "child0", "child1", "child2", "parent_after" };
	char seen[5][64];
	for (int i = 0; i < 5; i++) {
		snprintf(seen[i], sizeof(seen[i]), "%s", spawn_field(out[0].out, keys[i]));
		cr_assert_str_not_empty(seen[i], "no line %s", keys[i]);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(seen[i], seen[j], "%s repeats %s", keys[i], keys[j]);
	}
	assert_moves_with_seed(out, "child1");
	spawn_free(&out[0]);
	spawn_free(&out[1]);
}

Test(process, exec_keeps_lineage_and_continues_the_clock)
{
	struct spawn_result out[2];
	probe_twice_and_other("exec", out);
	double before = atof(spawn_field(out[0].out, "exec_clock"));
	double after = atof(spawn_field(out[0].out, "after_exec_clock"));
	cr_assert_gt(after, before);
	cr_assert_str_neq(spawn_field(out[0].out, "after_exec"), "");
	char a[64];
	snprintf(a, sizeof(a), "%s", spawn_field(out[0].out, "after_exec"));
	cr_assert_str_neq(a, spawn_field(out[0].out, "before_exec"));
	assert_moves_with_seed(out, "after_exec");
	spawn_free(&out[0]);
	spawn_free(&out[1]);
}

Test(process, scrubbed_environment_gets_the_shim_back)
{
	const char *argv[] = { "sh", "-c", "env -i " ND_TEST_PROBE " entropy", NULL };
	const char *env7[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=7", NULL };
	const char *env8[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=8", NULL };
	struct spawn_result a = spawn_run(argv, env7), b = spawn_run(argv, env7), c = spawn_run(argv, env8);
	cr_assert_eq(a.status, 0);
	cr_assert_str_eq(a.out, b.out);
	cr_assert_str_neq(a.out, c.out, "env -i child ignores the seed: it lost the shim");
	spawn_free(&a);
	spawn_free(&b);
	spawn_free(&c);
}

Test(thread, threads_draw_by_creation_order_not_by_timing)
{
	struct spawn_result out[2];
	probe_twice_and_other("threads", out);
	char t0[64];
	snprintf(t0, sizeof(t0), "%s", spawn_field(out[0].out, "thread0"));
	cr_assert_str_neq(t0, spawn_field(out[0].out, "thread1"));
	assert_moves_with_seed(out, "thread3");
	spawn_free(&out[0]);
	spawn_free(&out[1]);
}
