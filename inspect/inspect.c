/*
 * `nodice inspect [run options] [--json FILE] [--strict] [--] CMD [ARG...]`:
 * runs CMD under the shim with the event log on (a private temporary file
 * unless --log names one), waits for it, and reports every source the
 * process tree touched, where from, and what nodice could not control.
 * Exit status: CMD's (128+signal if killed); with --strict, 1 when an
 * uncontrolled entry that fails --strict was observed; 2 usage; 3 system.
 */
#include "inspect.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "bounded.h"
#include "cli.h"
#include "envrecord.h"
#include "html.h"
#include "jsonget.h"
#include "logread.h"
#include "report.h"

static int run_child(char **argv, const struct cli_run_options *o, double timeout)
{
	pid_t pid = fork();
	if (pid < 0) {
		cli_error("inspect", "cannot fork: %s", strerror(errno));
		return -CLI_SYSTEM;
	}
	if (pid == 0) {
		if (cli_export_run_env("inspect", o))
			_exit(CLI_SYSTEM);
		bounded_child(timeout);
		cli_exec_command("inspect", o, argv);
	}
	/* The terminal's signals reach the child; the inspector waits and reports. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	int timed_out, status = bounded_wait(pid, timeout, &timed_out);
	if (timed_out)
		cli_error("inspect", "%s: still running after %g s: stopped (SIGINT, then SIGKILL); the report "
				     "covers what it did until then", argv[0], timeout);
	return status;
}

int inspect_main(int argc, char **argv)
{
	struct cli_run_options o = { 0 };
	const char *json_path = NULL, *html_path = NULL;
	double timeout = 0;
	int strict = 0, i = 1;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "--strict")) {
			strict = 1;
			continue;
		}
		if (!strncmp(argv[i], "--timeout", 9) && (argv[i][9] == 0 || argv[i][9] == '=')) {
			const char *v = argv[i][9] ? argv[i] + 10 : i + 1 < argc ? argv[++i] : NULL;
			if ((timeout = bounded_parse(v)) < 0)
				return cli_usage("inspect", "--timeout '%s': must be seconds, more than 0, at most 86400",
						 v ? v : "");
			continue;
		}
		if (!strncmp(argv[i], "--json", 6) && (argv[i][6] == 0 || argv[i][6] == '=')) {
			json_path = argv[i][6] ? argv[i] + 7 : i + 1 < argc ? argv[++i] : NULL;
			if (cli_no_file(json_path))
				return cli_usage("inspect", "--json needs a file");
			continue;
		}
		if (!strncmp(argv[i], "--html", 6) && (argv[i][6] == 0 || argv[i][6] == '=')) {
			html_path = argv[i][6] ? argv[i] + 7 : i + 1 < argc ? argv[++i] : NULL;
			if (cli_no_file(html_path))
				return cli_usage("inspect", "--html needs a file");
			continue;
		}
		int r = cli_take_run_option("inspect", argc, argv, &i, &o);
		if (r < 0)
			return CLI_USAGE;
		if (r == 0) {
			if (argv[i][0] == '-')
				return cli_usage("inspect", "unknown option '%s'", argv[i]);
			break;
		}
	}
	if (i >= argc)
		return cli_usage("inspect", "no command given");
	FILE *json_out = NULL, *probe = NULL;
	if (json_path && !(json_out = fopen(json_path, "w")))
		return cli_usage("inspect", "--json '%s': cannot write: %s", json_path, strerror(errno));
	if (html_path && !(probe = fopen(html_path, "a")))
		return cli_usage("inspect", "--html '%s': cannot write: %s", html_path, strerror(errno));
	if (html_path)
		fclose(probe);

	char tmp[] = "/tmp/nodice-inspect-XXXXXX";
	int own_log = !o.has_log;
	if (own_log) {
		const char *dir = getenv("TMPDIR");
		int fd;
		if (dir && *dir && strlen(dir) < sizeof(o.log) - 32) {
			snprintf(o.log, sizeof(o.log), "%s/nodice-inspect-XXXXXX", dir);
			fd = mkstemp(o.log);
		} else {
			fd = mkstemp(tmp);
			snprintf(o.log, sizeof(o.log), "%s", tmp);
		}
		if (fd < 0) {
			cli_error("inspect", "cannot create the event log: %s", strerror(errno));
			return CLI_SYSTEM;
		}
		close(fd);
		o.has_log = 1;
	}

	int status = run_child(&argv[i], &o, timeout);
	if (status < 0)
		return -status;
	char why[512];
	json_object *model = logread_load(o.log, why, sizeof(why));
	if (model)
		json_object_object_add(model, "environment",
				       envrecord_make(o.log, str(model, "seed"), o.cpus, &argv[1],
						      i - 1 - (i > 1 && !strcmp(argv[i - 1], "--"))));
	if (own_log)
		unlink(o.log);
	if (!model) {
		cli_error("inspect", "%s", why);
		return CLI_SYSTEM;
	}
	logread_scan_objects(model);
	char unloadable[4400];
	if (audit_unloadable(argv[i], unloadable, sizeof(unloadable)))
		uncontrolled_add(model, "command-not-coverable", unloadable, 1, 1);
	json_object_object_add(model, "exit_status", json_object_new_int(status));

	char command[4096] = "";
	for (int k = i, n = 0; k < argc && n < (int)sizeof(command) - 1; k++)
		n += snprintf(command + n, sizeof(command) - (size_t)n, "%s%s", k > i ? " " : "", argv[k]);
	report_print(stdout, model, status, command);
	if (json_out) {
		fputs(json_object_to_json_string_ext(model, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE),
		      json_out);
		fputc('\n', json_out);
		fclose(json_out);
	}
	if (html_path && html_inspect(html_path, model, status, command, why, sizeof(why)) < 0) {
		cli_error("inspect", "%s", why);
		status = CLI_SYSTEM;
	}
	int failed = strict && report_strict_findings(model) > 0;
	json_object_put(model);
	return failed ? CLI_FINDING : status;
}
