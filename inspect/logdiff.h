/*
 * The first divergent intercepted event between two runs' event logs:
 * processes are matched by lineage (the same in every run with one seed);
 * within a process, sources are compared in their order of first use.
 */
#ifndef ND_LOGDIFF_H
#define ND_LOGDIFF_H

#include <json-c/json.h>

/* NULL when the logs agree; otherwise an object with "process", "lineage",
 * "family", "symbol", "detail", and "site" when the log names one. Observed
 * uncontrolled events of either run are listed under "uncontrolled". */
json_object *logdiff_first(const char *log_a, const char *log_b);

/* Observed uncontrolled events in a log, as "kind: detail" strings. */
json_object *logdiff_uncontrolled(const char *log);

#endif
