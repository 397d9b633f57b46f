/*
 * Which library functions are sources of nondeterminism, and whether the shim
 * controls them: the symbols of shim/core/symbols.def, classed by their
 * family in shim/core/families.def.
 */
#ifndef ND_SOURCES_H
#define ND_SOURCES_H

enum sources_class {
	SOURCES_NONE,       /* not a source */
	SOURCES_CONTROLLED, /* interposed and served by the shim */
	SOURCES_REPORTED,   /* a source the shim passes through and reports (identity, network) */
	SOURCES_UNCOVERED,  /* a source the shim does not reach yet: degrades a verdict */
};

enum sources_class sources_classify(const char *symbol, const char **family);

/* Controlled system call numbers that an inline `syscall` would bypass. */
const char *sources_syscall_name(int nr);

#include "object.h"

/* Whether nodice, with its default traps and switches, serves or prevents
 * the instruction at s in object o (path's base name in name): rdtsc and
 * rdtscp are trapped; inline syscalls are dispatched outside libc; RDRAND
 * and RDSEED are never run when only std::random_device reaches them (it is
 * replaced) or when they are OpenSSL's (OPENSSL_ia32cap masks them). */
int sources_instruction_covered(const struct object *o, const struct object_refs *refs, const char *name,
				const struct object_site *s);

#endif
