/*
 * `nodice run`: validate the options, prepare the environment, turn address
 * space randomization off for the child, and exec the command in place. The
 * process becomes CMD, so CMD's exit status and signals reach the caller
 * unchanged and the launcher adds no time after start-up. With --pid-ns the
 * command runs as pid 2 of a new PID namespace instead (pidns.c).
 */
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <unistd.h>

#include "cli.h"
#include "manifest.h"
#include "pidns.h"

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
	if (o.pid_ns) {
		int status = pidns_run("run", &argv[i]);
		return status < 0 ? CLI_SYSTEM : status;
	}
	int persona = personality(0xffffffff);
	if (persona != -1)
		personality((unsigned long)persona | ADDR_NO_RANDOMIZE);
	execvp(argv[i], &argv[i]);
	int err = errno;
	cli_error("run", "%s: %s", argv[i], err == ENOENT ? "command not found" : strerror(err));
	return err == ENOENT ? CLI_NOT_FOUND : CLI_NOT_EXECUTABLE;
}
