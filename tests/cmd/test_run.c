/* inspect/run.c and cli.c: `nodice run` options, messages and exit codes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"

static void assert_usage(const char *const argv[], const char *needle)
{
	struct spawn_result r = spawn_run(argv, NULL);
	cr_assert_eq(r.status, 2, "%s: status %d", needle, r.status);
	cr_assert_str_empty(r.out, "ran something: %s", r.out);
	cr_assert_not_null(strstr(r.err, needle), "stderr: %s", r.err);
	cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "not one line: %s", r.err);
	cr_assert_not_null(strstr(r.err, "try 'nodice --help'"));
	spawn_free(&r);
}

Test(run, bad_options_exit_2_with_one_line)
{
	const char *seed[] = { ND_TEST_NODICE, "run", "--seed", "x", "--", "echo", "hi", NULL };
	assert_usage(seed, "nodice run: --seed 'x'");
	const char *cpus[] = { ND_TEST_NODICE, "run", "--cpus", "0", "echo", NULL };
	assert_usage(cpus, "--cpus '0': must be between 1 and 1024");
	const char *sched[] = { ND_TEST_NODICE, "run", "--schedule-seed", "one", "echo", NULL };
	assert_usage(sched, "--schedule-seed 'one': not an unsigned 64-bit integer (decimal or 0x-hex)");
	const char *tick[] = { ND_TEST_NODICE, "run", "--tick=0", "echo", NULL };
	assert_usage(tick, "--tick '0'");
	const char *epoch[] = { ND_TEST_NODICE, "run", "--epoch", "2000-02-30T00:00:00Z", "echo", NULL };
	assert_usage(epoch, "--epoch");
	const char *missing[] = { ND_TEST_NODICE, "run", "--seed", NULL };
	assert_usage(missing, "--seed needs a value");
	const char *unknown[] = { ND_TEST_NODICE, "run", "--frobnicate", "echo", NULL };
	assert_usage(unknown, "unknown option '--frobnicate'");
	const char *nocmd[] = { ND_TEST_NODICE, "run", "--seed", "1", NULL };
	assert_usage(nocmd, "no command given");
	const char *log[] = { ND_TEST_NODICE, "run", "--log", "/nonexistent/dir/log", "echo", NULL };
	assert_usage(log, "--log '/nonexistent/dir/log': cannot open");
	const char *rdtsc[] = { ND_TEST_NODICE, "run", "--rdtsc", "fast", "echo", NULL };
	assert_usage(rdtsc, "--rdtsc 'fast': must be 'trap' or 'native'");
	const char *dirs[] = { ND_TEST_NODICE, "run", "--dirs=random", "echo", NULL };
	assert_usage(dirs, "--dirs 'random'");
	const char *threads[] = { ND_TEST_NODICE, "run", "--threads", "many", "echo", NULL };
	assert_usage(threads, "--threads 'many': must be 'serial' or 'parallel'");
	const char *sub[] = { ND_TEST_NODICE, "frobnicate", NULL };
	assert_usage(sub, "unknown subcommand 'frobnicate'");
	/* `--` starts the command: it is never a report's file name (a report
	 * was once written to a file named "--") */
	const char *json[] = { ND_TEST_NODICE, "inspect", "--json", "--", "true", NULL };
	assert_usage(json, "nodice inspect: --json needs a file");
	const char *html[] = { ND_TEST_NODICE, "verify", "--html", "--", "true", NULL };
	assert_usage(html, "nodice verify: --html needs a file");
	cr_assert_neq(access("--", F_OK), 0, "a file named '--' was made");
}

Test(run, missing_command_is_127_and_not_executable_is_126)
{
	const char *missing[] = { ND_TEST_NODICE, "run", "--", "no-such-command-nodice", NULL };
	struct spawn_result r = spawn_run(missing, NULL);
	cr_assert_eq(r.status, 127);
	cr_assert_str_eq(r.err, "nodice run: no-such-command-nodice: command not found\n");
	spawn_free(&r);
	char path[] = "/tmp/nodice-noexec-XXXXXX";
	int fd = mkstemp(path);
	fchmod(fd, 0644);
	close(fd);
	const char *noexec[] = { ND_TEST_NODICE, "run", "--", path, NULL };
	r = spawn_run(noexec, NULL);
	unlink(path);
	cr_assert_eq(r.status, 126);
	cr_assert_not_null(strstr(r.err, "Permission denied"), "%s", r.err);
	spawn_free(&r);
}

