/*
 * The interposed symbols of symbols.def as an enum: ND_SYM_<name> indexes
 * the log's counters and names (log.h), and real.c checks against it that
 * every real function it resolves is one the shim interposes.
 */
#ifndef ND_SYMBOLS_H
#define ND_SYMBOLS_H

enum nd_sym {
#define ND_SYMBOL(name, family, header) ND_SYM_##name,
#include "symbols.def"
#undef ND_SYMBOL
	ND_SYM_COUNT
};

#endif
