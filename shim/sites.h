/*
 * Call sites: which code reached each interposed symbol, and how often.
 *
 * With the event log on, every served or passed call is counted per
 * (symbol, calling address) in a fixed open-addressing table, so a hot clock
 * read costs a hash probe and an add, never a write. The first time a site is
 * seen, a short stack is captured with libunwind for context. Addresses are
 * turned into (object, offset) when the log is flushed, and into function
 * names offline by `nodice inspect` (libelf), so the shim never symbolizes.
 *
 * The calling address is the first return address outside this library:
 * the shim is built with frame pointers, so the walk through its own frames
 * (an interposer calling a helper or another interposer) is exact, and it
 * stops at the first foreign frame without ever reading one.
 */
#ifndef ND_SITES_H
#define ND_SITES_H

#include <stdint.h>

#include "real.h"

extern int nd_sites_on;

static inline int nd_in_self(const void *addr)
{
	return (uintptr_t)addr >= nd_self_lo && (uintptr_t)addr < nd_self_hi;
}

__attribute__((always_inline)) static inline void *nd_caller(void)
{
	void **fp = __builtin_frame_address(0);
	void *ra = __builtin_return_address(0);
	for (int i = 0; i < 8 && nd_in_self(ra) && fp; i++) {
		fp = (void **)fp[0];
		if (!fp)
			break;
		ra = fp[1];
	}
	return ra;
}

void nd_site_note(int sym, void *caller);

/* Writes one "site" record per site to fd (log.c calls it at flush). */
void nd_sites_flush(int fd, void (*line)(int fd, const char *text, long len));
void nd_sites_reset(void);

#endif
