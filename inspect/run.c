/*
 * `nodice run`: validate the options, prepare the environment, turn address
 * space randomization off for the child, and exec the command in place. The
 * process becomes CMD, so CMD's exit status and signals reach the caller
 * unchanged and the launcher adds no time after start-up.
 */
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <unistd.h>

#include "cli.h"

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
	int r = cli_export_run_env("run", &o);
	if (r)
		return r;
	int persona = personality(0xffffffff);
	if (persona != -1)
		personality((unsigned long)persona | ADDR_NO_RANDOMIZE);
	execvp(argv[i], &argv[i]);
	int err = errno;
	cli_error("run", "%s: %s", argv[i], err == ENOENT ? "command not found" : strerror(err));
	return err == ENOENT ? CLI_NOT_FOUND : CLI_NOT_EXECUTABLE;
}
