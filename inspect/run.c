/*
 * `nodice run`: validate the options, prepare the environment, turn address
 * space randomization off for the child, and run the command in the run's
 * PID namespace (pidns.c: the default as root, --pid-ns), passing its exit
 * status on; or, without one, exec it in place, so the process becomes CMD
 * and its status and signals reach the caller unchanged.
 */
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "manifest.h"

#include <json-c/json.h>
#include <stdlib.h>

/* With a log: one "run" record first, so a result can be traced to how it
 * was made (seed, options, command, versions, CPU). */
static void run_record(const struct cli_run_options *o, char **cmd)
{
	json_object *r = json_object_new_object(), *c = json_object_new_array();
	for (int k = 0; cmd[k]; k++)
		json_object_array_add(c, json_object_new_string(cmd[k]));
	json_object_object_add(r, "type", json_object_new_string("run"));
	const char *seed = o->seed ? o->seed : getenv("NODICE_SEED") ? getenv("NODICE_SEED") : "0";
	json_object_object_add(r, "seed", json_object_new_string(seed));
	json_object_object_add(r, "command", c);
	json_object_object_add(r, "portable", json_object_new_boolean(o->portable));
	json_object_object_add(r, "environment", manifest_environment());
	FILE *f = fopen(o->log, "a");
	if (f) {
		fprintf(f, "%s\n", json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		fclose(f);
	}
	json_object_put(r);
}

int run_main(int argc, char **argv)
{
	struct cli_run_options o = { 0 };
	int i = 1;
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		int r = cli_take_run_option("run", argc, argv, &i, &o);
		if (r < 0)
			return CLI_USAGE;
		if (r == 0) {
			if (argv[i][0] == '-')
				return cli_usage("run", "unknown option '%s'", argv[i]);
			break;
		}
	}
	if (i >= argc)
		return cli_usage("run", "no command given");
	if (o.has_log)
		run_record(&o, &argv[i]); /* before the shim is in the environment */
	int r = cli_export_run_env("run", &o);
	if (r)
		return r;
	cli_exec_command("run", &o, &argv[i]);
}
