/*
 * The benchmark workload: `workload OP N` makes N calls of OP and exits.
 * It is timed from outside (bench/run.c): per call = (T(N) - T(0)) / N, since
 * under the shim the clocks inside the process are virtual.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

static volatile long sink;

/* Two threads hand a token back and forth n times. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long token, rounds;

static void *pingpong(void *p)
{
	long me = (long)p;
	pthread_mutex_lock(&mu);
	for (long i = 0; i < rounds; i++) {
		while (token != me)
			pthread_cond_wait(&cv, &mu);
		token = !me;
		pthread_cond_signal(&cv);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

/* The same hand-off on bare futexes: the kernel's cost of one switch. */
static unsigned futex_word;

static long futex(unsigned *w, int op, unsigned v)
{
	long r;
	register long r10 __asm__("r10") = 0;
	__asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_futex), "D"(w), "S"((long)op), "d"((long)v), "r"(r10)
			 : "rcx", "r11", "memory");
	return r;
}

static void *futex_pingpong(void *p)
{
	unsigned me = (unsigned)(long)p;
	for (long i = 0; i < rounds; i++) {
		while (__atomic_load_n(&futex_word, __ATOMIC_ACQUIRE) != me)
			futex(&futex_word, FUTEX_WAIT_PRIVATE, !me);
		__atomic_store_n(&futex_word, !me, __ATOMIC_RELEASE);
		futex(&futex_word, FUTEX_WAKE_PRIVATE, 1);
	}
	return NULL;
}

static void *nothing(void *p)
{
	return p;
}

