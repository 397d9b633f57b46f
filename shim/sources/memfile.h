/*
 * Files the shim answers itself (memfile.c): a memory file (memfd) written
 * on open, so every reader — read, stdio, mmap, a runtime's own parser —
 * sees the same bytes. cpufiles.c and procclock.c write them.
 */
#ifndef ND_MEMFILE_H
#define ND_MEMFILE_H

#include <stddef.h>
#include <stdint.h>

struct nd_memfile {
	int fd;
	char buf[4096];
	size_t n;
};

/* A new memory file for a read-only open with `flags` (its O_CLOEXEC);
 * -errno when none can be made. */
int nd_memfile_open(const char *name, int flags, struct nd_memfile *o);
void nd_memfile_put(struct nd_memfile *o, const char *s, size_t len);
void nd_memfile_puts(struct nd_memfile *o, const char *s);
void nd_memfile_putu(struct nd_memfile *o, uint64_t v);
/* v / 10^decimals with that many decimals: 1234, 2 gives "12.34". */
void nd_memfile_putfixed(struct nd_memfile *o, uint64_t v, int decimals);
/* Writes what is buffered and rewinds: the descriptor is ready to read. */
int nd_memfile_done(struct nd_memfile *o);

/* Whether `path`, opened with `flags`, is a file the shim answers: 0 when
 * not, else 1 with *fd a descriptor reading it or -errno (never the real
 * file then). Read-only opens by absolute path only. */
int nd_virtual_file_open(const char *path, int flags, int *fd);

#endif
