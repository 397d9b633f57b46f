/* verify.c and friends: the CI determinism gate on real programs. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"

struct verdict {
	int status;
	json_object *report;
	char *out, *err;
};

/* Runs `nodice verify` with the given options, then `--`, then cmd. */
static struct verdict verify(const char *const opts[], const char *const cmd[])
{
	char json[] = "/tmp/nodice-verify-test-XXXXXX";
	close(mkstemp(json));
	const char *argv[64] = { ND_TEST_NODICE, "verify", "--json", json };
	int n = 4;
	for (int i = 0; opts && opts[i]; i++)
		argv[n++] = opts[i];
	argv[n++] = "--";
	for (int i = 0; cmd[i]; i++)
		argv[n++] = cmd[i];
	argv[n] = NULL;
	struct spawn_result r = spawn_run(argv, NULL);
	struct verdict v = { r.status, json_object_from_file(json), r.out, r.err };
	unlink(json);
	return v;
}

static void verdict_free(struct verdict *v)
{
	json_object_put(v->report);
	free(v->out);
	free(v->err);
}

static int differs(json_object *report, const char *what)
{
	json_object *d = json_object_object_get(report, "differences");
	for (size_t i = 0; i < json_object_array_length(d); i++)
		if (strstr(json_object_get_string(json_object_object_get(json_object_array_get_idx(d, i), "what")), what))
			return 1;
	return 0;
}

static int cause_mentions(json_object *report, const char *needle)
{
	json_object *c = json_object_object_get(report, "likely_causes");
	for (size_t i = 0; c && i < json_object_array_length(c); i++)
		if (strstr(json_object_get_string(json_object_array_get_idx(c, i)), needle))
			return 1;
	return 0;
}

Test(verify, deterministic_training_with_checkpoint_artifact_passes, .timeout = 300)
{
	char dir[] = "/tmp/nodice-verify-ckpt-XXXXXX";
	mkdtemp(dir);
	char artifact[256];
	snprintf(artifact, sizeof(artifact), "%s/model.pt", dir);
	const char *opts[] = { "-n", "3", "--artifact", artifact, "--vary-seed", NULL };
	const char *cmd[] = { "/usr/bin/python3", ND_TEST_FIXTURES "/python/train_torch.py", artifact, NULL };
	struct verdict v = verify(opts, cmd);
	cr_assert_eq(v.status, 0, "stdout: %s\nstderr: %s", v.out, v.err);
	cr_assert(json_object_get_boolean(json_object_object_get(v.report, "identical")));
	cr_assert_eq(json_object_get_int(json_object_object_get(v.report, "runs")), 3);
	cr_assert(json_object_get_boolean(json_object_object_get(v.report, "seed_dependent")),
		  "the checkpoint must change with the seed");
	verdict_free(&v);
	unlink(artifact); /* the last run's checkpoint */
	rmdir(dir);
}

Test(verify, static_program_reading_getrandom_diverges, .timeout = 60)
{
	const char *cmd[] = { ND_TEST_STATIC, NULL };
	struct verdict v = verify(NULL, cmd);
	cr_assert_eq(v.status, 1);
	cr_assert(differs(v.report, "stdout"));
	cr_assert(cause_mentions(v.report, "statically linked"), "%s", v.out);
	json_object *d = json_object_array_get_idx(json_object_object_get(v.report, "differences"), 0);
	/* 16 random hex digits: they differ within them (equal prefixes happen). */
	cr_assert_lt(json_object_get_int64(json_object_object_get(d, "first_offset")), 16);
	verdict_free(&v);
}

Test(verify, random_artifact_through_uncontrolled_path_is_pinpointed, .timeout = 60)
{
	char dir[] = "/tmp/nodice-verify-art-XXXXXX";
	mkdtemp(dir);
	char artifact[256], script[512];
	snprintf(artifact, sizeof(artifact), "%s/out.bin", dir);
	snprintf(script, sizeof(script), "echo header > %s; %s >> %s", artifact, ND_TEST_STATIC, artifact);
	const char *opts[] = { "--artifact", artifact, NULL };
	const char *cmd[] = { "sh", "-c", script, NULL };
	struct verdict v = verify(opts, cmd);
	cr_assert_eq(v.status, 1);
	cr_assert(differs(v.report, "artifact"));
	cr_assert_not(differs(v.report, "stdout"));
	json_object *d = json_object_array_get_idx(json_object_object_get(v.report, "differences"), 0);
	/* "header\n" is the same in both runs; the 16 random hex digits after it
	 * differ somewhere (they agree on their first k digits 1 time in 16^k). */
	int64_t off = json_object_get_int64(json_object_object_get(d, "first_offset"));
	cr_assert(off >= 7 && off < 7 + 16, "first_offset %lld is not in the random part", (long long)off);
	cr_assert(cause_mentions(v.report, "static-child"));
	verdict_free(&v);
	unlink(artifact);
	rmdir(dir);
}

Test(verify, socket_timing_divergence_names_the_sockets, .timeout = 120)
{
	/* The accept order of two racing clients is decided by the kernel's
	 * timing, but under the serial scheduler it often comes out the same,
	 * and sometimes three runs agree entirely. What must hold whenever the
	 * runs diverge: the gate fails, shows where, and names the sockets
	 * (passed-through connect/accept: external) as the likely cause. Five
	 * attempts make a divergence all but certain; none at all is a failure
	 * of the fixture, reported as such. */
	const char *opts[] = { "-n", "3", NULL };
	const char *cmd[] = { "/usr/bin/python3", ND_TEST_FIXTURES "/python/socket_timing.py", NULL };
	int diverged = 0;
	for (int attempt = 0; attempt < 5 && !diverged; attempt++) {
		struct verdict v = verify(opts, cmd);
		cr_assert(v.status == 0 || v.status == 1, "%s", v.out);
		if (v.status == 1) {
			diverged = 1;
			cr_assert(differs(v.report, "stdout") || differs(v.report, "event log"), "%s", v.out);
			cr_assert(cause_mentions(v.report, "external") || cause_mentions(v.report, "foreign-thread"),
				  "%s", v.out);
		}
		verdict_free(&v);
	}
	cr_assert(diverged, "five verify runs of the socket race never diverged: the fixture no longer races");
}

