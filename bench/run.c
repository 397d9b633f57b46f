/*
 * nodice-bench: the foundation's micro-benchmarks, as ratios to native
 * measured in the same run. Every figure is timed from outside the measured
 * process with the real monotonic clock (the runner is not under the shim).
 *
 *   per call  = (median T(N) - median T(0)) / N      for clock_gettime, getrandom, stat, fork,
 *               and Python-level clock reads (bench/pyclock.py)
 *   MB/s      = N MiB / (median T(N) - median T(0))  for /dev/urandom
 *   start-up  = median T(`nodice run -- true`) - median T(`true`)
 *   threads   = hand-offs, create+join, two computing threads; --threads runs
 *               only these (also pinned to CPU 0)
 *   tree      = --tree: a pipe and an ordered semaphore round trip between
 *               processes, 2 computing processes against 1 (also with each
 *               writing lines into one pipe), make -j2 against -j1, a process
 *               pool, round trips to a server process's thread
 *
 * Modes: native; nodice (LD_PRELOAD=libnodice.so, ASLR already off so no
 * re-exec is measured, as under `nodice run`); libfaketime when installed.
 * Usage: nodice-bench [--quick] [--torch] [--threads | --tree]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/perf_event.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FAKETIME_LIB "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

extern char **environ;
static char lib[PATH_MAX], workload[PATH_MAX], nodice[PATH_MAX];
static int reps = 7;
static int parallel_mode; /* NODICE runs with NODICE_THREADS=parallel */

enum mode { NATIVE, NODICE, FAKETIME, LOGGED, MODES };
static const char *mode_name[MODES] = { "native", "nodice", "libfaketime", "nodice+log" };

/* CPU time of the last run_once's process tree, in s: the kernel's task
 * clock, counted for this process and inherited by what it spawns (exact,
 * where getrusage's user and system times are sampled at ticks: on a VM they
 * counted a wake-up's idle wait as system time, 10x the task clock). */
static double last_cpu;

static int task_clock(void)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.inherit = 1;
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double run_once(char *const argv[], enum mode m)
{
	char *env[512];
	size_t k = 0;
	for (size_t i = 0; environ[i] && k < 500; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) && strncmp(environ[i], "NODICE_", 7) &&
		    strncmp(environ[i], "FAKE", 4))
			env[k++] = environ[i];
	static char pre_nd[PATH_MAX + 16], pre_ft[PATH_MAX + 16];
	snprintf(pre_nd, sizeof(pre_nd), "LD_PRELOAD=%s", lib);
	snprintf(pre_ft, sizeof(pre_ft), "LD_PRELOAD=%s", FAKETIME_LIB);
	if (m == NODICE || m == LOGGED) {
		env[k++] = pre_nd;
		if (parallel_mode)
			env[k++] = "NODICE_THREADS=parallel";
		env[k++] = "NODICE_SEED=1";
		if (m == LOGGED)
			env[k++] = "NODICE_LOG=/dev/null";
	} else if (m == FAKETIME) {
		env[k++] = pre_ft;
		env[k++] = "FAKETIME=@2000-01-01 00:00:00";
		env[k++] = "FAKERANDOM_SEED=0x12345678DEADBEEF";
	}
	env[k] = NULL;
	pid_t pid;
	posix_spawn_file_actions_t quiet;
	posix_spawn_file_actions_init(&quiet);
	posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
	int clock_fd = task_clock();
	double t0 = now();
	int rc = posix_spawn(&pid, argv[0], &quiet, NULL, argv, env);
	posix_spawn_file_actions_destroy(&quiet);
	if (rc != 0) {
		if (clock_fd >= 0)
			close(clock_fd);
		return -1;
	}
	int status;
	struct rusage ru;
	wait4(pid, &status, 0, &ru);
	double t = now() - t0;
	uint64_t ns = 0;
	if (clock_fd >= 0 && read(clock_fd, &ns, sizeof(ns)) == (ssize_t)sizeof(ns))
		last_cpu = ns / 1e9;
	else
		last_cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	if (clock_fd >= 0)
		close(clock_fd);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? t : -1;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median_of(char *const argv[], enum mode m)
{
	double t[64];
	for (int i = 0; i < reps; i++)
		if ((t[i] = run_once(argv, m)) < 0)
			return -1;
	qsort(t, (size_t)reps, sizeof(double), cmp);
	return t[reps / 2];
}

