/* Test support: see spawn.h. */
#define _GNU_SOURCE
#include "child.h"

#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void append(char **buf, size_t *len, const char *data, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = 0;
}

static char **merged_env(const char *const extra[])
{
	size_t n = 0, m = 0;
	while (environ[n])
		n++;
	while (extra && extra[m])
		m++;
	char **env = calloc(n + m + 1, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int overridden = 0;
		for (size_t j = 0; j < m; j++) {
			const char *name = extra[j] + (extra[j][0] == '!');
			size_t len = strcspn(name, "=");
			if (strncmp(environ[i], name, len) == 0 && environ[i][len] == '=')
				overridden = 1;
		}
		if (!overridden)
			env[k++] = environ[i];
	}
	for (size_t j = 0; j < m; j++)
		if (extra[j][0] != '!')
			env[k++] = (char *)extra[j];
	env[k] = NULL;
	return env;
}

struct spawn_result spawn_run(const char *const argv[], const char *const env[])
{
	struct spawn_result r = { calloc(1, 1), calloc(1, 1), -1 };
	int out[2], err[2];
	if (pipe(out) || pipe(err))
		return r;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	posix_spawn_file_actions_addclose(&fa, out[0]);
	posix_spawn_file_actions_addclose(&fa, err[0]);
	char **e = merged_env(env);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, e);
	posix_spawn_file_actions_destroy(&fa);
	free(e);
	close(out[1]);
	close(err[1]);
	if (rc != 0) {
		close(out[0]);
		close(err[0]);
		return r;
	}
	size_t olen = 0, elen = 0;
	struct pollfd p[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
	int open_fds = 2;
	char buf[65536];
	while (open_fds > 0 && poll(p, 2, -1) > 0) {
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			ssize_t n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				open_fds--;
			} else if (i == 0) {
				append(&r.out, &olen, buf, (size_t)n);
			} else {
				append(&r.err, &elen, buf, (size_t)n);
			}
		}
	}
	int status;
	waitpid(pid, &status, 0);
	r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return r;
}

struct spawn_result spawn_probe(const char *what, const char *seed)
{
	static char seed_var[64];
	snprintf(seed_var, sizeof(seed_var), "NODICE_SEED=%s", seed);
	const char *argv[] = { ND_TEST_PROBE, what, NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, seed_var, NULL };
	return spawn_run(argv, env);
}

const char *spawn_field(const char *text, const char *key)
{
	static char value[4096];
	size_t k = strlen(key);
	value[0] = 0;
	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, key, k) == 0 && line[k] == ' ') {
			size_t n = strcspn(line + k + 1, "\n");
			if (n >= sizeof(value))
				n = sizeof(value) - 1;
			memcpy(value, line + k + 1, n);
			value[n] = 0;
			break;
		}
	}
	return value;
}

void spawn_free(struct spawn_result *r)
{
	free(r->out);
	free(r->err);
}
