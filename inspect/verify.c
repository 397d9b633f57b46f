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
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "bounded.h"
#include "cli.h"
#include "envrecord.h"
#include "html.h"
#include "config.h"
#include "junit.h"
#include "logdiff.h"
#include "logread.h"
#include "manifest.h"
#include "verify_report.h"
#include "verify_runs.h"

static int parse(int argc, char **argv, struct verify_options *o)
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
			if (cli_no_file(v))
				return cli_usage("verify", "--artifact needs a path");
			if (o->nartifacts == MAX_ARTIFACTS)
				return cli_usage("verify", "--artifact: at most %d", MAX_ARTIFACTS);
			o->artifacts[o->nartifacts++] = (char *)v;
		} else if ((v = VALUE("--timeout")) != (const char *)-1) {
			if ((o->timeout = bounded_parse(v)) < 0)
				return cli_usage("verify", "--timeout '%s': must be seconds, more than 0, at most 86400",
						 v ? v : "");
		} else if ((v = VALUE("--json")) != (const char *)-1) {
			if (cli_no_file(v))
				return cli_usage("verify", "--json needs a file");
			o->json = v;
		} else if ((v = VALUE("--junit")) != (const char *)-1) {
			if (cli_no_file(v))
				return cli_usage("verify", "--junit needs a file");
			o->junit = v;
		} else if ((v = VALUE("--html")) != (const char *)-1) {
			if (cli_no_file(v))
				return cli_usage("verify", "--html needs a file");
			o->html = v;
		} else if ((v = VALUE("--record")) != (const char *)-1) {
			if (cli_no_file(v))
				return cli_usage("verify", "--record needs a file");
			o->record = v;
		} else if ((v = VALUE("--against")) != (const char *)-1) {
			if (cli_no_file(v))
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
	o->opts = &argv[1];
	o->nopts = i - 1 - (i > 1 && !strcmp(argv[i - 1], "--"));
	return 0;
}

/* Before anything runs: the outputs can be written, and a manifest given
 * with --against sets the seed and clock options it was recorded with,
 * unless given here too. */
static int prepare(struct verify_options *o, json_object **manifest)
{
	char why[1024];
	if (o->against && !(*manifest = manifest_read(o->against, why, sizeof(why))))
		return cli_usage("verify", "--against %s", why);
	if (o->record && manifest_writable(o->record, why, sizeof(why)) < 0)
		return cli_usage("verify", "--record: %s", why);
	const char *outputs[3][2] = { { "--json", o->json }, { "--junit", o->junit }, { "--html", o->html } };
	for (int k = 0; k < 3; k++) {
		FILE *probe = NULL;
		if (outputs[k][1] && !(probe = fopen(outputs[k][1], "a")))
			return cli_usage("verify", "%s '%s': cannot write: %s", outputs[k][0], outputs[k][1],
					 strerror(errno));
		if (outputs[k][1])
			fclose(probe);
	}
	if (!*manifest)
		return CLI_OK;
	json_object *opts = json_object_object_get(*manifest, "options");
	static char seed[32], epoch[32], tick[32], cpus[32];
	snprintf(seed, sizeof(seed), "%s", json_object_get_string(json_object_object_get(*manifest, "seed")));
	if (!o->run.seed)
		o->run.seed = seed;
	struct {
		const char **field;
		char *buf;
		const char *key;
	} from[] = { { &o->run.epoch, epoch, "epoch" }, { &o->run.tick, tick, "tick_ns" }, { &o->run.cpus, cpus, "cpus" } };
	for (size_t k = 0; k < sizeof(from) / sizeof(from[0]); k++)
		if (!*from[k].field && opts && json_object_object_get_ex(opts, from[k].key, NULL)) {
			snprintf(from[k].buf, 32, "%s", json_object_get_string(json_object_object_get(opts, from[k].key)));
			*from[k].field = from[k].buf;
		}
	return CLI_OK;
}

/* What made the runs differ, as far as nodice can tell: the facts of the
 * environment record that differ from the manifest's (first: another
 * machine is the likeliest cause), a command the shim cannot load into, and
 * every uncontrolled event of every run (once each). */
