/* verify's runs and their comparison; see verify_runs.h. */
#include "verify_runs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bounded.h"
#include "compare.h"

int verify_run_once(const struct verify_options *o, const char *seed, struct verify_run *r, int index, const char *base)
{
	snprintf(r->dir, sizeof(r->dir), "%s/run%d", base, index);
	snprintf(r->out, sizeof(r->out), "%s/stdout", r->dir);
	snprintf(r->err, sizeof(r->err), "%s/stderr", r->dir);
	snprintf(r->log, sizeof(r->log), "%s/events.jsonl", r->dir);
	char why[512];
	if (mkdir(r->dir, 0700) < 0 || artifacts_clear((char **)o->artifacts, o->nartifacts, why, sizeof(why))) {
		cli_error("verify", "%s", errno ? strerror(errno) : why);
		return -1;
	}
	struct cli_run_options run = o->run;
	if (seed)
		run.seed = seed;
	snprintf(run.log, sizeof(run.log), "%s", r->log);
	run.has_log = 1;
	double t0 = bounded_now();
	pid_t pid = fork();
	if (pid < 0) {
		cli_error("verify", "cannot fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int out = open(r->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = open(r->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(CLI_SYSTEM);
		close(out);
		close(err);
		if (cli_export_run_env("verify", &run))
			_exit(CLI_SYSTEM);
		bounded_child(o->timeout);
		cli_exec_command("verify", &run, o->cmd);
	}
	r->status = bounded_wait(pid, o->timeout, &r->timed_out);
	r->seconds = bounded_now() - t0;
	if (r->timed_out)
		cli_error("verify", "run %d%s: still running after %g s: stopped (SIGINT, then SIGKILL)", index,
			  seed ? " (other seed)" : "", o->timeout);
	if (artifacts_collect((char **)o->artifacts, o->nartifacts, r->dir, &r->art, why, sizeof(why)) < 0) {
		cli_error("verify", "%s", why);
		return -1;
	}
	if (o->progress)
		cli_note("verify", "run %d%s: %.2f s, exit %d", index, seed ? " (other seed)" : "", r->seconds,
			 r->status);
	return 0;
}

void verify_add_difference(json_object *diffs, const char *what, long long offset, const char *detail)
{
	for (size_t i = 0; i < json_object_array_length(diffs); i++)
		if (!strcmp(json_object_get_string(json_object_object_get(json_object_array_get_idx(diffs, i), "what")), what))
			return;
	json_object *d = json_object_new_object();
	json_object_object_add(d, "what", json_object_new_string(what));
	if (offset >= 0)
		json_object_object_add(d, "first_offset", json_object_new_int64(offset));
	json_object_object_add(d, "detail", json_object_new_string(detail));
	json_object_array_add(diffs, d);
}

static void compare_file(json_object *diffs, const char *what, const char *a, const char *b, int ra, int rb)
{
	struct compare_result c;
	if (compare_files(a, b, &c) < 0) {
		verify_add_difference(diffs, what, -1, "cannot be read for comparison");
		return;
	}
	if (!c.differ)
		return;
	char detail[4400];
	snprintf(detail, sizeof(detail), "run %d and run %d: %s", ra, rb, c.detail);
	verify_add_difference(diffs, what, c.offset, detail);
}

void verify_compare_runs(json_object *diffs, const struct verify_run *a, const struct verify_run *b, int ia, int ib)
{
	/* A run that never finished fails the gate, even when every run hung
	 * the same way. */
	if (a->timed_out || b->timed_out) {
		char d[160];
		snprintf(d, sizeof(d), "run %d did not finish within --timeout and was stopped",
			 a->timed_out ? ia : ib);
		verify_add_difference(diffs, "timeout", -1, d);
	}
	if (a->status != b->status) {
		char d[128];
		snprintf(d, sizeof(d), "%d in run %d, %d in run %d", a->status, ia, b->status, ib);
		verify_add_difference(diffs, "exit status", -1, d);
	}
	compare_file(diffs, "stdout", a->out, b->out, ia, ib);
	compare_file(diffs, "stderr", a->err, b->err, ia, ib);
	for (size_t i = 0; i < a->art.n; i++) {
		const struct artifact_file *fa = &a->art.files[i], *fb = NULL;
		for (size_t k = 0; k < b->art.n && !fb; k++)
			if (!strcmp(b->art.files[k].path, fa->path))
				fb = &b->art.files[k];
		char what[4200];
		snprintf(what, sizeof(what), "artifact %s", fa->path);
		if (!fb) {
			char d[128];
			snprintf(d, sizeof(d), "created in run %d, not in run %d", ia, ib);
			verify_add_difference(diffs, what, -1, d);
		} else if (strcmp(fa->sha256, fb->sha256)) {
			compare_file(diffs, what, fa->copy, fb->copy, ia, ib);
		}
	}
	for (size_t k = 0; k < b->art.n; k++) {
		int found = 0;
		for (size_t i = 0; i < a->art.n; i++)
			found |= !strcmp(a->art.files[i].path, b->art.files[k].path);
		if (!found) {
			char what[4200], d[128];
			snprintf(what, sizeof(what), "artifact %s", b->art.files[k].path);
			snprintf(d, sizeof(d), "created in run %d, not in run %d", ib, ia);
			verify_add_difference(diffs, what, -1, d);
		}
	}
}

