/*
 * The `nodice` command: a table of subcommands, each with its own main.
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "commit.h"
#include "envrecord.h"
#include "cli.h"
#include "inspect.h"
#include "run.h"
#include "verify.h"

static const struct {
	const char *name;
	int (*main)(int argc, char **argv);
} commands[] = {
	{ "run", run_main },
	{ "inspect", inspect_main },
	{ "audit", audit_main },
	{ "verify", verify_main },
};

int main(int argc, char **argv)
{
	envrecord_commit = NODICE_COMMIT;
	if (argc < 2)
		return cli_usage(NULL, "no subcommand given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		cli_help();
		return CLI_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		char lib[4096 + 32];
		int found = cli_library_path(lib, sizeof(lib)) == 0;
		printf("nodice %s\ncommit %s\nfeatures %s\nlibrary %s%s\n", NODICE_VERSION, NODICE_COMMIT,
		       NODICE_FEATURES, lib, found ? "" : " (missing)");
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].main(argc - 1, argv + 1);
	return cli_usage(NULL, "unknown subcommand '%s'", argv[1]);
}
