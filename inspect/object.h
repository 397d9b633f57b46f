/*
 * An ELF object as nodice reads it (libelf, nothing executed): its kind, its
 * function symbols, its dynamic section, and a scanner for the instructions
 * that reach nondeterminism without calling libc.
 */
#ifndef ND_OBJECT_H
#define ND_OBJECT_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "x86.h"

struct object_func {
	uint64_t start, size;
	const char *name; /* in the object's string table, mangled */
};

struct object {
	char path[4096];
	int fd;
	Elf *elf;
	int class64;            /* ELFCLASS64 */
	int machine;            /* EM_* */
	int type;               /* ET_EXEC, ET_DYN, ... */
	int has_interp;
	char interp[256];
	int has_dynamic;
	int is_go;
	mode_t mode;
	struct object_func *funcs; /* sorted by start */
	size_t nfuncs;
	char **needed;          /* DT_NEEDED */
	size_t nneeded;
	char runpath[4096], rpath[4096], soname[256];
	char **imports;         /* undefined dynamic symbols */
	size_t nimports;
};

/* Opens and indexes path. Returns 0, or -1 with a one-line reason in why
 * ("not an ELF file", "cannot read section headers: ..."). */
int object_open(const char *path, struct object *o, char *why, size_t size);
void object_close(struct object *o);

/* The virtual address that file offset `off` is loaded at, or 0. */
uint64_t object_vaddr_of(const struct object *o, uint64_t off);

/* The function containing vaddr (demangled into buf), or NULL. */
const char *object_function(const struct object *o, uint64_t vaddr, char *buf, size_t size);
/* How many functions start at or before vaddr (funcs are sorted by start). */
size_t object_starting_by(const struct object *o, uint64_t vaddr);
/* Writes "what: libelf's last error" to why; returns -1. */
int object_elf_failure(char *why, size_t size, const char *what);

struct object_site {
	enum x86_kind kind;
	uint64_t vaddr;
	int sysno; /* for X86_SYSCALL: the number when a preceding mov shows it, else -1 */
};

/* Names the code at vaddr: its function, or for code no symbol covers, the
 * named functions that call or take the address of the nearest referenced
 * point before it ("an unnamed function used by F, G"). refs come from
 * object_scan. */
struct object_refs;
const char *object_describe(const struct object *o, const struct object_refs *refs, uint64_t vaddr,
			    char *buf, size_t size);
void object_refs_free(struct object_refs *refs);

/* 1 when the unnamed code at vaddr is referenced, and only by functions whose
 * mangled names start with one of the prefixes (NULL-terminated). */
int object_used_only_by(const struct object *o, const struct object_refs *refs, uint64_t vaddr,
			const char *const prefixes[]);

/* Calls found() for every interesting instruction in executable sections.
 * Returns the number found, or -1 with why on a corrupt section. */
long object_scan(const struct object *o, void (*found)(const struct object_site *s, void *ctx),
		 void *ctx, struct object_refs **refs, char *why, size_t size);

/* Demangles a C++ name into buf (returns name unchanged when it is not one). */
const char *object_demangle(const char *name, char *buf, size_t size);

#endif