static json_object *likely_causes(const struct verify_options *o, const struct verify_run *runs,
				  json_object *manifest, json_object *environment)
{
	json_object *causes = manifest ? envrecord_differences(environment, json_object_object_get(manifest, "environment"))
				       : json_object_new_array();
	char unloadable[4400];
	if (audit_unloadable(o->cmd[0], unloadable, sizeof(unloadable))) {
		char line[4500];
		snprintf(line, sizeof(line), "command-not-coverable: %s", unloadable);
		json_object_array_add(causes, json_object_new_string(line));
	}
	/* What the logs show, those whose counts differ between runs first: a
	 * source that fired a different number of times is where runs split. */
	json_object *counts[o->runs], *order = json_object_new_array();
	for (long i = 0; i < o->runs; i++) {
		counts[i] = logdiff_uncontrolled_counts(runs[i].log);
		json_object_object_foreach(counts[i], text, unused)
		{
			(void)unused;
			int seen = 0;
			for (size_t j = 0; j < json_object_array_length(order); j++)
				seen |= !strcmp(json_object_get_string(json_object_array_get_idx(order, j)), text);
			if (!seen)
				json_object_array_add(order, json_object_new_string(text));
		}
	}
	for (int pass = 0; pass < 2; pass++)
		for (size_t j = 0; j < json_object_array_length(order); j++) {
			const char *text = json_object_get_string(json_object_array_get_idx(order, j));
			char line[1400], per[256] = "";
			int differs = 0;
			size_t at = 0;
			int64_t n0 = 0;
			for (long i = 0; i < o->runs; i++) {
				json_object *c;
				int64_t n = json_object_object_get_ex(counts[i], text, &c) ? json_object_get_int64(c) : 0;
				if (i == 0)
					n0 = n;
				differs |= n != n0;
				if (at < sizeof(per))
					at += (size_t)snprintf(per + at, sizeof(per) - at, "%srun %ld: %lld", i ? ", " : "",
							       i + 1, (long long)n);
			}
			if (differs != (pass == 0))
				continue;
			snprintf(line, sizeof(line), differs ? "%s (differs between runs: %s)" : "%s", text, per);
			json_object_array_add(causes, json_object_new_string(line));
		}
	for (long i = 0; i < o->runs; i++)
		json_object_put(counts[i]);
	json_object_put(order);
	return causes;
}

/* The report of the runs: every run against the first, the first divergent
 * event, the manifest's hashes, and the likely causes when they differ. */
static json_object *build_report(const struct verify_options *o, const struct verify_run *runs,
				 json_object *manifest, const char *seed_text)
{
	json_object *report = json_object_new_object(), *diffs = json_object_new_array();
	json_object_object_add(report, "runs", json_object_new_int((int)o->runs));
	json_object_object_add(report, "seed", json_object_new_string(seed_text));
	json_object_object_add(report, "checked", verify_checked_items(&runs[0]));
	for (long i = 1; i < o->runs; i++)
		verify_compare_runs(diffs, &runs[0], &runs[i], 1, (int)i + 1);
	json_object *event = NULL;
	for (long i = 1; i < o->runs && !event; i++)
		if ((event = logdiff_first(runs[0].log, runs[i].log))) {
			json_object *which = json_object_new_array();
			json_object_array_add(which, json_object_new_int(1));
			json_object_array_add(which, json_object_new_int((int)i + 1));
			json_object_object_add(event, "runs", which);
		}
	if (event)
		verify_add_difference(diffs, "event log", -1,
				      json_object_array_length(diffs) ? "the intercepted events differ too (see below)"
								      : "the intercepted events differ, though the outputs agree");
	if (manifest)
		manifest_against(diffs, manifest, &runs[0]);
	json_object *environment = envrecord_make(runs[0].log, seed_text, o->run.cpus, o->opts, o->nopts);
	json_object_object_add(report, "environment", environment);
	json_object *causes = likely_causes(o, runs, manifest, environment);
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
	return report;
}

/* --vary-seed: one more run with the next seed; the report says whether the
 * outputs moved with it. */
static int vary_seed(const struct verify_options *o, struct verify_run *runs, uint64_t seed, const char *base,
		     json_object *report)
{
	char other[32];
	snprintf(other, sizeof(other), "%llu", (unsigned long long)(seed + 1));
	struct verify_run *extra = &runs[o->runs];
	if (verify_run_once(o, other, extra, (int)o->runs + 1, base) < 0)
		return CLI_SYSTEM;
	json_object *moved = json_object_new_array(), *items = json_object_new_array();
	verify_compare_runs(moved, &runs[0], extra, 1, (int)o->runs + 1);
	for (size_t k = 0; k < json_object_array_length(moved); k++)
		json_object_array_add(items, json_object_get(json_object_object_get(json_object_array_get_idx(moved, k), "what")));
	json_object_object_add(report, "seed_dependent", json_object_new_boolean(json_object_array_length(moved) > 0));
	json_object_object_add(report, "seed_dependent_items", items);
	/* Outputs that stay while the program drew seeded randomness: the draws
	 * do not reach them, or something pinned them (a time-seeded generator
	 * under a fixed --epoch, a seed in the program). */
	json_object *draws = logdiff_seeded_draws(runs[0].log);
	if (!json_object_array_length(moved) && json_object_array_length(draws))
		json_object_object_add(report, "seed_ignored_draws", draws);
	else
		json_object_put(draws);
	json_object_put(moved);
	return CLI_OK;
}

