/* Faults and stress (issue 8): the shim must never break a working program. */
#include "probe_assert.h"
#include "machine.h"

#include <json-c/json.h>
#include <unistd.h>

Test(faults, signal_handlers_drawing_inside_draws_do_not_break_anything, .timeout = 60)
{
	struct spawn_result r = spawn_probe("sighandler", "7");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(spawn_field(r.out, "handler_ran"), "1");
	cr_assert_eq(strlen(spawn_field(r.out, "main_draws")), 16);
	spawn_free(&r);
}

Test(faults, vfork_and_posix_spawn_children_draw_their_own_values)
{
	struct spawn_result out[2];
	probe_twice_and_other("spawns", out);
	char a[64];
	snprintf(a, sizeof(a), "%s", spawn_field(out[0].out, "vfork"));
	cr_assert_str_neq(a, spawn_field(out[0].out, "posix_spawn"));
	assert_moves_with_seed(out, "vfork");
	spawn_free(&out[0]);
	spawn_free(&out[1]);
}

Test(faults, fork_from_a_multithreaded_process)
{
	struct spawn_result out[2];
	probe_twice_and_other("fork-mt", out);
	char p[64];
	snprintf(p, sizeof(p), "%s", spawn_field(out[0].out, "parent"));
	cr_assert_str_neq(p, spawn_field(out[0].out, "child"));
	spawn_free(&out[0]);
	spawn_free(&out[1]);
}

Test(faults, two_thousand_threads, .timeout = 120)
{
	struct spawn_result out[2];
	probe_twice_and_other("many-threads", out);
	assert_moves_with_seed(out, "threads_xor");
	spawn_free(&out[0]);
	spawn_free(&out[1]);
}

Test(faults, a_forty_deep_process_tree, .timeout = 120)
{
	struct spawn_result out[2];
	probe_twice_and_other("deep", out);
	cr_assert_str_not_empty(spawn_field(out[0].out, "depth40"));
	assert_moves_with_seed(out, "depth40");
	spawn_free(&out[0]);
	spawn_free(&out[1]);
}

Test(faults, a_killed_child_leaves_no_corrupt_lines, .timeout = 60)
{
	char path[] = "/tmp/nodice-kill-XXXXXX";
	close(mkstemp(path));
	char var[128];
	snprintf(var, sizeof(var), "NODICE_LOG=%s", path);
	const char *argv[] = { "sh", "-c", ND_TEST_PROBE " hot >/dev/null & " ND_TEST_PROBE " many-threads >/dev/null & "
			       "sleep 0.05; kill -9 %2; kill -TERM %1; wait; echo done", NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, var, NULL };
	struct spawn_result r = spawn_run(argv, env);
	cr_assert_str_eq(r.out, "done\n");
	FILE *f = fopen(path, "r");
	char line[65536];
	int lines = 0;
	while (f && fgets(line, sizeof(line), f)) {
		json_object *j = json_tokener_parse(line);
		cr_assert_not_null(j, "corrupt line: %s", line);
		json_object_put(j);
		lines++;
	}
	if (f)
		fclose(f);
	cr_assert_gt(lines, 0, "the shell's own records are missing");
	unlink(path);
	spawn_free(&r);
}

Test(faults, an_unwritable_log_does_not_stop_the_program)
{
	const char *argv[] = { ND_TEST_PROBE, "entropy", NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_LOG=/nonexistent-dir/log.jsonl", NULL };
	struct spawn_result r = spawn_run(argv, env);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(spawn_field(r.out, "getrandom_ret"), "16");
	cr_assert_str_empty(r.err);
	spawn_free(&r);
}

Test(faults, an_exempt_program_gets_real_randomness_and_is_reported)
{
	const char *argv[] = { ND_TEST_NODICE, "run", "--exempt", "probe", "--", ND_TEST_PROBE, "entropy", NULL };
	struct spawn_result a = spawn_run(argv, NULL), b = spawn_run(argv, NULL);
	cr_assert_eq(a.status, 0);
	char ga[64];
	snprintf(ga, sizeof(ga), "%s", spawn_field(a.out, "getrandom"));
	cr_assert_str_neq(ga, spawn_field(b.out, "getrandom"), "an exempt program drew seeded bytes");
	const char *ins[] = { ND_TEST_NODICE, "inspect", "--exempt", "probe", "--", ND_TEST_PROBE, "entropy", NULL };
	struct spawn_result c = spawn_run(ins, NULL);
	cr_assert_not_null(strstr(c.out, "exempt [fails --strict]: "), "%s", c.out);
	spawn_free(&a);
	spawn_free(&b);
	spawn_free(&c);
}

Test(faults, key_generators_are_flagged_as_predictable)
{
	const char *argv[] = { ND_TEST_NODICE, "inspect", "--", "openssl", "rand", "-hex", "4", NULL };
	struct spawn_result r = spawn_run(argv, NULL);
	cr_assert_eq(r.status, 0);
	cr_assert_not_null(strstr(r.out, "KEYS MADE UNDER NODICE ARE PREDICTABLE"), "%s", r.out);
	spawn_free(&r);
}

#ifdef ND_TEST_M32
Test(faults, a_32_bit_child_runs_quietly_and_is_reported)
{
	char path[] = "/tmp/nodice-m32-XXXXXX";
	close(mkstemp(path));
	char var[128];
	snprintf(var, sizeof(var), "NODICE_LOG=%s", path);
	const char *argv[] = { "sh", "-c", ND_TEST_M32, NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, var, NULL };
	struct spawn_result r = spawn_run(argv, env);
	if (!machine_runs_32bit(ND_TEST_M32)) {
		/* No IA32 emulation in this kernel: the child fails as natively
		 * (126), and the shim still reports it before the exec. */
		cr_assert_eq(r.status, 126, "%s", r.err);
		cr_assert_str_empty(r.out);
	} else {
		cr_assert_eq(r.status, 0);
		cr_assert_str_eq(r.out, "32-bit 4\n");
		cr_assert_str_empty(r.err, "the loader complained on the child's stderr: %s", r.err);
	}
	FILE *f = fopen(path, "r");
	char line[65536];
	int reported = 0;
	while (f && fgets(line, sizeof(line), f))
		reported |= strstr(line, "\"kind\":\"32bit-child\"") != NULL;
	if (f)
		fclose(f);
	cr_assert(reported);
	unlink(path);
	spawn_free(&r);
}
#endif
