/*
 * The process family: every way a program starts another program, and the
 * two ways it leaves without running destructors.
 *
 * Each exec-like call builds the child's environment on the stack
 * (process.c: lineage, virtual clock, configuration, LD_PRELOAD) and, when the
 * calling image is about to be replaced, flushes the event log first. system
 * and popen read `environ` inside glibc, so for the length of the call environ
 * points at the prepared array (not thread-safe, like setenv). _exit and
 * _Exit flush the log, which exit() does through the library destructor.
 * Every path into a new program switches the rdtsc trap off first (tsc.c).
 */
#include "nodice.h"
#include "tsc.h"
#include "target.h"
#include "process.h"
#include "tree.h"
#include "block.h"
#include "members.h"
#include "execdone.h"
#include "pids.h"
#include "filetime.h"
#include "writers.h"

#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

/* The child's environment in `name`; name##_shim says whether the shim
 * will be in the new image; name##_member is the member slot claimed for a
 * new process (spawn), or -1. */
#define CHILD_ENV(envp, name, target, search, spawn)                                         \
	int name##_target = nd_target_check((target), (search), (envp));                     \
	int name##_shim = name##_target == ND_TARGET_SHIM;                                   \
	int name##_member = (spawn) && name##_shim ? nd_member_claim_child(1) : -1;         \
	size_t name##_cap = nd_process_env_count(envp) + ND_ENV_EXTRA;                       \
	char *name##_slots[name##_cap];                                                      \
	struct nd_child_env name##_buf;                                                      \
	char **name = nd_process_child_env(envp, name##_slots, name##_cap, &name##_buf,      \
					   name##_target == ND_TARGET_32BIT, name##_member)

enum how { BY_PATH, BY_SEARCH, BY_FD };

static int replace_image(enum nd_sym sym, enum how how, const char *file, int fd,
			 char *const argv[], char *const envp[])
{
	CHILD_ENV(envp, env, file, how == BY_SEARCH, 0);
	nd_log_served(sym, 0);
	/* A vfork child is a process of its own with its parent's memory: it
	 * claims its slot here; any other process keeps its own. */
	int vforked = nd_process_in_vfork_child(), k = -1;
	char was[16];
	if (vforked)
		nd_execdone_begin(was);
	if (vforked && env_shim) {
		k = nd_member_claim_self();
		nd_writers_spawning(k);
	} else if (!vforked)
		nd_member_exec_begin(env_shim);
	nd_filetime_settle_all(); /* what it wrote, before the marks are gone */
	nd_process_flush_log("exec");
	nd_tsc_before_exec();
	int r;
	switch (how) {
	case BY_SEARCH: r = nd_real.execvpe(file, argv, env); break;
	case BY_FD: r = nd_real.fexecve(fd, argv, env); break;
	default: r = nd_real.execve(file, argv, env); break;
	}
	int err = errno;
	nd_tsc_after_exec_failed();
	nd_process_spawn_failed();
	if (vforked) {
		nd_member_unclaim(k);
		nd_execdone_failed(was);
	} else
		nd_member_exec_failed();
	errno = err;
	return r;
}

/* execve(2). */
ND_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.execve(path, argv, envp);
	return replace_image(ND_SYM_execve, BY_PATH, path, -1, argv, envp);
}

/* execv(3). */
ND_EXPORT int execv(const char *path, char *const argv[])
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.execve(path, argv, environ);
	return replace_image(ND_SYM_execv, BY_PATH, path, -1, argv, environ);
}

/* execvpe(3). */
ND_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.execvpe(file, argv, envp);
	return replace_image(ND_SYM_execvpe, BY_SEARCH, file, -1, argv, envp);
}

/* execvp(3). */
ND_EXPORT int execvp(const char *file, char *const argv[])
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.execvpe(file, argv, environ);
	return replace_image(ND_SYM_execvp, BY_SEARCH, file, -1, argv, environ);
}

/* fexecve(3). */
ND_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.fexecve(fd, argv, envp);
	return replace_image(ND_SYM_fexecve, BY_FD, NULL, fd, argv, envp);
}

/* The execl family collects its arguments into an array on the stack. */
#define COLLECT_ARGS(first, argv, after)                                    \
	size_t argc_ = 1;                                                   \
	va_list ap_;                                                        \
	va_start(ap_, first);                                               \
	while (va_arg(ap_, char *))                                         \
		argc_++;                                                    \
	va_end(ap_);                                                        \
	char *argv[argc_ + 1];                                              \
	argv[0] = (char *)(first);                                          \
	va_start(ap_, first);                                               \
	for (size_t i_ = 1; i_ <= argc_; i_++)                              \
		argv[i_] = va_arg(ap_, char *);                             \
	after;                                                              \
	va_end(ap_)

