/*
 * `nodice verify [-n RUNS] [run options] [--artifact PATH]... [--vary-seed]
 *  [--json FILE] [--junit FILE] [--record FILE | --against FILE]
 *  [--progress | --quiet] [--] CMD [ARG...]`
 *
 * Runs CMD RUNS times (default 2) under the shim with one seed, clearing the
 * declared artifacts before each run, and compares exit status, stdout,
 * stderr, every artifact file (SHA-256) and the event logs. On divergence it
 * names what differs (first differing line with context, or byte offset),
 * the first divergent intercepted event from the logs, and the uncontrolled
 * events that are the likely cause. --vary-seed adds a run with another seed
 * and reports whether the outputs depend on the seed. --record writes a
 * manifest of hashes and machine facts; --against checks a run on this
 * machine against one.
 *
 * Exit: 0 reproducible, 1 a divergence (or a mismatch with the manifest),
 * 2 usage, 3 system error. Progress goes to stderr when it is a terminal.
 */
#include "verify.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "artifacts.h"
#include "audit.h"
#include "bounded.h"
#include "cli.h"
#include "compare.h"
#include "config.h"
#include "junit.h"
#include "logdiff.h"
#include "manifest.h"

#define MAX_ARTIFACTS 64

struct options {
	struct cli_run_options run;
	long runs;
	char *artifacts[MAX_ARTIFACTS];
	size_t nartifacts;
	int vary_seed, progress;
	double timeout;
	const char *json, *junit, *record, *against;
	char **cmd;
};

struct run {
	char dir[1024], out[1100], err[1100], log[1100];
	int status, timed_out;
	double seconds;
	struct artifact_set art;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse(int argc, char **argv, struct options *o)
{
	o->runs = 2;
	o->progress = isatty(2);
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
#define VALUE(name)                                                                       \
	(!strcmp(a, name) ? (i + 1 < argc ? argv[++i] : NULL)                             \
	 : !strncmp(a, name "=", strlen(name) + 1) ? a + strlen(name) + 1 : (const char *)-1)
		const char *v;
		if ((v = VALUE("-n")) != (const char *)-1 || (v = VALUE("--runs")) != (const char *)-1) {
			char *end;
			if (!v)
				return cli_usage("verify", "-n needs a number of runs");
			errno = 0;
			o->runs = strtol(v, &end, 10);
			if (*end || errno || o->runs < 1 || o->runs > 1000)
				return cli_usage("verify", "-n '%s': must be a whole number from 1 to 1000", v);
		} else if ((v = VALUE("--artifact")) != (const char *)-1) {
			if (!v || !*v)
				return cli_usage("verify", "--artifact needs a path");
			if (o->nartifacts == MAX_ARTIFACTS)
				return cli_usage("verify", "--artifact: at most %d", MAX_ARTIFACTS);
			o->artifacts[o->nartifacts++] = (char *)v;
		} else if ((v = VALUE("--timeout")) != (const char *)-1) {
			if ((o->timeout = bounded_parse(v)) < 0)
				return cli_usage("verify", "--timeout '%s': must be seconds, more than 0, at most 86400",
						 v ? v : "");
		} else if ((v = VALUE("--json")) != (const char *)-1) {
			if (!v || !*v)
				return cli_usage("verify", "--json needs a file");
			o->json = v;
		} else if ((v = VALUE("--junit")) != (const char *)-1) {
			if (!v || !*v)
				return cli_usage("verify", "--junit needs a file");
			o->junit = v;
		} else if ((v = VALUE("--record")) != (const char *)-1) {
			if (!v || !*v)
				return cli_usage("verify", "--record needs a file");
			o->record = v;
		} else if ((v = VALUE("--against")) != (const char *)-1) {
			if (!v || !*v)
				return cli_usage("verify", "--against needs a file");
			o->against = v;
		} else if (!strcmp(a, "--vary-seed")) {
			o->vary_seed = 1;
		} else if (!strcmp(a, "--progress")) {
			o->progress = 1;
		} else if (!strcmp(a, "--quiet")) {
			o->progress = 0;
		} else {
#undef VALUE
			int r = cli_take_run_option("verify", argc, argv, &i, &o->run);
			if (r < 0)
				return CLI_USAGE;
			if (r == 0) {
				if (a[0] == '-')
					return cli_usage("verify", "unknown option '%s'", a);
				break;
			}
		}
	}
	if (i >= argc)
		return cli_usage("verify", "no command given");
	if (o->record && o->against)
		return cli_usage("verify", "--record and --against cannot be used together");
	if (o->runs < 2 && !o->against)
		return cli_usage("verify", "-n %ld compares nothing: use at least 2 runs, or --against", o->runs);
	o->cmd = &argv[i];
	return 0;
}