/* Pure computation in each of two threads: the price of serialization. */
static void *crunch(void *p)
{
	unsigned long x = (unsigned long)p;
	for (long i = 0; i < rounds; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	sink += (long)x;
	return NULL;
}

static void two_threads(void *(*fn)(void *), long n)
{
	pthread_t a, b;
	rounds = n;
	pthread_create(&a, NULL, fn, (void *)0L);
	pthread_create(&b, NULL, fn, (void *)1L);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
}

/* Set by the *_split ops: the parent runs on CPU 0 and the child on CPU 1,
 * so every hand-over crosses CPUs in every run. Left to the kernel, where
 * the two land decides the figure: on a VM whose scheduler packs tasks, a
 * round trip on one CPU takes 2 us and one across CPUs 20-60 us, and a few
 * milliseconds of computation before the first hand-over (a library's
 * start-up) are enough to change where they land. */
static int split;

static void on_cpu(int cpu)
{
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (split)
		sched_setaffinity(0, sizeof(one), &one);
}

/* A child and its parent take turns n times: each side's step does one
 * hand-over and waits for the other's; 0 when every step succeeded. */
static int two_sides(long n, int (*child)(void *), int (*parent)(void *), void *ctx)
{
	pid_t p = fork();
	if (p < 0)
		return 1;
	on_cpu(p == 0);
	if (p == 0) {
		for (long i = 0; i < n; i++)
			if (child(ctx))
				_exit(1);
		_exit(0);
	}
	for (long i = 0; i < n; i++)
		if (parent(ctx))
			return 1;
	int st;
	return waitpid(p, &st, 0) != p || st != 0;
}

/* Two processes hand a byte back and forth over two pipes n times. */
static int pipes[4];

static int pipe_child(void *ctx)
{
	char c;
	(void)ctx;
	return read(pipes[0], &c, 1) != 1 || write(pipes[3], &c, 1) != 1;
}

static int pipe_parent(void *ctx)
{
	char c = 0;
	(void)ctx;
	return write(pipes[1], &c, 1) != 1 || read(pipes[2], &c, 1) != 1;
}

static int pipe_pingpong(long n)
{
	if (pipe(pipes) || pipe(pipes + 2))
		return 1;
	return two_sides(n, pipe_child, pipe_parent, NULL);
}

/* Two processes hand a token back and forth n times through two
 * process-shared semaphores (multiprocessing's locks and queues are these):
 * under nodice, every wait is an ordered event of the tree. */
static int sem_child(void *ctx)
{
	sem_t *s = ctx;
	return sem_wait(&s[0]) || sem_post(&s[1]);
}

static int sem_parent(void *ctx)
{
	sem_t *s = ctx;
	return sem_post(&s[0]) || sem_wait(&s[1]);
}

static int sem_pingpong(long n)
{
	sem_t *s = mmap(NULL, 2 * sizeof(sem_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED || sem_init(&s[0], 1, 0) || sem_init(&s[1], 1, 0))
		return 1;
	return two_sides(n, sem_child, sem_parent, s);
}

/* k processes computing n units between them: the price of ordering a tree
 * of processes that only compute. */
static int procs_crunch(int k, long n)
{
	rounds = n / k;
	for (int i = 0; i < k; i++) {
		pid_t p = fork();
		if (p < 0)
			return 1;
		if (p == 0) {
			crunch((void *)(long)i);
			_exit(0);
		}
	}
	int st, bad = 0;
	while (wait(&st) > 0)
		bad |= st != 0;
	return bad;
}

/* The same, each process writing a line into one pipe its parent reads
 * after every 1/200 of its share (pool workers logging progress): under
 * nodice each line is an ordered event of the tree (sources/writers.c). */
static int procs_print(int k, long n)
{
	int p[2];
	if (pipe(p))
		return 1;
	rounds = n / k / 200;
	for (int i = 0; i < k; i++) {
		pid_t c = fork();
		if (c < 0)
			return 1;
		if (c == 0) {
			close(p[0]);
			char line[32];
			int len = snprintf(line, sizeof(line), "worker %d\n", i);
			for (int part = 0; part < 200; part++) {
				crunch((void *)(long)(i * 200 + part));
				if (write(p[1], line, (size_t)len) != len)
					_exit(1);
			}
			_exit(0);
		}
	}
	close(p[1]);
	char buf[4096];
	while (read(p[0], buf, sizeof(buf)) > 0)
		;
	int st, bad = 0;
	while (wait(&st) > 0)
		bad |= st != 0;
	return bad;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	const char *op = argv[1];
	long n = atol(argv[2]);
	if (!strcmp(op, "clock_gettime")) {
		struct timespec ts;
		for (long i = 0; i < n; i++) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			sink += ts.tv_nsec;
		}
	} else if (!strcmp(op, "getrandom16")) {
		unsigned char b[16];
		for (long i = 0; i < n; i++) {
			if (getrandom(b, sizeof(b), 0) != 16)
				return 1;
			sink += b[0];
		}
	} else if (!strcmp(op, "raw_getrandom16")) {
		unsigned char b[16];
		for (long i = 0; i < n; i++) {
			long r;
			__asm__ volatile("syscall" : "=a"(r) : "a"(318L), "D"(b), "S"(16L), "d"(0L) : "rcx", "r11", "memory");
			sink += r + b[0];
		}
	} else if (!strcmp(op, "raw_getppid")) {
		for (long i = 0; i < n; i++) {
			long r;
			__asm__ volatile("syscall" : "=a"(r) : "a"(110L) : "rcx", "r11", "memory");
			sink += r;
		}
	} else if (!strcmp(op, "stat")) {
		struct stat st;
		for (long i = 0; i < n; i++) {
			if (stat("/etc/passwd", &st))
				return 1;
			sink += st.st_mtim.tv_nsec;
		}
	} else if (!strcmp(op, "fork_wait")) {
		for (long i = 0; i < n; i++) {
			pid_t p = fork();
			if (p == 0)
				_exit(0);
			if (p < 0 || waitpid(p, NULL, 0) != p)
				return 1;
		}
	} else if (!strcmp(op, "rdtsc")) {
		for (long i = 0; i < n; i++)
			sink += (long)__rdtsc();
	} else if (!strcmp(op, "urandom_mib")) {
		static unsigned char b[1 << 20];
		int fd = open("/dev/urandom", O_RDONLY);
		for (long i = 0; i < n; i++) {
			for (size_t got = 0; got < sizeof(b);) {
				ssize_t r = read(fd, b + got, sizeof(b) - got);
				if (r <= 0)
					return 1;
				got += (size_t)r;
			}
			sink += b[0];
		}
		close(fd);
	} else if (!strcmp(op, "mutex_pingpong")) {
		two_threads(pingpong, n);
	} else if (!strcmp(op, "futex_pingpong")) {
		two_threads(futex_pingpong, n);
	} else if (!strcmp(op, "create_join")) {
		for (long i = 0; i < n; i++) {
			pthread_t t;
			pthread_create(&t, NULL, nothing, NULL);
			pthread_join(t, NULL);
		}
	} else if (!strcmp(op, "crunch")) {
		rounds = n;
		crunch(NULL);
	} else if (!strcmp(op, "parallel_crunch")) {
		two_threads(crunch, n);
	} else if (!strcmp(op, "pipe_pingpong")) {
		return pipe_pingpong(n);
	} else if (!strcmp(op, "sem_pingpong")) {
		return sem_pingpong(n);
	} else if (!strcmp(op, "pipe_pingpong_split")) {
		split = 1;
		return pipe_pingpong(n);
	} else if (!strcmp(op, "sem_pingpong_split")) {
		split = 1;
		return sem_pingpong(n);
	} else if (!strcmp(op, "procs_crunch1")) {
		return procs_crunch(1, n);
	} else if (!strcmp(op, "procs_crunch2")) {
		return procs_crunch(2, n);
	} else if (!strcmp(op, "procs_print1")) {
		return procs_print(1, n);
	} else if (!strcmp(op, "procs_print2")) {
		return procs_print(2, n);
	} else {
		return 2;
	}
	return 0;
}
