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

#include "count.h"
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

/* Each thread remembers the site entry it used last; once that site has
 * taken its full stacks ("hot"), a call from the same place is one add. */
struct nd_site_cache {
	uint64_t caller;
	int sym;
	uint32_t gen;
	int hot;
	void *site;
	uint64_t *count;
};
extern __thread struct nd_site_cache nd_sites_last __attribute__((tls_model("initial-exec")));
extern uint32_t nd_sites_gen;

/* Added to the symbol for a call passed through to libc. */
#define ND_SITE_PASSED 0x8000

void nd_site_note_slow(int sym, void *caller);

static inline void nd_site_note(int sym, void *caller)
{
	struct nd_site_cache *c = &nd_sites_last;
	/* Calls made while a stack is being taken come from libunwind's own call
	 * sites, never the cached one, so the slow path's guard suffices. */
	if (__builtin_expect(c->hot && c->caller == (uint64_t)(uintptr_t)caller && c->sym == sym &&
				     c->gen == __atomic_load_n(&nd_sites_gen, __ATOMIC_RELAXED),
			     1)) {
		nd_add(c->count, 1);
		return;
	}
	nd_site_note_slow(sym, caller);
}

/* Loads libunwind when the log is on (from the constructor: dlopen is not
 * safe where an interposed call may come from). */
void nd_sites_start(void);

/* Adds every site's calls to nd_counters (log.c calls it before writing). */
void nd_sites_fold(void);

/* Writes one "site" record per site to fd (log.c calls it at flush). */
void nd_sites_flush(int fd, void (*line)(int fd, const char *text, long len));
void nd_sites_reset(void);

#endif