/* execl(3). */
ND_EXPORT int execl(const char *path, const char *arg, ...)
{
	ND_ORDERED();
	COLLECT_ARGS(arg, argv, (void)0);
	return execv(path, argv);
}

/* execlp(3). */
ND_EXPORT int execlp(const char *file, const char *arg, ...)
{
	ND_ORDERED();
	COLLECT_ARGS(arg, argv, (void)0);
	return execvp(file, argv);
}

/* execle(3): the environment follows the terminating NULL. */
ND_EXPORT int execle(const char *path, const char *arg, ...)
{
	ND_ORDERED();
	char *const *envp;
	COLLECT_ARGS(arg, argv, envp = va_arg(ap_, char *const *));
	return execve(path, argv, envp);
}

/* posix_spawn and posix_spawnp: the child's member slot is claimed first
 * and handed its pid, or given back when nothing started. */
static int spawn(int search, pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
		 const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	CHILD_ENV(envp, env, file, search, 1);
	nd_writers_spawning(env_member);
	nd_log_served(search ? ND_SYM_posix_spawnp : ND_SYM_posix_spawn, 0);
	nd_tsc_before_exec();
	pid_t child = 0;
	uint32_t token = nd_pids_token();
	int target = env_member >= 0 ? nd_pids_before(nd_member_id(env_member), token) : 0;
	nd_member_keeps_turn(1); /* until the child has executed (vfork.c) */
	int r = search ? nd_real.posix_spawnp(&child, file, fa, attr, argv, env)
		       : nd_real.posix_spawn(&child, file, fa, attr, argv, env);
	nd_member_keeps_turn(0);
	nd_pids_after(token, target, r == 0 ? child : -1);
	nd_tsc_after_exec_failed();
	if (r != 0) {
		nd_process_spawn_failed();
		nd_member_unclaim(env_member);
		return r;
	}
	nd_member_started(env_member, child);
	nd_execdone_spawned(child, file); /* its end of file of close-on-exec pipes first */
	nd_sched_child_started();
	if (pid)
		*pid = child;
	return 0;
}

/* posix_spawn(3). */
ND_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			  const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.posix_spawn(pid, path, fa, attr, argv, envp);
	return spawn(0, pid, path, fa, attr, argv, envp);
}

/* posix_spawnp(3). */
ND_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.posix_spawnp(pid, file, fa, attr, argv, envp);
	return spawn(1, pid, file, fa, attr, argv, envp);
}

/* system and popen start their child inside glibc and return after it has
 * run (system) or executed (popen): the child lets go of the pid lock as its
 * shim starts, or the caller does when the call returns. */
static int placed_by_child(int member)
{
	return member >= 0 ? nd_pids_before(nd_member_id(member), ND_PIDS_CHILD_TOKEN(member)) : 0;
}

/* system(3). */
ND_EXPORT int system(const char *cmd)
{
	ND_ORDERED();
	if (nd_passthrough() || !cmd)
		return nd_real.system(cmd);
	CHILD_ENV(environ, env, NULL, 0, 1);
	nd_log_served(ND_SYM_system, 0);
	char **saved = environ;
	environ = env;
	nd_tsc_before_exec();
	int target = placed_by_child(env_member);
	int r = ND_OUTSIDE(-1, 0, nd_real.system(cmd));
	nd_pids_after(ND_PIDS_CHILD_TOKEN(env_member), target, 0);
	nd_tsc_after_exec_failed();
	environ = saved;
	nd_member_done(env_member);
	return r;
}

/* popen(3). */
ND_EXPORT FILE *popen(const char *cmd, const char *mode)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.popen(cmd, mode);
	CHILD_ENV(environ, env, NULL, 0, 1);
	nd_log_served(ND_SYM_popen, 0);
	char **saved = environ;
	environ = env;
	nd_tsc_before_exec();
	int target = placed_by_child(env_member);
	nd_member_keeps_turn(1); /* until the child has executed (vfork.c) */
	FILE *f = nd_real.popen(cmd, mode);
	nd_member_keeps_turn(0);
	nd_pids_after(ND_PIDS_CHILD_TOKEN(env_member), target, 0);
	nd_tsc_after_exec_failed();
	environ = saved;
	if (!f)
		nd_member_unclaim(env_member);
	else
		nd_sched_child_started();
	return f;
}

/* _exit(2): the log is flushed first, as exit() does in the destructor. */
ND_EXPORT void _exit(int status)
{
	nd_process_end("_exit");
	for (;;)
		nd_sys(SYS_exit_group, status, 0, 0, 0, 0, 0);
}

/* _Exit(2). */
ND_EXPORT void _Exit(int status)
{
	_exit(status);
}