Test(run, exit_status_and_signals_are_the_commands)
{
	const char *exit3[] = { ND_TEST_NODICE, "run", "--", "sh", "-c", "exit 3", NULL };
	struct spawn_result r = spawn_run(exit3, NULL);
	cr_assert_eq(r.status, 3);
	spawn_free(&r);
	const char *killed[] = { ND_TEST_NODICE, "run", "--", "sh", "-c", "kill -TERM $$", NULL };
	r = spawn_run(killed, NULL);
	cr_assert_eq(r.status, 128 + 15);
	spawn_free(&r);
}

Test(run, seed_is_visible_to_the_program_and_to_children)
{
	const char *argv[] = { ND_TEST_NODICE, "run", "--seed", "0x2a", "--", "sh", "-c",
			       "echo $NODICE_SEED; env | grep -c '^LD_PRELOAD=.*libnodice.so'", NULL };
	struct spawn_result r = spawn_run(argv, NULL);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, "0x2a\n1\n");
	spawn_free(&r);
}

Test(run, log_records_every_process_of_the_tree)
{
	char path[] = "/tmp/nodice-test-log-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	unlink(path);
	const char *argv[] = { ND_TEST_NODICE, "run", "--log", path, "--", "sh", "-c",
			       "head -c4 /dev/urandom >/dev/null; date >/dev/null", NULL };
	struct spawn_result r = spawn_run(argv, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	char line[4096];
	int processes = 0, urandom = 0, clock = 0;
	while (fgets(line, sizeof(line), f)) {
		cr_assert_eq(line[0], '{');
		cr_assert_eq(line[strlen(line) - 2], '}');
		processes += strstr(line, "\"type\":\"process\"") != NULL;
		urandom += strstr(line, "\"symbol\":\"read\",\"controlled\":true") != NULL;
		clock += strstr(line, "\"family\":\"clock\"") != NULL;
	}
	fclose(f);
	unlink(path);
	cr_assert_geq(processes, 3, "sh, head and date each leave a record");
	cr_assert_geq(urandom, 1);
	cr_assert_geq(clock, 1);
	spawn_free(&r);
}

static int count_in(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char line[65536];
	int n = 0;
	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	if (f)
		fclose(f);
	return n;
}

Test(run, log_is_complete_when_the_program_is_killed)
{
	char path[] = "/tmp/nodice-test-kill-XXXXXX";
	close(mkstemp(path));
	const char *argv[] = { ND_TEST_NODICE, "run", "--log", path, "--", "sh", "-c",
			       "head -c4 /dev/urandom >/dev/null; kill -TERM $$; sleep 100", NULL };
	struct spawn_result r = spawn_run(argv, NULL);
	cr_assert_eq(r.status, 128 + 15, "the shell must still die of SIGTERM");
	cr_assert_eq(count_in(path, "\"end\":\"signal\""), 1);
	cr_assert_eq(count_in(path, "\"family\":\"device\",\"symbol\":\"read\",\"controlled\":true"), 1,
		     "head's record is missing");
	unlink(path);
	spawn_free(&r);
}

Test(run, logging_hides_its_signal_hooks_from_the_program)
{
	char path[] = "/tmp/nodice-test-sig-XXXXXX";
	close(mkstemp(path));
	const char *argv[] = { ND_TEST_NODICE, "run", "--log", path, "--", "/usr/bin/python3", "-c",
			       "import signal; print(signal.getsignal(signal.SIGINT).__name__, "
			       "signal.getsignal(signal.SIGTERM))", NULL };
	struct spawn_result r = spawn_run(argv, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	/* Native Python prints the same: the default action is 0 (SIG_DFL). */
	cr_assert_str_eq(r.out, "default_int_handler 0\n");
	unlink(path);
	spawn_free(&r);
}

Test(run, logging_does_not_change_what_the_program_computes, .timeout = 120)
{
	char path[] = "/tmp/nodice-test-same-XXXXXX";
	close(mkstemp(path));
	const char *plain[] = { ND_TEST_NODICE, "run", "--seed", "3", "--", "/usr/bin/python3",
				ND_TEST_FIXTURES "/python/sources.py", NULL };
	const char *logged[] = { ND_TEST_NODICE, "run", "--seed", "3", "--log", path, "--", "/usr/bin/python3",
				 ND_TEST_FIXTURES "/python/sources.py", NULL };
	struct spawn_result a = spawn_run(plain, NULL), b = spawn_run(logged, NULL);
	cr_assert_eq(a.status, 0);
	cr_assert_str_eq(a.out, b.out);
	unlink(path);
	spawn_free(&a);
	spawn_free(&b);
}

Test(run, the_log_opens_with_seed_versions_and_cpu)
{
	char path[] = "/tmp/nodice-test-runrec-XXXXXX";
	close(mkstemp(path));
	const char *argv[] = { ND_TEST_NODICE, "run", "--seed", "0x10", "--portable", "--log", path, "--", "true", NULL };
	struct spawn_result r = spawn_run(argv, NULL);
	cr_assert_eq(r.status, 0);
	FILE *f = fopen(path, "r");
	char line[65536] = "";
	cr_assert_not_null(fgets(line, sizeof(line), f));
	fclose(f);
	cr_assert_not_null(strstr(line, "\"type\":\"run\""), "%s", line);
	cr_assert_not_null(strstr(line, "\"seed\":\"0x10\""), "%s", line);
	cr_assert_not_null(strstr(line, "\"portable\":true"), "%s", line);
	cr_assert_not_null(strstr(line, "\"glibc\":\"2.36\""), "%s", line);
	cr_assert_not_null(strstr(line, "\"torch\":"), "%s", line);
	cr_assert_not_null(strstr(line, "\"cpu\":"), "%s", line);
	unlink(path);
	spawn_free(&r);
}

Test(run, process_ids_repeat_by_default_and_move_with_the_seed)
{
	/* bash's $$, $RANDOM (seeded from its pid), a forked child's pid and
	 * /proc's view of it, and a subshell's; --no-pid-ns gives real ids. */
	const char *script = "echo $$ $RANDOM; readlink /proc/self; (echo $BASHPID); "
			     "read p rest < /proc/self/stat; [ $p = $$ ] && echo proc-agrees; exit 5";
	const char *a1[] = { ND_TEST_NODICE, "run", "--", "bash", "-c", script, NULL };
	const char *a2[] = { ND_TEST_NODICE, "run", "--seed", "9", "--", "bash", "-c", script, NULL };
	const char *real[] = { ND_TEST_NODICE, "run", "--no-pid-ns", "--", "bash", "-c", "echo $$", NULL };
	struct spawn_result a = spawn_run(a1, NULL), b = spawn_run(a1, NULL), c = spawn_run(a2, NULL);
	struct spawn_result r1 = spawn_run(real, NULL), r2 = spawn_run(real, NULL);
	cr_assert_eq(a.status, 5, "the command's status must come through: %s", a.err);
	cr_assert_str_eq(a.out, b.out);
	cr_assert_str_neq(a.out, c.out, "another seed, other ids");
	cr_assert_gt(atoi(a.out), 999, "ids look like a machine's: %s", a.out);
	cr_assert_not_null(strstr(a.out, "proc-agrees"), "/proc is the namespace's: %s", a.out);
	cr_assert_str_neq(r1.out, r2.out, "--no-pid-ns: the kernel's ids");
	spawn_free(&a);
	spawn_free(&b);
	spawn_free(&c);
	spawn_free(&r1);
	spawn_free(&r2);
}

Test(run, log_is_never_written_through_a_symlink_and_is_private)
{
	char dir[] = "/tmp/nodice-sec-XXXXXX";
	mkdtemp(dir);
	char target[256], link[256], fresh[256], var[300];
	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(link, sizeof(link), "%s/log", dir);
	snprintf(fresh, sizeof(fresh), "%s/fresh", dir);
	fclose(fopen(target, "w"));
	cr_assert_eq(symlink(target, link), 0);
	snprintf(var, sizeof(var), "NODICE_LOG=%s", link);
	const char *argv[] = { ND_TEST_PROBE, "entropy", NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, var, NULL };
	struct spawn_result r = spawn_run(argv, env);
	cr_assert_eq(r.status, 0);
	struct stat st;
	cr_assert_eq(stat(target, &st), 0);
	cr_assert_eq(st.st_size, 0, "the log was written through a symlink");
	snprintf(var, sizeof(var), "NODICE_LOG=%s", fresh);
	struct spawn_result r2 = spawn_run(argv, env);
	cr_assert_eq(stat(fresh, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	unlink(target);
	unlink(link);
	unlink(fresh);
	rmdir(dir);
	spawn_free(&r);
	spawn_free(&r2);
}

Test(run, a_setuid_child_is_reported)
{
	char path[] = "/tmp/nodice-setuid-XXXXXX";
	close(mkstemp(path));
	const char *argv[] = { ND_TEST_NODICE, "run", "--log", path, "--", "sh", "-c",
			       "/usr/bin/passwd --help >/dev/null 2>&1; true", NULL };
	struct spawn_result r = spawn_run(argv, NULL);
	cr_assert_eq(r.status, 0);
	FILE *f = fopen(path, "r");
	char line[65536];
	int found = 0;
	while (f && fgets(line, sizeof(line), f))
		found |= strstr(line, "\"kind\":\"setuid-child\"") != NULL;
	if (f)
		fclose(f);
	cr_assert(found, "a set-user-ID child was not reported");
	unlink(path);
	spawn_free(&r);
}
