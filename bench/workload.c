/*
 * The benchmark workload: `workload OP N` makes N calls of OP and exits.
 * It is timed from outside (bench/run.c): per call = (T(N) - T(0)) / N, since
 * under the shim the clocks inside the process are virtual.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

static volatile long sink;

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
	} else {
		return 2;
	}
	return 0;
}