/* Seconds per unit of OP: (T(n) - T(0)) / n. An OP ending in .py is a
 * script of bench/ run by Debian's Python with n. */
static double per_unit(const char *op, long n, enum mode m)
{
	char count[32], script[PATH_MAX];
	snprintf(count, sizeof(count), "%ld", n);
	snprintf(script, sizeof(script), "%s/bench/%s", NODICE_SOURCE_DIR, op);
	int py = strlen(op) > 3 && !strcmp(op + strlen(op) - 3, ".py");
	char *big[] = { py ? "/usr/bin/python3" : workload, py ? script : (char *)op, count, NULL };
	char *zero[] = { py ? "/usr/bin/python3" : workload, py ? script : (char *)op, "0", NULL };
	double tn = median_of(big, m), t0 = median_of(zero, m);
	return tn < 0 || t0 < 0 ? -1 : (tn - t0) / (double)n;
}

static int have_faketime(void)
{
	return access(FAKETIME_LIB, R_OK) == 0;
}

static void micro(const char *title, const char *op, long n, double scale, const char *unit,
		  int throughput)
{
	double v[MODES];
	for (int m = 0; m < MODES; m++)
		v[m] = m == FAKETIME && !have_faketime() ? -1 : per_unit(op, n, (enum mode)m);
	printf("%-28s", title);
	for (int m = 0; m < MODES; m++) {
		if (v[m] <= 0) {
			printf(" %20s", "n/a");
			continue;
		}
		double shown = throughput ? scale / v[m] : v[m] * scale;
		double ratio = throughput ? v[NATIVE] / v[m] : v[m] / v[NATIVE];
		printf(" %10.1f %-3s %5.2fx", shown, unit, ratio);
	}
	if (v[LOGGED] > 0 && v[NODICE] > 0)
		printf("   log on/off %.2fx", throughput ? v[LOGGED] / v[NODICE] : v[LOGGED] / v[NODICE]);
	printf("\n");
}

/* Scheduling: hand-offs and thread start-up against native, and what
 * serializing two computing threads costs. The futex line is the kernel's
 * own hand-off (raw system calls, dispatched under the shim, so only its
 * native figure is a baseline). */
static void blas(int quick);

/* Parallel mode (issue 15) beside serial, in the same run: two threads that
 * compute each what one thread computes (throughput against that thread,
 * native), and the mutex hand-off against the kernel's futex one. */
static void parallel(int quick)
{
	long n = quick ? 20000000 : 200000000, h = quick ? 20000 : 200000;
	double nat = per_unit("parallel_crunch", n, NATIVE), ser = per_unit("parallel_crunch", n, NODICE);
	parallel_mode = 1;
	double par = per_unit("parallel_crunch", n, NODICE), mutex = per_unit("mutex_pingpong", h, NODICE);
	parallel_mode = 0;
	double one = per_unit("crunch", n, NATIVE), futex = per_unit("futex_pingpong", h, NATIVE);
	printf("%-28s native %.2fx, serial %.2fx, parallel %.2fx the throughput of one thread\n",
	       "2 threads computing", 2 * one / nat, 2 * one / ser, 2 * one / par);
	printf("%-28s %10.1f ns parallel mode = %.2fx the native futex round trip\n", "mutex round trip",
	       mutex * 1e9, mutex / futex);
}

