/* inspect.c, logread.c, report.c: the report of a real run. */
#include "machine.h"
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "logread.h"

static json_object *inspect(const char *const cmd[], int strict, int *status, char **text)
{
	char path[] = "/tmp/nodice-inspect-test-XXXXXX";
	close(mkstemp(path));
	const char *argv[32] = { ND_TEST_NODICE, "inspect", "--json", path };
	int n = 4;
	if (strict)
		argv[n++] = "--strict";
	argv[n++] = "--";
	for (int i = 0; cmd[i]; i++)
		argv[n++] = cmd[i];
	argv[n] = NULL;
	struct spawn_result r = spawn_run(argv, NULL);
	*status = r.status;
	json_object *j = json_object_from_file(path);
	unlink(path);
	cr_assert_not_null(j, "no JSON report; stderr: %s", r.err);
	if (text)
		*text = strdup(r.out);
	spawn_free(&r);
	return j;
}

static json_object *source(json_object *j, const char *symbol, int controlled)
{
	json_object *s = json_object_object_get(j, "sources");
	for (size_t i = 0; i < json_object_array_length(s); i++) {
		json_object *e = json_object_array_get_idx(s, i);
		if (!strcmp(json_object_get_string(json_object_object_get(e, "symbol")), symbol) &&
		    json_object_get_boolean(json_object_object_get(e, "controlled")) == controlled)
			return e;
	}
	return NULL;
}

static int uncontrolled(json_object *j, const char *kind, int observed)
{
	json_object *u = json_object_object_get(j, "uncontrolled");
	for (size_t i = 0; i < json_object_array_length(u); i++) {
		json_object *e = json_object_array_get_idx(u, i);
		if (!strcmp(json_object_get_string(json_object_object_get(e, "kind")), kind) &&
		    json_object_get_boolean(json_object_object_get(e, "observed")) == observed)
			return 1;
	}
	return 0;
}

Test(inspect, sources_are_counted_with_their_call_site, .timeout = 60)
{
	const char *cmd[] = { ND_TEST_PROBE, "entropy", NULL };
	int status;
	json_object *j = inspect(cmd, 0, &status, NULL);
	cr_assert_eq(status, 0);
	json_object *g = source(j, "getrandom", 1);
	cr_assert_not_null(g);
	cr_assert_eq(json_object_get_int64(json_object_object_get(g, "count")), 1);
	json_object *sites = json_object_object_get(g, "sites");
	cr_assert_eq(json_object_array_length(sites), 1);
	json_object *site = json_object_array_get_idx(sites, 0);
	cr_assert_str_eq(json_object_get_string(json_object_object_get(site, "object")), "probe");
	cr_assert_str_eq(json_object_get_string(json_object_object_get(site, "function")), "entropy");
	cr_assert_eq(json_object_get_int64(json_object_object_get(j, "seed")), 0);
	json_object_put(j);
}

Test(inspect, static_child_is_uncontrolled_and_fails_strict, .timeout = 60)
{
	const char *cmd[] = { "sh", "-c", ND_TEST_STATIC " >/dev/null", NULL };
	int status;
	json_object *j = inspect(cmd, 0, &status, NULL);
	cr_assert_eq(status, 0);
	cr_assert(uncontrolled(j, "static-child", 1));
	json_object_put(j);
	j = inspect(cmd, 1, &status, NULL);
	cr_assert_eq(status, 1, "--strict must fail on a static child");
	json_object_put(j);
}

Test(inspect, controlled_run_passes_strict_and_keeps_exit_status, .timeout = 60)
{
	const char *ok[] = { ND_TEST_PROBE, "entropy", NULL };
	int status;
	json_object *j = inspect(ok, 1, &status, NULL);
	cr_assert_eq(status, 0);
	json_object_put(j);
	const char *fails[] = { "sh", "-c", "exit 7", NULL };
	j = inspect(fails, 0, &status, NULL);
	cr_assert_eq(status, 7);
	json_object_put(j);
}

Test(inspect, hardware_randomness_in_loaded_code_is_listed, .timeout = 120)
{
	/* An inline RDRAND in the program: nothing can intercept it here. */
	const char *cmd[] = { ND_TEST_RDRAND, NULL };
	int status;
	char *text;
	json_object *j = inspect(cmd, 0, &status, &text);
	cr_assert_eq(status, 0);
	cr_assert(uncontrolled(j, "rdrand", 0));
	cr_assert_not_null(strstr(text, "rdrand in rdrand: main"), "%s", text);
	if (machine_traps_rdtsc())
		cr_assert_not_null(strstr(text, "Traps armed: rdtsc rdtscp"), "%s", text);
	else
		cr_assert(uncontrolled(j, "rdtsc", 0), "an ineffective rdtsc trap was not reported");
	free(text);
	json_object_put(j);
}

Test(inspect, what_the_traps_serve_is_not_listed_as_uncontrolled, .timeout = 120)
{
	/* NumPy loads libstdc++ (RDRAND only behind the replaced random_device)
	 * and libcrypto (RDRAND masked by OPENSSL_ia32cap). */
	const char *cmd[] = { "/usr/bin/python3", "-c", "import numpy", NULL };
	int status;
	json_object *j = inspect(cmd, 0, &status, NULL);
	cr_assert_eq(status, 0);
	cr_assert_eq(uncontrolled(j, "rdtsc", 0), !machine_traps_rdtsc());
	json_object *u = json_object_object_get(j, "uncontrolled");
	for (size_t i = 0; i < json_object_array_length(u); i++) {
		const char *d = json_object_get_string(json_object_object_get(json_object_array_get_idx(u, i), "detail"));
		cr_assert_null(strstr(d, "rdrand in libstdc++"), "%s", d);
		cr_assert_null(strstr(d, "rdrand in libcrypto"), "%s", d);
	}
	json_object_put(j);
}

