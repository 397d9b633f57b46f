/*
 * verify's runs: each run of the command under the shim, in a directory of
 * its own (stdout, stderr, the event log, the artifacts' copies), and the
 * comparison of two runs into a list of differences.
 */
#ifndef ND_VERIFY_RUNS_H
#define ND_VERIFY_RUNS_H

#include <json-c/json.h>

#include "artifacts.h"
#include "cli.h"

#define MAX_ARTIFACTS 64

struct verify_options {
	struct cli_run_options run;
	long runs;
	char *artifacts[MAX_ARTIFACTS];
	size_t nartifacts;
	int vary_seed, progress;
	double timeout;
	const char *json, *junit, *html, *record, *against;
	char **cmd;
	char **opts; /* the options given, for the environment record */
	int nopts;
};

struct verify_run {
	char dir[1024], out[1100], err[1100], log[1100];
	int status, timed_out;
	double seconds;
	struct artifact_set art;
};

/* Runs the command once (seed: another seed, or NULL for the options'),
 * as run number index, in a directory under base; -1 after a message. */
int verify_run_once(const struct verify_options *o, const char *seed, struct verify_run *r, int index,
		    const char *base);

/* Adds {what, first_offset, detail} to diffs, once per `what`. */
void verify_add_difference(json_object *diffs, const char *what, long long offset, const char *detail);

/* Everything run b (number ib) produced against run a (ia), into diffs. */
void verify_compare_runs(json_object *diffs, const struct verify_run *a, const struct verify_run *b, int ia, int ib);

#endif
