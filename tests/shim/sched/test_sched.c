/* sched.c, sync.c, wait.c, block.c: the deterministic scheduler, through the
 * threads fixture run under the shim. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child.h"

static struct spawn_result threads(const char *what, const char *extra_env, int pinned)
{
	/* taskset itself runs without the shim, so the fixture is the first
	 * image of the run either way (same lineage, same streams). */
	const char *plain[] = { "env", "LD_PRELOAD=" ND_TEST_LIB, ND_TEST_THREADS, what, NULL };
	const char *taskset[] = { "taskset", "-c", "0", "env", "LD_PRELOAD=" ND_TEST_LIB, ND_TEST_THREADS, what, NULL };
	const char *env[] = { "NODICE_SEED=7", extra_env, NULL };
	struct spawn_result r = spawn_run(pinned ? taskset : plain, env);
	cr_assert_eq(r.status, 0, "%s: status %d, stderr %s", what, r.status, r.err);
	cr_assert_str_not_empty(r.out, "%s printed nothing", what);
	return r;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

Test(sched, turn_passes_round_robin_in_creation_order)
{
	struct spawn_result r = threads("yield-order", NULL, 0);
	cr_assert_str_eq(r.out, "0 1 2 0 1 2 0 1 2 0 1 2 0 1 2 \n");
	spawn_free(&r);
}

/* Each primitive's interleaving, twice unpinned and once on one CPU. */
Test(sched, every_primitive_gives_one_interleaving, .timeout = 120)
{
	static const char *const what[] = { "mutex-log", "prodcons", "barrier", "sem", "rwlock", "random",
					    "spin", "c11", "sleep", "once", "yield-spin", "fork" };
	for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		struct spawn_result a = threads(what[i], NULL, 0), b = threads(what[i], NULL, 0),
				    c = threads(what[i], NULL, 1);
		cr_assert_str_eq(a.out, b.out, "%s: two runs differ", what[i]);
		cr_assert_str_eq(a.out, c.out, "%s: pinned to CPU 0 differs from unpinned", what[i]);
		spawn_free(&a);
		spawn_free(&b);
		spawn_free(&c);
	}
}

/* The fixture's log really is an interleaving: the threads' entries mix. */
Test(sched, threads_interleave_at_quantum_boundaries)
{
	struct spawn_result r = threads("mutex-log", NULL, 0);
	const char *first1 = strstr(r.out, "1:0 "), *last0 = strstr(r.out, "0:299 ");
	cr_assert(first1 && last0, "%s", r.out);
	cr_assert_lt(first1, last0, "thread 0 ran to the end before thread 1 started");
	spawn_free(&r);
}

/* The log records call sites with libunwind, whose pthread_mutex_lock is
 * the shim's: until 2026-12-07 those calls counted as the program's
 * scheduling points, and `random` (threads drawing between locks) printed
 * another interleaving with NODICE_LOG set. inspect must see the run that
 * run runs. */
Test(sched, the_log_does_not_change_the_interleaving)
{
	char log[] = "/tmp/nd_sched_log_XXXXXX", var[64];
	int fd = mkstemp(log);
	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(var, sizeof(var), "NODICE_LOG=%s", log);
	struct spawn_result a = threads("random", NULL, 0), b = threads("random", var, 0);
	cr_assert_str_eq(a.out, b.out, "the interleaving differs with the log on");
	spawn_free(&a);
	spawn_free(&b);
	unlink(log);
}

Test(sched, schedule_seed_picks_another_reproducible_order)
{
	struct spawn_result base = threads("mutex-log", NULL, 0);
	struct spawn_result a = threads("mutex-log", "NODICE_SCHEDULE_SEED=3", 0);
	struct spawn_result b = threads("mutex-log", "NODICE_SCHEDULE_SEED=3", 1);
	struct spawn_result c = threads("mutex-log", "NODICE_SCHEDULE_SEED=4", 0);
	cr_assert_str_eq(a.out, b.out, "schedule seed 3 is not reproducible");
	cr_assert_str_neq(a.out, base.out, "schedule seed 3 gave the round-robin order");
	cr_assert_str_neq(a.out, c.out, "schedule seeds 3 and 4 gave one order");
	spawn_free(&base);
	spawn_free(&a);
	spawn_free(&b);
	spawn_free(&c);
}

/* Everyone blocked: virtual time jumps to the earliest deadline, so a 2 s
 * sleep and a 5 s timed wait end exactly then, in far less real time. */