static int run_once(const struct options *o, const char *seed, struct run *r, int index, const char *base)
{
	snprintf(r->dir, sizeof(r->dir), "%s/run%d", base, index);
	snprintf(r->out, sizeof(r->out), "%s/stdout", r->dir);
	snprintf(r->err, sizeof(r->err), "%s/stderr", r->dir);
	snprintf(r->log, sizeof(r->log), "%s/events.jsonl", r->dir);
	char why[512];
	if (mkdir(r->dir, 0700) < 0 || artifacts_clear((char **)o->artifacts, o->nartifacts, why, sizeof(why))) {
		cli_error("verify", "%s", errno ? strerror(errno) : why);
		return -1;
	}
	struct cli_run_options run = o->run;
	if (seed)
		run.seed = seed;
	snprintf(run.log, sizeof(run.log), "%s", r->log);
	run.has_log = 1;
	double t0 = now();
	pid_t pid = fork();
	if (pid < 0) {
		cli_error("verify", "cannot fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int out = open(r->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = open(r->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(CLI_SYSTEM);
		close(out);
		close(err);
		if (cli_export_run_env("verify", &run))
			_exit(CLI_SYSTEM);
		bounded_child(o->timeout);
		int persona = personality(0xffffffff);
		if (persona != -1)
			personality((unsigned long)persona | ADDR_NO_RANDOMIZE);
		execvp(o->cmd[0], o->cmd);
		fprintf(stderr, "nodice verify: %s: %s\n", o->cmd[0], errno == ENOENT ? "command not found" : strerror(errno));
		_exit(errno == ENOENT ? CLI_NOT_FOUND : CLI_NOT_EXECUTABLE);
	}
	r->status = bounded_wait(pid, o->timeout, &r->timed_out);
	r->seconds = now() - t0;
	if (r->timed_out)
		cli_error("verify", "run %d%s: still running after %g s: stopped (SIGINT, then SIGKILL)", index,
			  seed ? " (other seed)" : "", o->timeout);
	if (artifacts_collect((char **)o->artifacts, o->nartifacts, r->dir, &r->art, why, sizeof(why)) < 0) {
		cli_error("verify", "%s", why);
		return -1;
	}
	if (o->progress)
		fprintf(stderr, "nodice verify: run %d%s: %.2f s, exit %d\n", index, seed ? " (other seed)" : "",
			r->seconds, r->status);
	return 0;
}

static void add_difference(json_object *diffs, const char *what, long long offset, const char *detail)
{
	for (size_t i = 0; i < json_object_array_length(diffs); i++)
		if (!strcmp(json_object_get_string(json_object_object_get(json_object_array_get_idx(diffs, i), "what")), what))
			return;
	json_object *d = json_object_new_object();
	json_object_object_add(d, "what", json_object_new_string(what));
	if (offset >= 0)
		json_object_object_add(d, "first_offset", json_object_new_int64(offset));
	json_object_object_add(d, "detail", json_object_new_string(detail));
	json_object_array_add(diffs, d);
}

static void compare_file(json_object *diffs, const char *what, const char *a, const char *b, int ra, int rb)
{
	struct compare_result c;
	if (compare_files(a, b, &c) < 0) {
		add_difference(diffs, what, -1, "cannot be read for comparison");
		return;
	}
	if (!c.differ)
		return;
	char detail[4400];
	snprintf(detail, sizeof(detail), "run %d and run %d: %s", ra, rb, c.detail);
	add_difference(diffs, what, c.offset, detail);
}

/* Everything run b produced against run a; returns the number of items that differ. */
static void compare_runs(json_object *diffs, const struct run *a, const struct run *b, int ia, int ib)
{
	/* A run that never finished fails the gate, even when every run hung
	 * the same way. */
	if (a->timed_out || b->timed_out) {
		char d[160];
		snprintf(d, sizeof(d), "run %d did not finish within --timeout and was stopped",
			 a->timed_out ? ia : ib);
		add_difference(diffs, "timeout", -1, d);
	}
	if (a->status != b->status) {
		char d[128];
		snprintf(d, sizeof(d), "%d in run %d, %d in run %d", a->status, ia, b->status, ib);
		add_difference(diffs, "exit status", -1, d);
	}
	compare_file(diffs, "stdout", a->out, b->out, ia, ib);
	compare_file(diffs, "stderr", a->err, b->err, ia, ib);
	for (size_t i = 0; i < a->art.n; i++) {
		const struct artifact_file *fa = &a->art.files[i], *fb = NULL;
		for (size_t k = 0; k < b->art.n && !fb; k++)
			if (!strcmp(b->art.files[k].path, fa->path))
				fb = &b->art.files[k];
		char what[4200];
		snprintf(what, sizeof(what), "artifact %s", fa->path);
		if (!fb) {
			char d[128];
			snprintf(d, sizeof(d), "created in run %d, not in run %d", ia, ib);
			add_difference(diffs, what, -1, d);
		} else if (strcmp(fa->sha256, fb->sha256)) {
			compare_file(diffs, what, fa->copy, fb->copy, ia, ib);
		}
	}
	for (size_t k = 0; k < b->art.n; k++) {
		int found = 0;
		for (size_t i = 0; i < a->art.n; i++)
			found |= !strcmp(a->art.files[i].path, b->art.files[k].path);
		if (!found) {
			char what[4200], d[128];
			snprintf(what, sizeof(what), "artifact %s", b->art.files[k].path);
			snprintf(d, sizeof(d), "created in run %d, not in run %d", ib, ia);
			add_difference(diffs, what, -1, d);
		}
	}
}

static json_object *checked_items(const struct run *r)
{
	json_object *c = json_object_new_array();
	json_object_array_add(c, json_object_new_string("exit status"));
	json_object_array_add(c, json_object_new_string("stdout"));
	json_object_array_add(c, json_object_new_string("stderr"));
	for (size_t i = 0; i < r->art.n; i++) {
		char what[4200];
		snprintf(what, sizeof(what), "artifact %s", r->art.files[i].path);
		json_object_array_add(c, json_object_new_string(what));
	}
	json_object_array_add(c, json_object_new_string("event log"));
	return c;
}

static json_object *hashes_of(const struct run *r)
{
	json_object *h = json_object_new_object();
	char hex[65], why[256], status[16];
	snprintf(status, sizeof(status), "%d", r->status);
	json_object_object_add(h, "exit status", json_object_new_string(status));
	if (artifacts_sha256(r->out, hex, why, sizeof(why)) == 0)
		json_object_object_add(h, "stdout", json_object_new_string(hex));
	if (artifacts_sha256(r->err, hex, why, sizeof(why)) == 0)
		json_object_object_add(h, "stderr", json_object_new_string(hex));
	for (size_t i = 0; i < r->art.n; i++) {
		char what[4200];
		snprintf(what, sizeof(what), "artifact %s", r->art.files[i].path);
		json_object_object_add(h, what, json_object_new_string(r->art.files[i].sha256));
	}
	return h;
}

static void against_manifest(json_object *diffs, json_object *manifest, const struct run *r)
{
	json_object *want = json_object_object_get(manifest, "hashes"), *have = hashes_of(r);
	json_object_object_foreach(want, what, v)
	{
		json_object *h;
		char d[512];
		if (!json_object_object_get_ex(have, what, &h)) {
			snprintf(d, sizeof(d), "in the manifest, not produced here");
			add_difference(diffs, what, -1, d);
		} else if (strcmp(json_object_get_string(h), json_object_get_string(v))) {
			snprintf(d, sizeof(d), "%s here, %s in the manifest", json_object_get_string(h), json_object_get_string(v));
			add_difference(diffs, what, -1, d);
		}
	}
	json_object_object_foreach(have, what2, v2)
	{
		(void)v2;
		if (!json_object_object_get_ex(want, what2, NULL))
			add_difference(diffs, what2, -1, "produced here, not in the manifest");
	}
	json_object_put(have);
}

/* Facts that differ between this machine and the manifest's: likely causes. */
static json_object *machine_differences(json_object *manifest)
{
	json_object *here = manifest_environment(), *there = json_object_object_get(manifest, "environment");
	json_object *out = json_object_new_array();
	json_object_object_foreach(here, key, v)
	{
		json_object *t;
		if (!there || !json_object_object_get_ex(there, key, &t))
			continue;
		if (strcmp(json_object_to_json_string(v), json_object_to_json_string(t))) {
			char line[1024];
			snprintf(line, sizeof(line), "%s: %s here, %s in the manifest", key, json_object_to_json_string(v),
				 json_object_to_json_string(t));
			json_object_array_add(out, json_object_new_string(line));
		}
	}
	json_object_put(here);
	return out;
}

static void print_report(json_object *report, const struct options *o, const char *command)
{
	json_object *diffs = json_object_object_get(report, "differences"), *v;
	printf("nodice verify: %s\n", command);
	printf("%ld run%s with seed %s: %s\n", o->runs, o->runs == 1 ? "" : "s",
	       json_object_get_string(json_object_object_get(report, "seed")),
	       json_object_get_boolean(json_object_object_get(report, "identical")) ? "reproducible" : "NOT reproducible");
	json_object *checked = json_object_object_get(report, "checked");
	for (size_t i = 0; i < json_object_array_length(checked); i++) {
		const char *what = json_object_get_string(json_object_array_get_idx(checked, i));
		int bad = 0;
		for (size_t k = 0; k < json_object_array_length(diffs); k++)
			bad |= !strcmp(json_object_get_string(json_object_object_get(json_object_array_get_idx(diffs, k), "what")), what);
		printf("  %-10s %s\n", bad ? "DIFFERS" : "same", what);
	}
	for (size_t k = 0; k < json_object_array_length(diffs); k++) {
		json_object *d = json_object_array_get_idx(diffs, k);
		printf("\n%s: %s\n", json_object_get_string(json_object_object_get(d, "what")),
		       json_object_get_string(json_object_object_get(d, "detail")));
	}
	if (json_object_object_get_ex(report, "first_divergent_event", &v)) {
		printf("\nfirst divergent intercepted event: in %s (lineage %s): %s\n",
		       json_object_get_string(json_object_object_get(v, "process")),
		       json_object_get_string(json_object_object_get(v, "lineage")),
		       json_object_get_string(json_object_object_get(v, "detail")));
		json_object *site;
		if (json_object_object_get_ex(v, "site", &site))
			printf("  at %s\n", json_object_get_string(site));
	}
	if (json_object_object_get_ex(report, "likely_causes", &v) && json_object_array_length(v)) {
		printf("\nlikely causes (not controlled by nodice):\n");
		for (size_t i = 0; i < json_object_array_length(v); i++)
			printf("  - %s\n", json_object_get_string(json_object_array_get_idx(v, i)));
	}
	if (json_object_object_get_ex(report, "seed_dependent", &v)) {
		printf("\nwith another seed: %s\n", json_object_get_boolean(v)
							  ? "the outputs change (they depend on the seed)"
							  : "the outputs are the same (they do not depend on the seed)");
	}
}

static void remove_dir(const char *dir)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		cli_error("verify", "cannot remove %s", dir);
}