static void threads(int quick)
{
	long n = quick ? 20000 : 200000;
	micro("mutex ping-pong round trip", "mutex_pingpong", n, 1e9, "ns", 0);
	micro("pthread_create+join", "create_join", quick ? 2000 : 20000, 1e9, "ns", 0);
	micro("2 threads computing (per op)", "parallel_crunch", quick ? 20000000 : 200000000, 1e9, "ns", 0);
	double futex_native = per_unit("futex_pingpong", n, NATIVE);
	double mutex_nodice = per_unit("mutex_pingpong", n, NODICE);
	printf("%-28s %10.1f ns native futex; nodice mutex round trip %.1f ns = %.2fx the futex\n",
	       "futex round trip (baseline)", futex_native * 1e9, mutex_nodice * 1e9, mutex_nodice / futex_native);
	/* The same on one CPU (as `taskset -c 0`): no spinning, every hand-off
	 * is a context switch, for libc and for nodice alike. */
	cpu_set_t all, one;
	sched_getaffinity(0, sizeof(all), &all);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	micro("  pinned to CPU 0", "mutex_pingpong", n, 1e9, "ns", 0);
	futex_native = per_unit("futex_pingpong", n, NATIVE);
	mutex_nodice = per_unit("mutex_pingpong", n, NODICE);
	printf("%-28s %10.1f ns native futex; nodice mutex round trip %.1f ns = %.2fx the futex\n",
	       "  pinned futex round trip", futex_native * 1e9, mutex_nodice * 1e9, mutex_nodice / futex_native);
	sched_setaffinity(0, sizeof(all), &all);
	parallel(quick);
	blas(quick);
}

/* Seconds for a shell command, natively or under `nodice run` with the
 * CPU count cpus (0: nodice's default). */
static double command_cpus(const char *sh, int under, int cpus)
{
	char n[16];
	snprintf(n, sizeof(n), "%d", cpus);
	char *plain[] = { "/bin/sh", "-c", (char *)sh, NULL };
	char *wrapped[] = { nodice, "run", "--", "/bin/sh", "-c", (char *)sh, NULL };
	char *with_cpus[] = { nodice, "run", "--cpus", n, "--", "/bin/sh", "-c", (char *)sh, NULL };
	char *par[] = { nodice, "run", "--threads", "parallel", "--cpus", n, "--", "/bin/sh", "-c", (char *)sh, NULL };
	return median_of(!under ? plain : cpus && parallel_mode ? par : cpus ? with_cpus : wrapped, NATIVE);
}

static double command(const char *sh, int under)
{
	return command_cpus(sh, under, 0);
}

/* Seconds a library's loop takes, N threads: T(n) - T(0) of a script of
 * bench/, so the start-up (importing numpy or torch, slower under nodice)
 * is left out. under: 0 native, 1 nodice --cpus N, 2 the same in parallel
 * mode. */
static double loop_seconds(const char *script, int threads, long n, int under)
{
	char big[512], zero[512];
	snprintf(big, sizeof(big), "/usr/bin/python3 %s/bench/%s %d %ld >/dev/null", NODICE_SOURCE_DIR, script,
		 threads, n);
	snprintf(zero, sizeof(zero), "/usr/bin/python3 %s/bench/%s %d 0 >/dev/null", NODICE_SOURCE_DIR, script,
		 threads);
	parallel_mode = under == 2;
	double tn = command_cpus(big, under > 0, threads), t0 = command_cpus(zero, under > 0, threads);
	parallel_mode = 0;
	return tn - t0;
}

/* A threaded library's own parallelism (issue 15), 1 and 2 threads,
 * natively, serial and parallel: the loop's time and its ratio to the
 * native 2-thread loop. */
static void library(const char *name, const char *script, long n)
{
	static const char *const how[] = { "", "  serial (--cpus)", "  --threads parallel" };
	int saved = reps;
	reps = 3;
	double native2 = 0;
	for (int under = 0; under <= 2; under++) {
		double t1 = loop_seconds(script, 1, n, under), t2 = loop_seconds(script, 2, n, under);
		native2 = under ? native2 : t2;
		printf("%-28s %10.2f s 1 thread, %.2f s 2 threads: %.2fx the throughput; %.2fx native 2-thread time\n",
		       under ? how[under] : name, t1, t2, t1 / t2, t2 / native2);
	}
	reps = saved;
}

