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

/* In a criterion test: runs argv with env (spawn_run) and asserts that it
 * exits 0 having printed exactly want. */
#define spawn_expect(argv, env, want)                            \
	do {                                                     \
		struct spawn_result r_ = spawn_run((argv), (env)); \
		cr_assert_eq(r_.status, 0, "%s", r_.err);        \
		cr_assert_str_eq(r_.out, (want));                \
		spawn_free(&r_);                                 \
	} while (0)

#endif
