/*
 * NODICE_* configuration: parsed and validated once, into one struct.
 *
 * The parsers are pure functions of a string, shared with the command (which
 * validates its options with them before anything runs), and they never
 * allocate, so the shim can call them before malloc is usable.
 */
#ifndef ND_CONFIG_H
#define ND_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define ND_CPUS_MAX 1024
#define ND_EPOCH_DEFAULT 946684800LL /* 2000-01-01T00:00:00Z */
#define ND_TICK_DEFAULT 1000ULL

enum { ND_KNOBS_OFF, ND_KNOBS_ON, ND_KNOBS_STRICT };

struct nd_config {
	uint64_t seed;
	int64_t epoch;       /* unix seconds where the virtual wall clock starts */
	uint64_t tick_ns;    /* how far the virtual clocks move per read */
	unsigned cpus;       /* the CPU count every program sees */
	uint64_t schedule_seed; /* 0: round robin; else picks among deterministic orders */
	int parallel;        /* NODICE_THREADS=parallel: threads compute at once between ordered calls */
	char log_path[4096]; /* empty: no event log */
	int keep_aslr;       /* NODICE_ASLR=on: leave address randomization on */
	int native_tsc;      /* NODICE_RDTSC=native: do not trap rdtsc (faster, uncontrolled) */
	int native_dirs;     /* NODICE_DIRS=native: readdir in the file system's order */
	char exempt[1024];   /* NODICE_EXEMPT: comma-separated program names left uncontrolled */
	char host[65];       /* NODICE_HOST: a fixed host identity; empty: the machine's */
	int clamp_mtime;     /* NODICE_CLAMP_MTIME=on: older files' times no later than SOURCE_DATE_EPOCH */
	int order_writes;    /* NODICE_ORDER_WRITES=on: writes into channels members share, in the tree's order */
	int framework_knobs; /* NODICE_FRAMEWORK_KNOBS: ND_KNOBS_OFF, _ON (default), _STRICT */
	/* Carried from parent to child through the environment (internal). */
	int has_lineage;
	uint64_t lineage;    /* the value the parent handed to this image */
	uint64_t clock_ns;   /* virtual time already elapsed in the ancestors */
	uint64_t wall_join_ns; /* how far the ancestors' file times moved the wall clocks */
	int epoch_given;     /* NODICE_EPOCH was set: the epoch is exact */
};

/* One failure: which variable, its value, and why it cannot be honoured. */
struct nd_config_error {
	const char *name;
	const char *value;
	const char *reason;
};

/* The epoch when NODICE_EPOCH is not given: 2000-01-01T00:00:00Z for seed 0,
 * and for any other seed that day plus a number of seconds under a day drawn
 * from the seed, so that generators seeded from the clock (srand(time(NULL)),
 * awk's srand()) move with the experiment seed as they would with the day. */
int64_t nd_config_default_epoch(uint64_t seed);

/* Each returns NULL on success or a reason phrase for the fatal/usage line. */
const char *nd_config_parse_seed(const char *s, uint64_t *out);
const char *nd_config_parse_epoch(const char *s, int64_t *out);
const char *nd_config_parse_tick(const char *s, uint64_t *out);
/* A host name: 1 to 64 letters, digits, '-' and '.', starting with a letter
 * or digit (RFC 1123); into out (at least 65 bytes). */
const char *nd_config_parse_host(const char *s, char *out);
const char *nd_config_parse_cpus(const char *s, unsigned *out);
const char *nd_config_parse_log(const char *s, char *out, size_t size);
const char *nd_config_parse_hex64(const char *s, uint64_t *out);
const char *nd_config_parse_aslr(const char *s, int *keep);
const char *nd_config_parse_rdtsc(const char *s, int *native);
const char *nd_config_parse_dirs(const char *s, int *native);
const char *nd_config_parse_threads(const char *s, int *parallel);
const char *nd_config_parse_knobs(const char *s, int *mode);
const char *nd_config_parse_exempt(const char *s, char *out, size_t size);

/* Reads every NODICE_* variable through getenv-like `get`. Returns 0, or -1
 * with *err naming the first value it cannot honour. */
int nd_config_load(struct nd_config *cfg, const char *(*get)(const char *name),
		   struct nd_config_error *err);

#endif