Test(verify, junit_output_validates_against_the_schema, .timeout = 60)
{
	char xml[] = "/tmp/nodice-junit-XXXXXX";
	close(mkstemp(xml));
	const char *opts[] = { "--junit", xml, NULL };
	const char *cmd[] = { "sh", "-c", ND_TEST_STATIC "; echo '<&>'", NULL };
	struct verdict v = verify(opts, cmd);
	cr_assert_eq(v.status, 1);
	const char *lint[] = { "xmllint", "--noout", "--schema", ND_TEST_FIXTURES "/../tests/data/junit.xsd", xml, NULL };
	struct spawn_result r = spawn_run(lint, NULL);
	cr_assert_eq(r.status, 0, "xmllint: %s", r.err);
	spawn_free(&r);
	unlink(xml);
	verdict_free(&v);
}

Test(verify, record_then_against_matches_on_this_machine, .timeout = 120)
{
	char manifest[] = "/tmp/nodice-manifest-XXXXXX";
	close(mkstemp(manifest));
	const char *cmd[] = { "/usr/bin/python3", ND_TEST_FIXTURES "/python/numpy_rng.py", NULL };
	const char *rec[] = { "--seed", "11", "--record", manifest, NULL };
	struct verdict v = verify(rec, cmd);
	cr_assert_eq(v.status, 0, "%s %s", v.out, v.err);
	json_object *m = json_object_from_file(manifest);
	cr_assert_not_null(m);
	cr_assert_str_eq(json_object_get_string(json_object_object_get(m, "seed")), "11");
	cr_assert_not_null(json_object_object_get(json_object_object_get(m, "environment"), "cpu"));
	json_object_put(m);
	verdict_free(&v);
	const char *check[] = { "-n", "1", "--against", manifest, NULL };
	v = verify(check, cmd);
	cr_assert_eq(v.status, 0, "the manifest's seed must be used: %s", v.out);
	verdict_free(&v);
	const char *other[] = { "-n", "1", "--seed", "12", "--against", manifest, NULL };
	v = verify(other, cmd);
	cr_assert_eq(v.status, 1, "another seed must not match the manifest");
	verdict_free(&v);
	unlink(manifest);
}

static void assert_fails(const char *const args[], int want, const char *needle)
{
	const char *argv[32] = { ND_TEST_NODICE, "verify" };
	int n = 2;
	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	struct spawn_result r = spawn_run(argv, NULL);
	cr_assert_eq(r.status, want, "%s: status %d (%s)", needle, r.status, r.err);
	cr_assert_not_null(strstr(r.err, needle), "%s", r.err);
	cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "not one line: %s", r.err);
	spawn_free(&r);
}

Test(verify, bad_input_gets_one_line_and_its_exit_code)
{
	const char *nocmd[] = { "-n", "2", NULL };
	assert_fails(nocmd, 2, "no command given");
	const char *zero[] = { "-n", "0", "true", NULL };
	assert_fails(zero, 2, "-n '0'");
	const char *one[] = { "-n", "1", "true", NULL };
	assert_fails(one, 2, "compares nothing");
	const char *both[] = { "--record", "/tmp/a", "--against", "/tmp/b", "true", NULL };
	assert_fails(both, 2, "cannot be used together");
	const char *unwritable[] = { "--record", "/nonexistent-dir/manifest.json", "true", NULL };
	assert_fails(unwritable, 2, "--record");
	cr_assert_neq(access("/nonexistent-dir/manifest.json", F_OK), 0);
	const char *missing[] = { "--artifact", "/tmp/nodice-never-created", "true", NULL };
	assert_fails(missing, 3, "did not create it");
	const char *notmanifest[] = { "--against", "/etc/passwd", "true", NULL };
	assert_fails(notmanifest, 2, "not a nodice manifest");
}

Test(verify, divergent_run_leaves_no_partial_manifest, .timeout = 60)
{
	char manifest[] = "/tmp/nodice-partial-XXXXXX";
	close(mkstemp(manifest));
	unlink(manifest);
	const char *opts[] = { "--record", manifest, NULL };
	const char *cmd[] = { ND_TEST_STATIC, NULL };
	struct verdict v = verify(opts, cmd);
	cr_assert_eq(v.status, 1);
	cr_assert_neq(access(manifest, F_OK), 0, "a manifest of a divergent run was written");
	verdict_free(&v);
}

/* A child that writes a record of another log format into the run's log (an
 * older shim loaded below this one would): the gate says so, exit 3, rather
 * than compare records it might misread. */
Test(verify, a_log_of_another_format_is_refused, .timeout = 60)
{
	const char *older[] = { "/bin/sh", "-c",
				"echo '{\"type\":\"process\",\"pid\":1,\"lineage\":\"00\",\"exe\":\"/old\",\"argv0\":\"old\"}' "
				">> \"$NODICE_LOG\"",
				NULL };
	assert_fails(older, 3, "is in format 1 (written by another version of nodice); this one reads format");
}
