/*
 * The command's outside: exit codes, every message it prints, and the run
 * options that run, inspect and verify share (CONTRACT.md).
 */
#ifndef ND_CLI_H
#define ND_CLI_H

#include <stddef.h>
#include <stdint.h>

enum cli_exit {
	CLI_OK = 0,
	CLI_FINDING = 1,
	CLI_USAGE = 2,
	CLI_SYSTEM = 3,
	CLI_NOT_EXECUTABLE = 126,
	CLI_NOT_FOUND = 127,
};

/* Options that decide how a command runs under the shim. NULL: not given. */
struct cli_run_options {
	const char *seed, *epoch, *tick, *cpus, *rdtsc, *dirs, *exempt, *schedule_seed, *host, *knobs, *threads;
	char log[4096];
	int has_log;
	int portable; /* --portable: instruction-set dispatch pinned to the x86-64 baseline */
	int clamp_mtime; /* --clamp-mtime */
	int order_writes; /* --order-writes */
	int pid_ns;   /* PIDNS_AUTO, or --pid-ns (PIDNS_ON), --no-pid-ns (PIDNS_OFF): pidns.h */
};

/* `nodice SUB: message` on stderr, one line. */
void cli_error(const char *sub, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* `nodice SUB: message` on stderr for what is not an error (progress). */
void cli_note(const char *sub, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same as cli_error, ending in `; try 'nodice --help'`; returns CLI_USAGE. */
int cli_usage(const char *sub, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An option's file name is missing: none, empty, or `--` (which starts the
 * command: `inspect --json -- CMD` wrote its report to a file named "--"). */
static inline int cli_no_file(const char *v)
{
	return !v || !*v || (v[0] == '-' && v[1] == '-' && !v[2]);
}

/* Takes one run option at argv[*i] (with its value, as `--opt V` or
 * `--opt=V`), validated with the shim's own parsers. Returns 1 when taken,
 * 0 when argv[*i] is not a run option, -1 after a usage message. */
int cli_take_run_option(const char *sub, int argc, char **argv, int *i, struct cli_run_options *o);

/* Exports the options, the library and thread-pool defaults into this
 * process's environment, ready for exec. Returns 0, or CLI_SYSTEM after a
 * message. */
int cli_export_run_env(const char *sub, const struct cli_run_options *o);

/* The path of libnodice.so next to this executable (../lib/). */
int cli_library_path(char *out, size_t size);

/* In a child about to become the command (after cli_export_run_env): runs
 * it in the run's PID namespace (pidns.c) and exits with its status, or
 * executes it in place. Never returns. */
_Noreturn void cli_exec_command(const char *sub, const struct cli_run_options *o, char **argv);
/* Executes argv in this process with address randomization off; on failure
 * says why and exits 127 (not found) or 126. */
_Noreturn void cli_exec_in_place(const char *sub, char **argv);

void cli_help(void);

#endif