int verify_main(int argc, char **argv)
{
	struct options o = { 0 };
	int r = parse(argc, argv, &o);
	if (r)
		return r;
	char why[1024];
	json_object *manifest = NULL;
	if (o.against && !(manifest = manifest_read(o.against, why, sizeof(why))))
		return cli_usage("verify", "--against %s", why);
	if (o.record && manifest_writable(o.record, why, sizeof(why)) < 0)
		return cli_usage("verify", "--record: %s", why);
	FILE *probe;
	if (o.json && !(probe = fopen(o.json, "a")))
		return cli_usage("verify", "--json '%s': cannot write: %s", o.json, strerror(errno));
	else if (o.json)
		fclose(probe);
	if (o.junit && !(probe = fopen(o.junit, "a")))
		return cli_usage("verify", "--junit '%s': cannot write: %s", o.junit, strerror(errno));
	else if (o.junit)
		fclose(probe);
	if (manifest) {
		/* Reproduce the recorded run: its seed and clock settings, unless overridden. */
		json_object *opts = json_object_object_get(manifest, "options");
		static char seed[32], epoch[32], tick[32], cpus[32];
		snprintf(seed, sizeof(seed), "%s", json_object_get_string(json_object_object_get(manifest, "seed")));
		if (!o.run.seed)
			o.run.seed = seed;
#define FROM(field, buf, key)                                                                      \
	if (!o.run.field && opts && json_object_object_get_ex(opts, key, NULL)) {                   \
		snprintf(buf, sizeof(buf), "%s", json_object_get_string(json_object_object_get(opts, key))); \
		o.run.field = buf;                                                                  \
	}
		FROM(epoch, epoch, "epoch")
		FROM(tick, tick, "tick_ns")
		FROM(cpus, cpus, "cpus")
#undef FROM
	}

	char base[] = "/tmp/nodice-verify-XXXXXX";
	if (!mkdtemp(base)) {
		cli_error("verify", "cannot create a working directory: %s", strerror(errno));
		return CLI_SYSTEM;
	}
	signal(SIGINT, SIG_IGN);
	struct run *runs = calloc((size_t)o.runs + 1, sizeof(struct run));
	double t0 = now();
	int status = CLI_OK;
	for (long i = 0; i < o.runs && status == CLI_OK; i++)
		if (run_once(&o, NULL, &runs[i], (int)i + 1, base) < 0)
			status = CLI_SYSTEM;
	if (status != CLI_OK) {
		for (long i = 0; i <= o.runs; i++)
			artifacts_free(&runs[i].art);
		free(runs);
		remove_dir(base);
		json_object_put(manifest);
		return status;
	}

	char command[4096] = "";
	for (int k = 0, n = 0; o.cmd[k] && n < (int)sizeof(command) - 1; k++)
		n += snprintf(command + n, sizeof(command) - (size_t)n, "%s%s", k ? " " : "", o.cmd[k]);
	uint64_t seed_value = 0;
	nd_config_parse_seed(o.run.seed ? o.run.seed : getenv("NODICE_SEED") ? getenv("NODICE_SEED") : "0", &seed_value);
	char seed_text[32];
	snprintf(seed_text, sizeof(seed_text), "%llu", (unsigned long long)seed_value);

	json_object *report = json_object_new_object(), *diffs = json_object_new_array();
	json_object_object_add(report, "runs", json_object_new_int((int)o.runs));
	json_object_object_add(report, "seed", json_object_new_string(seed_text));
	json_object_object_add(report, "checked", checked_items(&runs[0]));
	for (long i = 1; i < o.runs; i++)
		compare_runs(diffs, &runs[0], &runs[i], 1, (int)i + 1);
	json_object *event = NULL;
	for (long i = 1; i < o.runs && !event; i++)
		event = logdiff_first(runs[0].log, runs[i].log);
	if (event)
		add_difference(diffs, "event log", -1,
			       json_object_array_length(diffs) ? "the intercepted events differ too (see below)"
							       : "the intercepted events differ, though the outputs agree");
	json_object *causes = json_object_new_array();
	char unloadable[4400];
	if (audit_unloadable(o.cmd[0], unloadable, sizeof(unloadable))) {
		char line[4500];
		snprintf(line, sizeof(line), "command-not-coverable: %s", unloadable);
		json_object_array_add(causes, json_object_new_string(line));
	}
	for (long i = 0; i < o.runs; i++) {
		json_object *u = logdiff_uncontrolled(runs[i].log);
		for (size_t k = 0; k < json_object_array_length(u); k++) {
			const char *s = json_object_get_string(json_object_array_get_idx(u, k));
			int dup = 0;
			for (size_t j = 0; j < json_object_array_length(causes); j++)
				dup |= !strcmp(json_object_get_string(json_object_array_get_idx(causes, j)), s);
			if (!dup)
				json_object_array_add(causes, json_object_new_string(s));
		}
		json_object_put(u);
	}
	if (manifest) {
		against_manifest(diffs, manifest, &runs[0]);
		json_object *m = machine_differences(manifest);
		for (size_t k = 0; k < json_object_array_length(m); k++)
			json_object_array_add(causes, json_object_get(json_object_array_get_idx(m, k)));
		json_object_put(m);
	}
	int identical = json_object_array_length(diffs) == 0;
	if (event)
		json_object_object_add(report, "first_divergent_event", event);
	if (!identical) {
		if (!event && !json_object_array_length(causes))
			json_object_array_add(causes, json_object_new_string(
				"no intercepted event differs and nothing uncontrolled was observed: the cause is outside "
				"what nodice sees (thread interleaving, RDRAND or RDTSC, a raw system call); try `nodice inspect`"));
		json_object_object_add(report, "likely_causes", causes);
	} else {
		json_object_put(causes);
	}
	json_object_object_add(report, "identical", json_object_new_boolean(identical));
	json_object_object_add(report, "differences", diffs);

	if (o.vary_seed) {
		char other[32];
		snprintf(other, sizeof(other), "%llu", (unsigned long long)(seed_value + 1));
		struct run *extra = &runs[o.runs];
		if (run_once(&o, other, extra, (int)o.runs + 1, base) < 0) {
			status = CLI_SYSTEM;
		} else {
			json_object *moved = json_object_new_array();
			compare_runs(moved, &runs[0], extra, 1, (int)o.runs + 1);
			json_object *items = json_object_new_array();
			for (size_t k = 0; k < json_object_array_length(moved); k++)
				json_object_array_add(items, json_object_get(json_object_object_get(json_object_array_get_idx(moved, k), "what")));
			json_object_object_add(report, "seed_dependent", json_object_new_boolean(json_object_array_length(moved) > 0));
			json_object_object_add(report, "seed_dependent_items", items);
			json_object_put(moved);
		}
	}

	print_report(report, &o, command);
	double seconds = now() - t0;
	if (o.json && json_object_to_file_ext(o.json, report, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE) < 0) {
		cli_error("verify", "cannot write %s", o.json);
		status = CLI_SYSTEM;
	}
	if (o.junit && junit_write(o.junit, report, command, seconds, why, sizeof(why)) < 0) {
		cli_error("verify", "%s", why);
		status = CLI_SYSTEM;
	}
	if (o.record && identical) {
		json_object *m = json_object_new_object(), *opts = json_object_new_object(), *cmd = json_object_new_array();
		for (int k = 0; o.cmd[k]; k++)
			json_object_array_add(cmd, json_object_new_string(o.cmd[k]));
		if (o.run.epoch)
			json_object_object_add(opts, "epoch", json_object_new_string(o.run.epoch));
		if (o.run.tick)
			json_object_object_add(opts, "tick_ns", json_object_new_string(o.run.tick));
		if (o.run.cpus)
			json_object_object_add(opts, "cpus", json_object_new_string(o.run.cpus));
		json_object_object_add(m, "nodice_manifest", json_object_new_int(1));
		json_object_object_add(m, "seed", json_object_new_string(seed_text));
		json_object_object_add(m, "command", cmd);
		json_object_object_add(m, "options", opts);
		json_object_object_add(m, "environment", manifest_environment());
		json_object_object_add(m, "hashes", hashes_of(&runs[0]));
		if (manifest_write(o.record, m, why, sizeof(why)) < 0) {
			cli_error("verify", "%s", why);
			status = CLI_SYSTEM;
		}
		json_object_put(m);
	} else if (o.record) {
		cli_error("verify", "--record %s: not written, the runs were not reproducible", o.record);
	}
	for (long i = 0; i <= o.runs; i++)
		artifacts_free(&runs[i].art);
	free(runs);
	remove_dir(base);
	json_object_put(report);
	json_object_put(manifest);
	if (status != CLI_OK)
		return status;
	return identical ? CLI_OK : CLI_FINDING;
}
