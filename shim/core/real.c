/*
 * Resolving the real libc functions without dlsym.
 *
 * dlsym(RTLD_NEXT, ...) is the usual way, but it allocates when a symbol is
 * missing (the dlerror buffer), and glibc's dynamic linker may call into the
 * allocator, which a program may have replaced with one that reads a clock —
 * which is us. So this file finds libc.so.6 with dl_iterate_phdr and looks the
 * names up in its GNU hash table directly, taking the default version of each
 * symbol (the one `nm -D` marks with @@) and running IFUNC resolvers the way
 * ld.so would. It never allocates and calls nothing that is interposed.
 *
 * The same walk remembers the path under which this library itself was loaded,
 * so that children whose environment was scrubbed can be given it back.
 */
#include "real.h"
#include "symbols.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <string.h>

struct nd_real nd_real;

struct elf_index {
	uintptr_t base;
	const ElfW(Sym) *symtab;
	const char *strtab;
	const uint32_t *gnu_hash;
	const ElfW(Half) *versym;
};

static struct elf_index libc;
static char self_path[4096];
uintptr_t nd_self_lo, nd_self_hi;
uintptr_t nd_libc_text_lo, nd_libc_text_hi;

static uintptr_t relocated(uintptr_t base, ElfW(Addr) ptr)
{
	/* ld.so rewrites these d_ptr values to absolute addresses in writable
	 * dynamic sections, but not in read-only ones: accept both. */
	return ptr < base ? base + ptr : ptr;
}

static int index_object(struct dl_phdr_info *info, struct elf_index *out)
{
	const ElfW(Dyn) *dyn = NULL;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const void *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	if (!dyn)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	out->base = info->dlpi_addr;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		uintptr_t p = relocated(out->base, dyn->d_un.d_ptr);
		switch (dyn->d_tag) {
		case DT_SYMTAB: out->symtab = (const void *)p; break;
		case DT_STRTAB: out->strtab = (const void *)p; break;
		case DT_GNU_HASH: out->gnu_hash = (const void *)p; break;
		case DT_VERSYM: out->versym = (const void *)p; break;
		}
	}
	return out->symtab && out->strtab && out->gnu_hash ? 0 : -ENOENT;
}

static int contains(struct dl_phdr_info *info, uintptr_t addr)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && addr >= lo && addr < lo + ph->p_memsz)
			return 1;
	}
	return 0;
}

static int visit(struct dl_phdr_info *info, size_t size, void *data)
{
	const char *name = info->dlpi_name ? info->dlpi_name : "";
	const char *slash = strrchr(name, '/');
	const char *base = slash ? slash + 1 : name;
	if (!libc.symtab && strncmp(base, "libc.so.", 8) == 0 && index_object(info, &libc) == 0)
		for (int i = 0; i < info->dlpi_phnum; i++) {
			const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
			if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
				nd_libc_text_lo = info->dlpi_addr + ph->p_vaddr;
				nd_libc_text_hi = nd_libc_text_lo + ph->p_memsz;
			}
		}
	if (!nd_self_hi && contains(info, (uintptr_t)&visit)) {
		if (strlen(name) < sizeof(self_path))
			strcpy(self_path, name);
		for (int i = 0; i < info->dlpi_phnum; i++) {
			const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
			uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
			if (ph->p_type != PT_LOAD)
				continue;
			if (!nd_self_lo || lo < nd_self_lo)
				nd_self_lo = lo;
			if (hi > nd_self_hi)
				nd_self_hi = hi;
		}
	}
	return 0;
}

static uint32_t gnu_hash(const char *s)
{
	uint32_t h = 5381;
	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

static void *lookup(const struct elf_index *o, const char *name)
{
	const uint32_t *ht = o->gnu_hash;
	uint32_t nbuckets = ht[0], symoffset = ht[1], bloom_size = ht[2];
	const ElfW(Addr) *bloom = (const void *)&ht[4];
	const uint32_t *buckets = (const void *)&bloom[bloom_size];
	const uint32_t *chain = &buckets[nbuckets];
	uint32_t h = gnu_hash(name);

	for (uint32_t i = buckets[h % nbuckets]; i >= symoffset; i++) {
		const ElfW(Sym) *sym = &o->symtab[i];
		uint32_t ch = chain[i - symoffset];
		if ((ch | 1) == (h | 1) && strcmp(o->strtab + sym->st_name, name) == 0 &&
		    sym->st_shndx != SHN_UNDEF && !(o->versym && (o->versym[i] & 0x8000))) {
			void *addr = (void *)(o->base + sym->st_value);
			if (ELF64_ST_TYPE(sym->st_info) == STT_GNU_IFUNC)
				addr = ((void *(*)(void))addr)();
			return addr;
		}
		if (ch & 1)
			break;
	}
	return NULL;
}

int nd_real_resolve(const char **missing)
{
	dl_iterate_phdr(visit, NULL);
	if (!libc.symtab) {
		*missing = "libc.so.6";
		return -ENOENT;
	}
#define ND_REAL_RESOLVE(ret, name, params)                          \
	nd_real.name = (ret(*) params)lookup(&libc, #name);         \
	if (!nd_real.name) {                                         \
		*missing = #name;                                    \
		return -ENOENT;                                      \
	}
	ND_REAL_LIST(ND_REAL_RESOLVE)
#undef ND_REAL_RESOLVE
	return 0;
}

/* real.h's list is a subset of symbols.def: a real function the shim keeps
 * is the original of one it interposes. A name missing from symbols.def has
 * no ND_SYM_ constant, and this does not compile. */
#define ND_REAL_IS_INTERPOSED(ret, name, args) (void)ND_SYM_##name;
static inline void real_list_is_interposed(void)
{
	ND_REAL_LIST(ND_REAL_IS_INTERPOSED)
}
#undef ND_REAL_IS_INTERPOSED

const char *nd_real_self_path(void)
{
	return self_path;
}
