/*
 * Where an address lies, from /proc/self/maps read with raw system calls:
 * async-signal-safe, unlike dl_iterate_phdr (which takes the loader's lock),
 * so the log can be written from a signal handler.
 */
#ifndef ND_MAPS_H
#define ND_MAPS_H

#include <stddef.h>
#include <stdint.h>

/* Reads the map into a static buffer; 0, or -1 when it cannot be read. */
int nd_maps_load(void);

/* The file mapped at addr and the offset in that file; 0, or -1 when addr
 * is not in a file mapping. path is not NUL-terminated: use len. */
int nd_maps_locate(uintptr_t addr, const char **path, size_t *len, uint64_t *file_offset);

/* Calls each() once per distinct file mapped executable. */
void nd_maps_objects(void (*each)(const char *path, size_t len, void *ctx), void *ctx);

#endif
