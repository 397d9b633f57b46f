/*
 * The first divergent intercepted event between two runs' event logs:
 * processes are matched by lineage (the same in every run with one seed);
 * within a process, sources are compared in their order of first use.
 */
#ifndef ND_LOGDIFF_H
#define ND_LOGDIFF_H

#include <json-c/json.h>

/* NULL when the logs agree; otherwise an object with "process", "lineage",
 * "family", "symbol", "detail", "site" when the log names one, and "python"
 * ({"file", "line", "function", "calls"?: [calls in a, calls in b]}) when
 * Python code reached the symbol: the line whose calls differ, else the
 * busiest. Observed uncontrolled events of either run are listed under
 * "uncontrolled". */
json_object *logdiff_first(const char *log_a, const char *log_b);

/* Observed uncontrolled events in a log, as "kind: detail" strings. */
json_object *logdiff_uncontrolled(const char *log);
/* The same, once each, with the calls or events counted: {text: count}. */
json_object *logdiff_uncontrolled_counts(const char *log);

/* The draws a run made from seeded randomness (families entropy, prng,
 * device, tempname), as "symbol xN" strings: what should move with the seed. */
json_object *logdiff_seeded_draws(const char *log);

#endif
