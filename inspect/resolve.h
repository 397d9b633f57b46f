/*
 * Finding a DT_NEEDED library the way glibc's ld.so does, without running it.
 */
#ifndef ND_RESOLVE_H
#define ND_RESOLVE_H

#include <stddef.h>

#include "object.h"

/* Resolves `name` needed by `loader` (its RPATH/RUNPATH and $ORIGIN), with
 * the executable `exe` (its RPATH applies too when the loader has no
 * RUNPATH). Order: names with a slash as given; RPATH of the loader then of
 * the executable (only without RUNPATH); LD_LIBRARY_PATH; RUNPATH;
 * /etc/ld.so.cache; the default directories. A candidate must be an ELF of
 * the same class and machine. Returns 0 with the path in out, or -1. */
int resolve_needed(const char *name, const struct object *loader, const struct object *exe,
		   const char *cache_path, char *out, size_t size);

/* Looks name up in an ld.so.cache file (new format). 0 and the path, or -1. */
int resolve_cache(const char *cache_path, const char *name, char *out, size_t size);

#endif
