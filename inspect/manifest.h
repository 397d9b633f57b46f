/*
 * A verify manifest: what a reproducible run produced and on what machine,
 * written by --record and checked by --against on another machine.
 */
#ifndef ND_MANIFEST_H
#define ND_MANIFEST_H

#include <json-c/json.h>

/* The machine and tool facts: nodice version, glibc, kernel, CPU model,
 * Python and its numeric libraries when present. */
json_object *manifest_environment(void);

/* Writes root to path atomically (a temporary file renamed into place):
 * 0, or -1 with why; nothing is left behind on failure. */
int manifest_write(const char *path, json_object *root, char *why, size_t size);

/* Checks that path can be created, before anything runs. */
int manifest_writable(const char *path, char *why, size_t size);

json_object *manifest_read(const char *path, char *why, size_t size);

#endif
