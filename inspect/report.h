/*
 * The inspect report: the catalogue of what nodice could not control (why it
 * matters, what to do, whether it fails --strict) and the human rendering of
 * the model logread.c builds.
 */
#ifndef ND_REPORT_H
#define ND_REPORT_H

#include <json-c/json.h>
#include <stdio.h>

/* Adds count to the (kind, detail) entry of model's "uncontrolled" list and
 * returns the entry. observed: it happened in this run (else it is code that
 * could run). */
json_object *uncontrolled_add(json_object *model, const char *kind, const char *detail, int64_t count,
		      int observed);

/* The uncontrolled kind for a call of `symbol` of `family` passed through to libc, or
 * NULL for bookkeeping families (io, signal) that are never reported. */
const char *report_kind_of_family(const char *family, const char *symbol);

/* Number of entries that fail --strict. */
int report_strict_findings(json_object *model);

void report_print(FILE *out, json_object *model, int status, const char *command);

#endif
