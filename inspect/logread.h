/*
 * Reading an event log (docs/log-format.md) back into one report model: a
 * JSON object with the keys of CONTRACT.md's `inspect --json` (seed,
 * sources, uncontrolled, processes), sites symbolized with libelf.
 */
#ifndef ND_LOGREAD_H
#define ND_LOGREAD_H

#include <json-c/json.h>

/* 0 when every process record of the log at path is in the format this
 * nodice reads (logformat.h), else -1 with why naming both versions. */
int logread_check_format(const char *path, char *why, size_t size);

/* Reads path. Returns the model, or NULL with why set (unreadable file, or
 * a log in another format).
 * Lines that are not JSON objects are counted in "corrupt_lines". */
json_object *logread_load(const char *path, char *why, size_t size);

/* Adds "possible" entries to model's uncontrolled list for instructions in
 * the loaded objects that bypass the shim if executed. */
void logread_scan_objects(json_object *model);


#endif