Test(sched, deadlines_are_virtual)
{
	double t0 = now_s();
	struct spawn_result r = threads("deadline", NULL, 0);
	double took = now_s() - t0;
	cr_assert_str_eq(r.out, "slept 2000 waited 5000 timedout \n");
	cr_assert_lt(took, 1.5, "took %.2f s of real time", took);
	spawn_free(&r);
}

Test(sched, cancel_wakes_a_condition_wait)
{
	struct spawn_result r = threads("cancel", NULL, 0);
	cr_assert_str_eq(r.out, "cancelled=1 \n");
	spawn_free(&r);
}

Test(sched, fork_child_runs_its_own_threads)
{
	struct spawn_result r = threads("fork", NULL, 0);
	cr_assert(strstr(r.out, "child 3380 "), "%s", r.out);
	cr_assert(strstr(r.out, "child exit 0\n"), "%s", r.out);
	spawn_free(&r);
}

static char *log_of(const char *what, char *path, size_t size)
{
	snprintf(path, size, "%s/sched-%d-%s.log", ND_TEST_BUILD_DIR, (int)getpid(), what);
	unlink(path);
	char env[4200];
	snprintf(env, sizeof(env), "NODICE_LOG=%s", path);
	struct spawn_result r = threads(what, env, 0);
	spawn_free(&r);
	FILE *f = fopen(path, "r");
	cr_assert(f, "no log at %s", path);
	static char text[1 << 20];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = 0;
	fclose(f);
	unlink(path);
	return text;
}

/* A thread that spins without a synchronization point is preempted so the
 * program ends, and the log says so; a well-behaved program has no such
 * record. */
Test(sched, preemption_is_logged_as_uncontrolled, .timeout = 60)
{
	char path[4096];
	double t0 = now_s();
	const char *spin = log_of("busy-spin", path, sizeof(path));
	double took = now_s() - t0;
	cr_assert_gt(took, 0.9, "preempted after %.2f s, before the 1 s quantum", took);
	cr_assert_lt(took, 10.0);
	cr_assert(strstr(spin, "\"schedule-preempted\""), "no preemption record:\n%s", spin);
	const char *calm = log_of("mutex-log", path, sizeof(path));
	cr_assert(strstr(calm, "\"type\":\"process\""), "%s", calm);
	cr_assert_null(strstr(calm, "schedule-preempted"), "%s", calm);
}

/* A thread that spins until the end of the program (libgomp's pool under
 * OMP_WAIT_POLICY=active) is preempted once, not at every turn: torch
 * under that policy took a second per mutex at exit and never ended. */
Test(sched, a_preempted_spinner_does_not_hold_later_turns, .timeout = 60)
{
	static const char *const modes[] = { "serial", "parallel" };
	for (int m = 0; m < 2; m++) {
		char path[4096];
		setenv("NODICE_THREADS", modes[m], 1); /* the children's environment is this one's, merged */
		double t0 = now_s();
		const char *log = log_of("endless-spin", path, sizeof(path));
		double took = now_s() - t0;
		cr_assert_lt(took, 15.0, "%s mode: %.1f s for 5000 locks beside a spinner", modes[m], took);
		const char *first = strstr(log, "\"schedule-preempted\"");
		cr_assert(first, "%s mode: no preemption record:\n%s", modes[m], log);
		struct spawn_result r = threads("endless-spin", NULL, 0);
		cr_assert(strstr(r.out, "sum 12497500 "), "%s", r.out);
		spawn_free(&r);
	}
	unsetenv("NODICE_THREADS");
}

/* A writer filling a pipe faster than its reader (a thread of the same
 * process) drains it: the big write is made outside the turn, so the reader
 * can run without a preemption. */
Test(sched, a_pipe_between_two_threads_needs_no_preemption, .timeout = 60)
{
	char path[4096];
	const char *log = log_of("pipe", path, sizeof(path));
	cr_assert(strstr(log, "\"type\":\"process\""), "%s", log);
	cr_assert_null(strstr(log, "schedule-preempted"), "%s", log);
	struct spawn_result a = threads("pipe", NULL, 0), b = threads("pipe", NULL, 1);
	cr_assert(strstr(a.out, "read 1048576 "), "%s", a.out);
	cr_assert_str_eq(a.out, b.out);
	spawn_free(&a);
	spawn_free(&b);
}

/* Process-shared objects wait in libc outside the turn; a timed wait on one
 * still ends at its deadline. */
Test(sched, process_shared_timed_waits_time_out, .timeout = 30)
{
	struct spawn_result r = threads("pshared-timeout", NULL, 0);
	cr_assert_str_eq(r.out, "cond 110 sem 110 \n");
	spawn_free(&r);
}
