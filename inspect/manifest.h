/*
 * A verify manifest: what a reproducible run produced and on what machine,
 * written by --record and checked by --against on another machine.
 */
#ifndef ND_MANIFEST_H
#define ND_MANIFEST_H

#include <json-c/json.h>

/* The machine and tool facts for the log's run record (before anything
 * ran): envrecord_machine's, the numeric libraries installed for Debian's
 * Python, and the variables. */
json_object *manifest_environment(void);

/* Writes root to path atomically (a temporary file renamed into place):
 * 0, or -1 with why; nothing is left behind on failure. */
int manifest_write(const char *path, json_object *root, char *why, size_t size);

/* Checks that path can be created, before anything runs. */
int manifest_writable(const char *path, char *why, size_t size);

json_object *manifest_read(const char *path, char *why, size_t size);

struct verify_run;
/* What a run produced, as hashes: exit status, stdout, stderr, artifacts. */
json_object *manifest_hashes(const struct verify_run *r);
/* Adds to diffs each hash of r that differs from the manifest's. */
void manifest_against(json_object *diffs, json_object *manifest, const struct verify_run *r);
/* The manifest of a reproducible run: command, seed, clock options, machine, hashes. */
json_object *manifest_of(char **cmd, const char *seed, const char *epoch, const char *tick, const char *cpus,
			 const struct verify_run *r, json_object *environment);

#endif
