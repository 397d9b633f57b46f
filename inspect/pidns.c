/*
 * The run's PID namespace. Process ids are real unless something makes
 * them repeat, and programs feed them into results (bash seeds $RANDOM from
 * its pid; C programs and torch name files and shared memory after it).
 * Virtualizing getpid in the shim would break kill(getpid()) and
 * /proc/<pid>; a PID namespace makes them repeat instead.
 *
 * A child of nodice unshares a PID namespace (and a user namespace mapping
 * the caller's own ids, when --pid-ns is asked for by someone who is not
 * root) and forks the namespace's init (pid 1), which unshares a mount
 * namespace of its own and remounts /proc there, so /proc/<pid> agrees with
 * getpid(), and mounts a /dev/shm of the run's own. Init points the kernel at the command's pid (derived from the
 * seed) and runs it; from there the shim places every new process and
 * thread (shim/process/pids.c), which it does only in the namespace named by
 * NODICE_PIDNS. Init reaps orphans and leaves with the command's status;
 * anything still running in the namespace is killed with it, as with
 * `unshare --fork --pid`.
 *
 * Signals: SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 sent to nodice are passed
 * down to the command. SIGINT and SIGQUIT are not: the terminal (and
 * `inspect`/`verify --timeout`) sends them to the whole process group,
 * which the command is part of. If nodice itself is killed, the namespace
 * goes with it (PR_SET_PDEATHSIG).
 */
#include "pidns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

/* The range the shim places ids in (shim/process/pids.c). */
#define PID_LO 1000
#define PID_HI 32768

static pid_t below; /* the process signals are passed to */

static void forward(int sig)
{
	if (below > 0)
		kill(below, sig);
}

static void pass_signals_to(pid_t pid)
{
	below = pid;
	int pass[] = { SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		signal(pass[i], forward);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
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

static void report(int fd, char ok)
{
	if (write(fd, &ok, 1) != 1)
		_exit(CLI_SYSTEM);
	close(fd);
}

/* The command's pid: from the seed, in the shim's range. */
static unsigned command_pid(void)
{
	const char *v = getenv("NODICE_SEED");
	uint64_t z = (v ? strtoull(v, NULL, 0) : 0) + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	unsigned hi = PID_HI;
	FILE *f = fopen("/proc/sys/kernel/pid_max", "re");
	unsigned max = 0;
	if (f && fscanf(f, "%u", &max) == 1 && max > PID_LO + 1 && max < hi)
		hi = max;
	if (f)
		fclose(f);
	return PID_LO + (unsigned)(z % (hi - PID_LO));
}

/* Names the namespace for the shim, and points the kernel at the
 * command's pid; without CAP_SYS_ADMIN over the namespace (a user
 * namespace's init after exec) the shim cannot place ids, and ids follow
 * the order of creation. */
static void prepare_ids(void)
{
	char link[64];
	ssize_t n = readlink("/proc/self/ns/pid", link, sizeof(link) - 1);
	unsigned long long ino;
	if (n > 0) {
		link[n] = 0;
		if (sscanf(link, "pid:[%llu]", &ino) == 1) {
			char v[32];
			snprintf(v, sizeof(v), "%llu", ino);
			setenv("NODICE_PIDNS", v, 1);
		}
	}
	char last[16];
	snprintf(last, sizeof(last), "%u", command_pid() - 1);
	write_file("/proc/sys/kernel/ns_last_pid", last);
}

/* Pid 1: /proc, the command, reaping, the command's status. */
static void init_main(const char *sub, char **argv, int ready, int required)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Only init and what it starts see the new /proc: nodice stays in the
	 * original mount namespace, where /proc/self still means itself. */
	/* (A propagation change ignores the type; it is named so valgrind has
	 * a string to check.) */
	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		if (required)
			cli_error(sub, "--pid-ns: cannot mount /proc: %s", strerror(errno));
		report(ready, 0);
		_exit(CLI_SYSTEM);
	}
	/* Ids repeat, so two runs at once with one seed would name their shared
	 * memory alike (torch: /torch_<pid>_<random>_<n>, created with O_EXCL):
	 * the run gets a /dev/shm of its own. */
	mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	prepare_ids();
	pid_t command = fork();
	if (command == 0)
		cli_exec_in_place(sub, argv);
	report(ready, command > 0);
	if (command < 0)
		_exit(CLI_SYSTEM);
	pass_signals_to(command);
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
static void unshare_main(const char *sub, char **argv, int ready, int required)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	uid_t uid = geteuid();
	gid_t gid = getegid();
	/* A user namespace changes how other users' files look (their owners
	 * show as nobody): only when asked for. */
	int flags = CLONE_NEWPID | (uid != 0 && required ? CLONE_NEWUSER : 0);
	if (unshare(flags) < 0 || ((flags & CLONE_NEWUSER) && map_ids(uid, gid) < 0)) {
		if (required)
			cli_error(sub, "--pid-ns: cannot create a PID namespace: %s", strerror(errno));
		report(ready, 0);
		_exit(CLI_SYSTEM);
	}
	pid_t init = fork();
	if (init < 0) {
		cli_error(sub, "--pid-ns: cannot fork: %s", strerror(errno));
		report(ready, 0);
		_exit(CLI_SYSTEM);
	}
	if (init == 0)
		init_main(sub, argv, ready, required);
	close(ready);
	pass_signals_to(init);
	int st;
	while (waitpid(init, &st, 0) < 0 && errno == EINTR)
		;
	_exit(status_of(st));
}

int pidns_run(const char *sub, char **argv, int mode)
{
	if (mode == PIDNS_OFF || (mode == PIDNS_AUTO && geteuid() != 0))
		return PIDNS_UNUSED;
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
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
		unshare_main(sub, argv, pipefd[1], mode == PIDNS_ON);
	}
	close(pipefd[1]);
	char ok = 0;
	if (read(pipefd[0], &ok, 1) != 1)
		ok = 0;
	close(pipefd[0]);
	if (!ok) {
		int st;
		while (waitpid(child, &st, 0) < 0 && errno == EINTR)
			;
		return mode == PIDNS_ON ? -1 : PIDNS_UNUSED;
	}
	pass_signals_to(child);
	int st;
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	return status_of(st);
}