/* numpy's matmuls on OpenBLAS, torch's elementwise loop on libgomp. */
static void blas(int quick)
{
	library("numpy matmul, OpenBLAS", "blas.py", quick ? 10 : 60);
	library("torch elementwise, libgomp", "torch_loop.py", quick ? 100 : 1000);
}

/* What nodice adds per unit of OP, from runs paired in time: each rep
 * times native and nodice one after the other, with n and with 0, and the
 * figure is the median of the reps' differences, with the native median
 * beside it. A cross-CPU round trip on a shared machine moves by tens of
 * microseconds from minute to minute (15-53 us natively on one day); runs
 * apart in time would compare two machines. Beside the time, the CPU time
 * (user + system) nodice adds per unit: what it executes for the event,
 * which no placement or wake-up latency moves. */
static void overhead(const char *title, const char *op, long n)
{
	char count[32];
	snprintf(count, sizeof(count), "%ld", n);
	char *big[] = { workload, (char *)op, count, NULL }, *zero[] = { workload, (char *)op, "0", NULL };
	double d[64], nat[64], cpu[64];
	int r = reps < 64 ? reps : 63;
	for (int i = 0; i < r; i++) {
		double a = run_once(big, NATIVE), ac = last_cpu, b = run_once(big, NODICE), bc = last_cpu;
		double a0 = run_once(zero, NATIVE), a0c = last_cpu, b0 = run_once(zero, NODICE), b0c = last_cpu;
		if (a < 0 || b < 0 || a0 < 0 || b0 < 0) {
			printf("%-28s failed\n", title);
			return;
		}
		nat[i] = (a - a0) / (double)n;
		d[i] = ((b - b0) - (a - a0)) / (double)n;
		cpu[i] = ((bc - b0c) - (ac - a0c)) / (double)n;
	}
	qsort(d, (size_t)r, sizeof(double), cmp);
	qsort(nat, (size_t)r, sizeof(double), cmp);
	qsort(cpu, (size_t)r, sizeof(double), cmp);
	printf("%-28s %10.2f us native, %+.2f us under nodice (paired reps: %.2f to %.2f); CPU %+.2f us\n", title,
	       nat[r / 2] * 1e6, d[r / 2] * 1e6, d[r / 4] * 1e6, d[r - 1 - r / 4] * 1e6, cpu[r / 2] * 1e6);
}

/* The process tree (issue 14): a pipe round trip between two processes,
 * and how much of two CPUs a tree of processes that compute keeps. */
