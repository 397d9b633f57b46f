/*
 * Artifacts a verify run declares (--artifact PATH: a file or a directory):
 * cleared before each run, hashed after it with SHA-256, one entry per file,
 * directories walked in sorted order so the list is the same on every run.
 */
#ifndef ND_ARTIFACTS_H
#define ND_ARTIFACTS_H

#include <stddef.h>

struct artifact_file {
	char path[4096];   /* as found under the declared path */
	char sha256[65];   /* lowercase hex */
	char copy[4096];   /* where this run's bytes were kept, for comparing */
	long long size;
};

struct artifact_set {
	struct artifact_file *files;
	size_t n;
};

/* SHA-256 of a file into hex[65]; 0, or -1 with why (cannot read, no
 * libcrypto). */
int artifacts_sha256(const char *path, char hex[65], char *why, size_t size);

/* Removes each declared path (recursively) so the next run starts equal. */
int artifacts_clear(char **paths, size_t n, char *why, size_t size);

/* Hashes every file under each declared path, copying it into keep_dir.
 * Returns 0, or -1 with why (a declared path missing after the run). */
int artifacts_collect(char **paths, size_t n, const char *keep_dir, struct artifact_set *out, char *why,
		      size_t size);

void artifacts_free(struct artifact_set *s);

#endif
