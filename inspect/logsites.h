/*
 * The call sites of an event log, for logread.c: "site" records aggregated
 * into the report model's per-source "sites" lists.
 */
#ifndef ND_LOGSITES_H
#define ND_LOGSITES_H

#include <json-c/json.h>
#include <stddef.h>

/* Before the first record, after the last, and when the lists are made. */
void logsites_begin(json_object *model);
void logsites_add(json_object *model, json_object *rec);
void logsites_end(json_object *model);

/* A new array of the sites of symbol, busiest first, each {"object",
 * "function", "count", "via"?, "stack"?, "python"?}. */
json_object *logsites_of(json_object *model, const char *symbol);

/* Drops the working state once every source has its list. */
void logsites_forget(json_object *model);

/* An object opened once per run of the command (NULL if it cannot be), and
 * a path's last part. */
struct object;
struct object *logsites_object(const char *path);
const char *logsites_base(const char *path);

/* "object: function" for a frame given as (object path, file offset). */
void logsites_symbolize(const char *object, const char *file_offset, char *out, size_t size);

#endif
