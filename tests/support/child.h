/*
 * Test support: run a program, optionally under the shim, and capture its
 * stdout, stderr and exit status. Criterion suites assert on what it returns.
 */
#ifndef ND_TEST_CHILD_H
#define ND_TEST_CHILD_H

struct spawn_result {
	char *out; /* NUL-terminated, malloc'd */
	char *err;
	int status; /* exit code, or 128+signal */
};

/* Runs argv with the current environment plus `env` (NULL-terminated
 * "NAME=value" entries; "!NAME" removes NAME). */
struct spawn_result spawn_run(const char *const argv[], const char *const env[]);

/* Runs the probe fixture with LD_PRELOAD=libnodice.so and NODICE_SEED=seed. */
struct spawn_result spawn_probe(const char *what, const char *seed);

/* The value on the line starting with "key " in text, copied into a static
 * buffer; "" when there is no such line. */
const char *spawn_field(const char *text, const char *key);

void spawn_free(struct spawn_result *r);

#endif
