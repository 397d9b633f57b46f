/*
 * --pid-ns. Process ids are real, and programs feed them into results (bash
 * seeds $RANDOM from its pid; C programs name files after it). Virtualizing
 * getpid in the shim would break kill(getpid()) and /proc/<pid>; a PID
 * namespace makes them repeat instead: ids are handed out in order from 1,
 * so a program that starts its processes in a deterministic order gets the
 * same ids every run.
 *
 * A child of nodice unshares a PID namespace (and a user namespace mapping
 * the caller's own ids, when it is not root) and forks the namespace's init
 * (pid 1),
 * which unshares a mount namespace of its own, remounts /proc there so
 * /proc/<pid> agrees with getpid(), and runs the command as pid 2. Init reaps orphans, passes SIGINT/SIGTERM/
 * SIGHUP/SIGQUIT on to the command, and leaves with the command's status;
 * anything still running in the namespace is killed with it, as with
 * `unshare --fork --pid`.
 */
#include "pidns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

static pid_t command;

static void forward(int sig)
{
	if (command > 0)
		kill(command, sig);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int map_ids(uid_t uid, gid_t gid)
{
	char line[64];
	snprintf(line, sizeof(line), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (write_file("/proc/self/uid_map", line) < 0)
		return -1;
	write_file("/proc/self/setgroups", "deny");
	snprintf(line, sizeof(line), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	return write_file("/proc/self/gid_map", line);
}

static int status_of(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Pid 1: /proc, the command as pid 2, reaping, the command's status. */
static void init_main(const char *sub, char **argv)
{
	/* Only init and what it starts see the new /proc: the parent stays in
	 * the original mount namespace, where /proc/self still means itself. */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		cli_error(sub, "--pid-ns: cannot mount /proc (%s): /proc/<pid> shows the outer ids", strerror(errno));
	command = fork();
	if (command == 0) {
		int persona = personality(0xffffffff);
		if (persona != -1)
			personality((unsigned long)persona | ADDR_NO_RANDOMIZE);
		execvp(argv[0], argv);
		int err = errno;
		cli_error(sub, "%s: %s", argv[0], err == ENOENT ? "command not found" : strerror(err));
		_exit(err == ENOENT ? CLI_NOT_FOUND : CLI_NOT_EXECUTABLE);
	}
	int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], forward);
	for (;;) {
		int st;
		pid_t p = wait(&st);
		if (p == command)
			_exit(status_of(st));
		if (p < 0 && errno != EINTR)
			_exit(CLI_SYSTEM);
	}
}

/* Runs in a child of nodice: after unshare(CLONE_NEWPID) every fork of the
 * caller lands in the new namespace (sanitizers' helper threads included),
 * so nodice itself never unshares. */
static void unshare_main(const char *sub, char **argv, int report)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int flags = CLONE_NEWPID | (uid != 0 ? CLONE_NEWUSER : 0);
	char ok = 1;
	if (unshare(flags) < 0 || (uid != 0 && map_ids(uid, gid) < 0)) {
		cli_error(sub, "--pid-ns: cannot create a PID namespace: %s", strerror(errno));
		ok = 0;
	}
	if (write(report, &ok, 1) != 1 || !ok)
		_exit(CLI_SYSTEM);
	pid_t init = fork();
	if (init < 0) {
		cli_error(sub, "--pid-ns: cannot fork: %s", strerror(errno));
		_exit(CLI_SYSTEM);
	}
	if (init == 0)
		init_main(sub, argv);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	int st;
	while (waitpid(init, &st, 0) < 0 && errno == EINTR)
		;
	_exit(status_of(st));
}

int pidns_run(const char *sub, char **argv)
{
	int pipefd[2];
	if (pipe(pipefd) < 0) {
		cli_error(sub, "--pid-ns: %s", strerror(errno));
		return -1;
	}
	pid_t child = fork();
	if (child < 0) {
		cli_error(sub, "--pid-ns: cannot fork: %s", strerror(errno));
		return -1;
	}
	if (child == 0) {
		close(pipefd[0]);
		unshare_main(sub, argv, pipefd[1]);
	}
	close(pipefd[1]);
	char ok = 0;
	if (read(pipefd[0], &ok, 1) != 1)
		ok = 0;
	close(pipefd[0]);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	int st;
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	return ok ? status_of(st) : -1;
}