Test(logread, counts_round_trip_through_the_log)
{
	char path[] = "/tmp/nodice-log-test-XXXXXX";
	close(mkstemp(path));
	char var[128];
	snprintf(var, sizeof(var), "NODICE_LOG=%s", path);
	const char *argv[] = { ND_TEST_PROBE, "fork", NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, var, NULL };
	struct spawn_result r = spawn_run(argv, env);
	cr_assert_eq(r.status, 0);
	char why[256];
	json_object *m = logread_load(path, why, sizeof(why));
	unlink(path);
	cr_assert_not_null(m, "%s", why);
	/* The parent draws twice, each of three children once. */
	json_object *g = source(m, "getrandom", 1);
	cr_assert_eq(json_object_get_int64(json_object_object_get(g, "count")), 5);
	cr_assert_eq(json_object_array_length(json_object_object_get(m, "processes")), 4);
	cr_assert_eq(json_object_get_int64(json_object_object_get(m, "corrupt_lines")), 0);
	json_object_put(m);
	spawn_free(&r);
}

Test(inspect, calls_from_one_site_aggregate_into_one_entry, .timeout = 60)
{
	const char *cmd[] = { ND_TEST_PROBE, "hot", NULL };
	int status;
	json_object *j = inspect(cmd, 0, &status, NULL);
	cr_assert_eq(status, 0);
	json_object *c = source(j, "clock_gettime", 1);
	cr_assert_not_null(c);
	cr_assert_eq(json_object_get_int64(json_object_object_get(c, "count")), 1000);
	json_object *sites = json_object_object_get(c, "sites");
	cr_assert_eq(json_object_array_length(sites), 1, "one call site, one entry");
	json_object *site = json_object_array_get_idx(sites, 0);
	cr_assert_str_eq(json_object_get_string(json_object_object_get(site, "function")), "hot");
	cr_assert_eq(json_object_get_int64(json_object_object_get(site, "count")), 1000);
	json_object_put(j);
}

Test(inspect, torch_urandom_read_is_named_in_libc10, .timeout = 180)
{
	const char *cmd[] = { "/usr/bin/python3", "-c", "import torch; torch.rand(1)", NULL };
	int status;
	json_object *j = inspect(cmd, 0, &status, NULL);
	cr_assert_eq(status, 0);
	json_object *r = source(j, "read", 1);
	cr_assert_not_null(r, "no controlled read: the /dev/urandom read was not seen");
	json_object *site = json_object_array_get_idx(json_object_object_get(r, "sites"), 0);
	cr_assert_not_null(strstr(json_object_get_string(json_object_object_get(site, "object")), "libc10"));
	cr_assert_not_null(strstr(json_object_get_string(json_object_object_get(site, "function")),
				  "c10::detail::getNonDeterministicRandom"));
	json_object_put(j);
}

Test(inspect, records_lost_to_sigkill_are_reported, .timeout = 60)
{
	/* The shell forks a child that is killed with SIGKILL: its record is lost. */
	const char *cmd[] = { "sh", "-c", ND_TEST_PROBE " hot >/dev/null; sh -c 'kill -9 $$'; true", NULL };
	int status;
	json_object *j = inspect(cmd, 0, &status, NULL);
	cr_assert_eq(status, 0);
	cr_assert(uncontrolled(j, "records-missing", 1), "a lost record went unreported");
	json_object_put(j);
	const char *clean[] = { "sh", "-c", ND_TEST_PROBE " hot >/dev/null; true", NULL };
	j = inspect(clean, 0, &status, NULL);
	cr_assert_not(uncontrolled(j, "records-missing", 1), "complete logs must not be flagged");
	json_object_put(j);
}

/* logformat.h: every process record carries the format; a log holding a
 * record of another format (here one with no version, as before there was
 * one) gives one line and exit 3, never a report read from it. */
Test(inspect, a_log_of_another_format_is_refused, .timeout = 60)
{
	const char *argv[] = { ND_TEST_NODICE, "inspect", "--", "/bin/sh", "-c",
			       "echo '{\"type\":\"process\",\"pid\":1,\"lineage\":\"00\",\"exe\":\"/old\",\"argv0\":\"old\","
			       "\"format\":99}' >> \"$NODICE_LOG\"",
			       NULL };
	struct spawn_result r = spawn_run(argv, NULL);
	cr_assert_eq(r.status, 3, "status %d: %s", r.status, r.err);
	cr_assert_not_null(strstr(r.err, "is in format 99 (written by another version of nodice)"), "%s", r.err);
	cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "not one line: %s", r.err);
	spawn_free(&r);
}

/* The shim writes the format the command reads: a real run's log passes. */
Test(logread, a_real_log_states_the_format_this_reader_reads, .timeout = 60)
{
	char log[] = "/tmp/nodice-format-XXXXXX";
	close(mkstemp(log));
	char env_log[64];
	snprintf(env_log, sizeof(env_log), "NODICE_LOG=%s", log);
	const char *argv[] = { "/usr/bin/date", NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, env_log, NULL };
	struct spawn_result r = spawn_run(argv, env);
	cr_assert_eq(r.status, 0);
	char why[512] = "";
	cr_assert_eq(logread_check_format(log, why, sizeof(why)), 0, "%s", why);
	FILE *f = fopen(log, "r");
	char line[4096] = "";
	int process = 0; /* knob records, written at start-up, come first */
	while (!process && fgets(line, sizeof(line), f))
		process = strstr(line, "\"type\":\"process\"") != NULL;
	fclose(f);
	cr_assert(process, "no process record in %s", log);
	cr_assert_not_null(strstr(line, "\"format\":"), "%s", line);
	unlink(log);
	spawn_free(&r);
}
