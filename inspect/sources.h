/*
 * Which library functions are sources of nondeterminism, and whether the shim
 * controls them. The controlled ones are read from shim/symbols.def, the one
 * list of interposed symbols; the rest are written here.
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

#endif