static void tree(int quick)
{
	long n = quick ? 20000 : 100000;
	int saved = reps;
	reps = quick ? 9 : 15;
	overhead("pipe round trip, 2 procs", "pipe_pingpong", n);
	overhead("semaphore round trip", "sem_pingpong", n);
	/* each side on its own CPU: every hand-off wakes the other CPU */
	overhead("  pipe, split on CPUs 0, 1", "pipe_pingpong_split", n);
	overhead("  semaphore, split", "sem_pingpong_split", n);
	/* on one CPU (as `taskset -c 0`): every hand-off is a context switch */
	cpu_set_t all, one;
	sched_getaffinity(0, sizeof(all), &all);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	overhead("  pipe, pinned to CPU 0", "pipe_pingpong", n);
	overhead("  semaphore, pinned", "sem_pingpong", n);
	sched_setaffinity(0, sizeof(all), &all);
	reps = saved;
	long work = quick ? 100000000 : 400000000;
	for (int m = NATIVE; m <= NODICE; m++) {
		double one = per_unit("procs_crunch1", work, (enum mode)m), two = per_unit("procs_crunch2", work, (enum mode)m);
		printf("%-28s %10s 2 processes do %.2fx the work of 1 per second\n", m ? "  under nodice" : "2 computing processes",
		       mode_name[m], one / two);
	}
	/* each writing lines into one pipe: under --order-writes every line is
	 * an ordered event of the tree */
	for (int m = NATIVE; m <= NODICE + 1; m++) {
		if (m > NODICE)
			setenv("NODICE_ORDER_WRITES", "on", 1);
		enum mode mm = m > NODICE ? NODICE : (enum mode)m;
		double one = per_unit("procs_print1", work, mm), two = per_unit("procs_print2", work, mm);
		unsetenv("NODICE_ORDER_WRITES");
		printf("%-28s %10s 2 processes do %.2fx the work of 1 per second\n",
		       m == NATIVE ? "  ... each writing 200 lines" : m == NODICE ? "  under nodice" : "  ... --order-writes",
		       mode_name[mm], one / two);
	}
	char make[PATH_MAX + 256];
	const char *proj = "/tmp/nodice-bench-make";
	snprintf(make, sizeof(make), "%s/bench/make_project.sh %s >/dev/null", NODICE_SOURCE_DIR, proj);
	if (system(make) != 0) {
		printf("make -j: project generation failed\n");
		return;
	}
	for (int under = 0; under <= 1; under++) {
		char j1[512], j2[512];
		snprintf(j1, sizeof(j1), "make -s -C %s clean >/dev/null && make -s -C %s -j1 >/dev/null", proj, proj);
		snprintf(j2, sizeof(j2), "make -s -C %s clean >/dev/null && make -s -C %s -j2 >/dev/null", proj, proj);
		double t1 = command(j1, under), t2 = command(j2, under);
		printf("%-28s %10.2f s -j1, %.2f s -j2: -j2 is %.2fx faster\n", under ? "  under nodice" : "make, 12 C files",
		       t1, t2, t1 / t2);
	}
	const char *pool = "/usr/bin/python3 " NODICE_SOURCE_DIR "/bench/pool.py";
	for (int k = 0; k < 4; k++) { /* then with 400 KB tasks fed one by one */
		int under = k % 2, payload = k < 2 ? 0 : 400000;
		char p1[512], p2[512];
		snprintf(p1, sizeof(p1), "%s 1 %d", pool, payload);
		snprintf(p2, sizeof(p2), "%s 2 %d", pool, payload);
		double t1 = command(p1, under), t2 = command(p2, under);
		printf("%-28s %10.2f s 1 worker, %.2f s 2 workers: %.2fx the throughput\n",
		       under ? "  under nodice" : payload ? "Pool, 400 KB tasks" : "multiprocessing.Pool", t1, t2, t1 / t2);
	}
	/* requests and answers to a server process whose answering thread is
	 * scheduled: the client's read blocks, the server's is decided */
	long trips = quick ? 1000 : 4000;
	for (int under = 0; under <= 1; under++) {
		char big[512], zero[512];
		snprintf(big, sizeof(big), "/usr/bin/python3 %s/bench/rpc_thread.py %ld", NODICE_SOURCE_DIR, trips);
		snprintf(zero, sizeof(zero), "/usr/bin/python3 %s/bench/rpc_thread.py 0", NODICE_SOURCE_DIR);
		double per = (command(big, under) - command(zero, under)) / (double)trips;
		printf("%-28s %10.1f us per round trip\n", under ? "  under nodice" : "Pipe() to a server thread", per * 1e6);
	}
	/* a parent that hands each task to the worker it hears first in select
	 * (process/deliver.c decides which, by the writes' counts) */
	const char *dispatch = "DISPATCH_SIZE=1000000 DISPATCH_WORKERS=%d /usr/bin/python3 " NODICE_SOURCE_DIR
			       "/fixtures/python/dispatch_select.py select >/dev/null";
	for (int under = 0; under <= 1; under++) {
		char d1[512], d2[512];
		snprintf(d1, sizeof(d1), dispatch, 1);
		snprintf(d2, sizeof(d2), dispatch, 2);
		double t1 = command(d1, under), t2 = command(d2, under);
		printf("%-28s %10.2f s 1 worker, %.2f s 2 workers: %.2fx the throughput\n",
		       under ? "  under nodice" : "select dispatcher", t1, t2, t1 / t2);
	}
}

static void startup(void)
{
	char *plain[] = { "/bin/true", NULL };
	char *wrapped[] = { nodice, "run", "--", "/bin/true", NULL };
	double native = median_of(plain, NATIVE), nd = median_of(wrapped, NATIVE);
	printf("%-28s %10.2f ms native, %.2f ms under nodice run: +%.2f ms\n", "nodice run -- /bin/true",
	       native * 1e3, nd * 1e3, (nd - native) * 1e3);
}