/* --json, --junit and --record (only for reproducible runs). */
static int write_outputs(const struct verify_options *o, json_object *report, const struct verify_run *first,
			 const char *command, const char *seed_text, double seconds)
{
	int status = CLI_OK;
	char why[1024];
	if (o->json && json_object_to_file_ext(o->json, report, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE) < 0) {
		cli_error("verify", "cannot write %s", o->json);
		status = CLI_SYSTEM;
	}
	if (o->html && html_verify(o->html, report, command, why, sizeof(why)) < 0) {
		cli_error("verify", "%s", why);
		status = CLI_SYSTEM;
	}
	if (o->junit && junit_write(o->junit, report, command, seconds, why, sizeof(why)) < 0) {
		cli_error("verify", "%s", why);
		status = CLI_SYSTEM;
	}
	if (o->record && json_object_get_boolean(json_object_object_get(report, "identical"))) {
		json_object *m = manifest_of(o->cmd, seed_text, o->run.epoch, o->run.tick, o->run.cpus, first,
					     json_object_object_get(report, "environment"));
		if (manifest_write(o->record, m, why, sizeof(why)) < 0) {
			cli_error("verify", "%s", why);
			status = CLI_SYSTEM;
		}
		json_object_put(m);
	} else if (o->record) {
		cli_error("verify", "--record %s: not written, the runs were not reproducible", o->record);
	}
	return status;
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
	struct verify_options o = { 0 };
	json_object *manifest = NULL;
	int status = parse(argc, argv, &o);
	if (status || (status = prepare(&o, &manifest))) {
		json_object_put(manifest);
		return status;
	}
	char base[] = "/tmp/nodice-verify-XXXXXX";
	if (!mkdtemp(base)) {
		cli_error("verify", "cannot create a working directory: %s", strerror(errno));
		json_object_put(manifest);
		return CLI_SYSTEM;
	}
	signal(SIGINT, SIG_IGN);
	struct verify_run *runs = calloc((size_t)o.runs + 1, sizeof(struct verify_run));
	double t0 = bounded_now();
	char why[1024];
	for (long i = 0; i < o.runs && status == CLI_OK; i++)
		if (verify_run_once(&o, NULL, &runs[i], (int)i + 1, base) < 0)
			status = CLI_SYSTEM;
		else if (logread_check_format(runs[i].log, why, sizeof(why)) < 0) {
			cli_error("verify", "%s", why);
			status = CLI_SYSTEM;
		}
	json_object *report = NULL;
	if (status == CLI_OK) {
		char command[4096] = "", seed_text[32];
		for (int k = 0, n = 0; o.cmd[k] && n < (int)sizeof(command) - 1; k++)
			n += snprintf(command + n, sizeof(command) - (size_t)n, "%s%s", k ? " " : "", o.cmd[k]);
		uint64_t seed = 0;
		nd_config_parse_seed(o.run.seed ? o.run.seed : getenv("NODICE_SEED") ? getenv("NODICE_SEED") : "0", &seed);
		snprintf(seed_text, sizeof(seed_text), "%llu", (unsigned long long)seed);
		report = build_report(&o, runs, manifest, seed_text);
		if (o.vary_seed)
			status = vary_seed(&o, runs, seed, base, report);
		verify_print_report(report, o.runs, command);
		int written = write_outputs(&o, report, &runs[0], command, seed_text, bounded_now() - t0);
		if (status == CLI_OK)
			status = written;
		if (status == CLI_OK && !json_object_get_boolean(json_object_object_get(report, "identical")))
			status = CLI_FINDING;
	}
	for (long i = 0; i <= o.runs; i++)
		artifacts_free(&runs[i].art);
	free(runs);
	remove_dir(base);
	json_object_put(report);
	json_object_put(manifest);
	return status;
}