static void torch(void)
{
	char script[PATH_MAX];
	snprintf(script, sizeof(script), "%s", NODICE_SOURCE_DIR "/fixtures/python/train_torch.py");
	char *plain[] = { "/usr/bin/python3", script, NULL };
	char *wrapped[] = { nodice, "run", "--seed", "7", "--", "/usr/bin/python3", script, NULL };
	char *untrapped[] = { nodice, "run", "--seed", "7", "--rdtsc", "native", "--", "/usr/bin/python3", script, NULL };
	int saved = reps;
	reps = 5;
	double native = median_of(plain, NATIVE), nd = median_of(wrapped, NATIVE), fast = median_of(untrapped, NATIVE);
	reps = saved;
	printf("%-28s %10.2f s native, %.2f s under nodice run: %.3fx\n", "torch training fixture",
	       native, nd, nd / native);
	printf("%-28s %10.2f s native, %.2f s with --rdtsc native: %.3fx\n", "  (rdtsc not trapped)",
	       native, fast, fast / native);
}

int main(int argc, char **argv)
{
	int quick = 0, with_torch = 0, threads_only = 0, tree_only = 0, libraries_only = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = 1;
		else if (!strcmp(argv[i], "--torch"))
			with_torch = 1;
		else if (!strcmp(argv[i], "--threads"))
			threads_only = 1;
		else if (!strcmp(argv[i], "--tree"))
			tree_only = 1;
		else if (!strcmp(argv[i], "--libraries"))
			libraries_only = 1;
		else {
			fprintf(stderr, "nodice-bench: unknown option '%s'\n", argv[i]);
			return 2;
		}
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 3;
	self[n] = 0;
	*strrchr(self, '/') = 0;
	snprintf(workload, sizeof(workload), "%s/workload", self);
	snprintf(lib, sizeof(lib), "%s/../lib/libnodice.so", self);
	snprintf(nodice, sizeof(nodice), "%s/../bin/nodice", self);
	if (quick)
		reps = 3;
	/* As under `nodice run`: ASLR off for every mode, so the shim does not re-exec. */
	personality((unsigned long)personality(0xffffffff) | ADDR_NO_RANDOMIZE);

	long calls = quick ? 2000000 : 20000000;
	printf("%-28s %20s %20s %20s %20s\n", "", mode_name[0], mode_name[1], mode_name[2], mode_name[3]);
	if (threads_only) {
		threads(quick);
		return 0;
	}
	if (libraries_only) { /* the threaded libraries' rows of --threads alone */
		blas(quick);
		return 0;
	}
	if (tree_only) {
		tree(quick);
		return 0;
	}
	micro("clock_gettime per call", "clock_gettime", calls, 1e9, "ns", 0);
	micro("getrandom(16) per call", "getrandom16", calls / 10, 1e9, "ns", 0);
	micro("/dev/urandom 1 MiB reads", "urandom_mib", quick ? 64 : 512, 1.048576, "MB/s", 1);
	micro("rdtsc per read (trapped)", "rdtsc", quick ? 20000 : 200000, 1e9, "ns", 0);
	micro("inline getrandom(16), served", "raw_getrandom16", quick ? 20000 : 200000, 1e9, "ns", 0);
	micro("inline getppid, performed", "raw_getppid", quick ? 20000 : 200000, 1e9, "ns", 0);
	micro("stat per call (file times)", "stat", calls / 10, 1e9, "ns", 0);
	/* the log on Python code: each call looked up by its Python lines */
	micro("Python clock read per call", "pyclock.py", quick ? 1000000 : 4000000, 1e9, "ns", 0);
	micro("fork+exit+wait", "fork_wait", quick ? 200 : 2000, 1e6, "us", 0);
	threads(quick);
	tree(quick);
	startup();
	if (with_torch)
		torch();
	printf("(ratios: time per call to native, or throughput to native; medians of %d runs)\n", reps);
	return 0;
}
