/*
 * ELF objects through libelf. Every libelf failure becomes a one-line reason
 * for the caller to print; nothing here prints or exits. Symbols come from
 * .symtab when present, else .dynsym; C++ names are demangled with the
 * C++ runtime's __cxa_demangle.
 *
 * The scanner walks each executable section linearly with the x86-64 length
 * decoder (x86.c) and realigns at every known function start, so a stray
 * byte sequence inside an instruction (0F 31 in an immediate, say) is never
 * taken for an instruction.
 */
#include "object.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The C++ runtime's demangler, loaded on first use: `nodice run` must not
 * pay for libstdc++ at start-up. */
typedef char *demangle_fn(const char *mangled, char *out, size_t *len, int *status);

static demangle_fn *demangler(void)
{
	static demangle_fn *fn;
	static int tried;
	if (!tried) {
		tried = 1;
		void *h = dlopen("libstdc++.so.6", RTLD_NOW | RTLD_LOCAL);
		if (h)
			fn = (demangle_fn *)dlsym(h, "__cxa_demangle");
	}
	return fn;
}

static int fail(char *why, size_t size, const char *what)
{
	snprintf(why, size, "%s: %s", what, elf_errmsg(-1));
	return -1;
}

static int by_start(const void *a, const void *b)
{
	const struct object_func *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static char *dup_str(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		abort();
	return d;
}

static void push(char ***list, size_t *n, const char *s)
{
	*list = realloc(*list, (*n + 1) * sizeof(char *));
	if (!*list)
		abort();
	(*list)[(*n)++] = dup_str(s);
}

/* Reads the function symbols of one symbol table; returns -1 when corrupt. */
static int read_symbols(struct object *o, Elf_Scn *scn, GElf_Shdr *sh, int want_funcs, int want_imports)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	if (!data || !sh->sh_entsize)
		return data ? 0 : -1;
	size_t n = sh->sh_size / sh->sh_entsize;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(data, (int)i, &sym))
			return -1;
		const char *name = elf_strptr(o->elf, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		int type = GELF_ST_TYPE(sym.st_info);
		if (want_imports && sym.st_shndx == SHN_UNDEF && type != STT_SECTION &&
		    GELF_ST_BIND(sym.st_info) != STB_LOCAL)
			push(&o->imports, &o->nimports, name);
		if (want_funcs && sym.st_shndx != SHN_UNDEF && (type == STT_FUNC || type == STT_GNU_IFUNC) &&
		    sym.st_value) {
			o->funcs = realloc(o->funcs, (o->nfuncs + 1) * sizeof(*o->funcs));
			if (!o->funcs)
				abort();
			o->funcs[o->nfuncs++] = (struct object_func){ sym.st_value, sym.st_size, name };
		}
		if (strcmp(name, "runtime.main") == 0)
			o->is_go = 1;
	}
	return 0;
}

static int read_dynamic(struct object *o, Elf_Scn *scn, GElf_Shdr *sh)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	if (!data)
		return -1;
	o->has_dynamic = 1;
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Dyn dyn;
		if (!gelf_getdyn(data, (int)i, &dyn))
			return -1;
		if (dyn.d_tag == DT_NULL)
			break;
		const char *s = NULL;
		if (dyn.d_tag == DT_NEEDED || dyn.d_tag == DT_RUNPATH || dyn.d_tag == DT_RPATH ||
		    dyn.d_tag == DT_SONAME) {
			s = elf_strptr(o->elf, sh->sh_link, dyn.d_un.d_val);
			if (!s)
				return -1;
		}
		if (dyn.d_tag == DT_NEEDED)
			push(&o->needed, &o->nneeded, s);
		else if (dyn.d_tag == DT_RUNPATH)
			snprintf(o->runpath, sizeof(o->runpath), "%s", s);
		else if (dyn.d_tag == DT_RPATH)
			snprintf(o->rpath, sizeof(o->rpath), "%s", s);
		else if (dyn.d_tag == DT_SONAME)
			snprintf(o->soname, sizeof(o->soname), "%s", s);
	}
	return 0;
}

int object_open(const char *path, struct object *o, char *why, size_t size)
{
	memset(o, 0, sizeof(*o));
	o->fd = -1;
	snprintf(o->path, sizeof(o->path), "%s", path);
	struct stat st;
	if (stat(path, &st) < 0) {
		snprintf(why, size, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(why, size, "is a directory");
		return -1;
	}
	o->mode = st.st_mode;
	if ((o->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(why, size, "cannot open: %s", strerror(errno));
		return -1;
	}
	elf_version(EV_CURRENT);
	o->elf = elf_begin(o->fd, ELF_C_READ_MMAP, NULL);
	if (!o->elf)
		return fail(why, size, "cannot read");
	if (elf_kind(o->elf) != ELF_K_ELF) {
		snprintf(why, size, "not an ELF file");
		return -1;
	}
	GElf_Ehdr eh;
	if (!gelf_getehdr(o->elf, &eh))
		return fail(why, size, "cannot read ELF header");
	/* libelf reports a table past the end of the file as "no table"; a
	 * truncated file must be an error, not a static executable. */
	uint64_t end = (uint64_t)st.st_size;
	if ((eh.e_phnum && (eh.e_phoff > end || (uint64_t)eh.e_phnum * eh.e_phentsize > end - eh.e_phoff)) ||
	    (eh.e_shnum && (eh.e_shoff > end || (uint64_t)eh.e_shnum * eh.e_shentsize > end - eh.e_shoff)) ||
	    (!eh.e_shnum && eh.e_shoff)) {
		snprintf(why, size, "truncated or corrupt: program or section header table past the end of the file");
		return -1;
	}
	o->class64 = gelf_getclass(o->elf) == ELFCLASS64;
	o->machine = eh.e_machine;
	o->type = eh.e_type;

	size_t nph;
	if (elf_getphdrnum(o->elf, &nph) < 0)
		return fail(why, size, "cannot read program headers");
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(o->elf, (int)i, &ph))
			return fail(why, size, "cannot read program headers");
		if (ph.p_type == PT_INTERP) {
			o->has_interp = 1;
			size_t len;
			const char *raw = elf_rawfile(o->elf, &len);
			if (raw && ph.p_offset < len && ph.p_filesz > 0) {
				size_t n = ph.p_filesz < sizeof(o->interp) ? ph.p_filesz : sizeof(o->interp) - 1;
				if (ph.p_offset + n > len)
					n = len - ph.p_offset;
				memcpy(o->interp, raw + ph.p_offset, n);
				o->interp[n < sizeof(o->interp) ? n : sizeof(o->interp) - 1] = 0;
			}
		}
	}

	size_t shstrndx;
	if (elf_getshdrstrndx(o->elf, &shstrndx) < 0)
		return fail(why, size, "cannot read section headers");
	Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL;
	GElf_Shdr symtab_sh, dynsym_sh;
	while ((scn = elf_nextscn(o->elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			return fail(why, size, "cannot read section headers");
		const char *name = elf_strptr(o->elf, shstrndx, sh.sh_name);
		if (name && (!strcmp(name, ".go.buildinfo") || !strcmp(name, ".note.go.buildid")))
			o->is_go = 1;
		if (sh.sh_type == SHT_SYMTAB) {
			symtab = scn;
			symtab_sh = sh;
		} else if (sh.sh_type == SHT_DYNSYM) {
			dynsym = scn;
			dynsym_sh = sh;
		} else if (sh.sh_type == SHT_DYNAMIC && read_dynamic(o, scn, &sh) < 0) {
			return fail(why, size, "corrupt dynamic section");
		}
	}
	if (dynsym && read_symbols(o, dynsym, &dynsym_sh, !symtab, 1) < 0)
		return fail(why, size, "corrupt dynamic symbol table");
	if (symtab && read_symbols(o, symtab, &symtab_sh, 1, 0) < 0)
		return fail(why, size, "corrupt symbol table");
	if (o->nfuncs)
		qsort(o->funcs, o->nfuncs, sizeof(*o->funcs), by_start);
	return 0;
}

void object_close(struct object *o)
{
	for (size_t i = 0; i < o->nneeded; i++)
		free(o->needed[i]);
	for (size_t i = 0; i < o->nimports; i++)
		free(o->imports[i]);
	free(o->needed);
	free(o->imports);
	free(o->funcs);
	if (o->elf)
		elf_end(o->elf);
	if (o->fd >= 0)
		close(o->fd);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}

uint64_t object_vaddr_of(const struct object *o, uint64_t off)
{
	size_t nph;
	if (elf_getphdrnum(o->elf, &nph) < 0)
		return 0;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(o->elf, (int)i, &ph) && ph.p_type == PT_LOAD && off >= ph.p_offset &&
		    off < ph.p_offset + ph.p_filesz)
			return off - ph.p_offset + ph.p_vaddr;
	}
	return 0;
}

const char *object_demangle(const char *name, char *buf, size_t size)
{
	if (strncmp(name, "_Z", 2) != 0)
		return name;
	int status = 0;
	demangle_fn *fn = demangler();
	char *d = fn ? fn(name, NULL, NULL, &status) : NULL;
	if (!d || status != 0)
		return name;
	snprintf(buf, size, "%s", d);
	free(d);
	return buf;
}

/* How many functions start at or before vaddr (funcs are sorted by start). */
static size_t starting_by(const struct object *o, uint64_t vaddr)
{
	size_t lo = 0, hi = o->nfuncs;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (o->funcs[mid].start <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const char *object_function(const struct object *o, uint64_t vaddr, char *buf, size_t size)
{
	size_t lo = starting_by(o, vaddr);
	/* lo-1 is the last function starting at or before vaddr; prefer one that contains it. */
	for (size_t k = lo; k-- > 0 && k + 8 >= lo;) {
		const struct object_func *f = &o->funcs[k];
		if (vaddr >= f->start && (vaddr < f->start + f->size || (!f->size && k + 1 == lo)))
			return object_demangle(f->name, buf, size);
	}
	if (lo == 0)
		return NULL;
	/* A local function the symbol tables do not name: say where it lies. */
	char name[1024];
	const struct object_func *f = &o->funcs[lo - 1];
	snprintf(buf, size, "an unnamed function after %s",
		 object_demangle(f->name, name, sizeof(name)));
	return buf;
}

/* References into code that no symbol covers: target -> referencing function. */
struct object_ref {
	uint64_t target;
	uint32_t from; /* index into funcs */
};

struct object_refs {
	struct object_ref *v;
	size_t n, cap;
};

static int by_target(const void *a, const void *b)
{
	const struct object_ref *x = a, *y = b;
	return x->target < y->target ? -1 : x->target > y->target ? 1 : (x->from > y->from) - (x->from < y->from);
}

/* Index of the function containing vaddr, or -1. */
static long containing(const struct object *o, uint64_t vaddr)
{
	size_t lo = starting_by(o, vaddr);
	for (size_t k = lo; k-- > 0 && k + 8 >= lo;)
		if (vaddr >= o->funcs[k].start && vaddr < o->funcs[k].start + o->funcs[k].size)
			return (long)k;
	return -1;
}

static void note_ref(const struct object *o, struct object_refs *r, uint64_t target, long from)
{
	if (from < 0 || containing(o, target) >= 0)
		return;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 256;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		if (!r->v)
			abort();
	}
	r->v[r->n++] = (struct object_ref){ target, (uint32_t)from };
}

void object_refs_free(struct object_refs *refs)
{
	if (refs) {
		free(refs->v);
		free(refs);
	}
}

/* The reference with the highest target at or before vaddr that is not
 * below the end of the previous named function: where the unnamed code
 * containing vaddr most likely starts. refs->n (or 0 without refs) if none. */
static size_t nearest_reference(const struct object *o, const struct object_refs *refs, uint64_t vaddr)
{
	if (!refs)
		return 0;
	uint64_t floor = 0;
	for (size_t i = 0; i < o->nfuncs && o->funcs[i].start <= vaddr; i++)
		if (o->funcs[i].start + o->funcs[i].size <= vaddr && o->funcs[i].start + o->funcs[i].size > floor)
			floor = o->funcs[i].start + o->funcs[i].size;
	size_t best = refs->n;
	for (size_t i = 0; i < refs->n; i++)
		if (refs->v[i].target <= vaddr && refs->v[i].target >= floor &&
		    (best == refs->n || refs->v[i].target > refs->v[best].target))
			best = i;
	return best;
}

const char *object_describe(const struct object *o, const struct object_refs *refs, uint64_t vaddr,
			    char *buf, size_t size)
{
	long k = containing(o, vaddr);
	if (k >= 0)
		return object_demangle(o->funcs[k].name, buf, size);
	size_t best = nearest_reference(o, refs, vaddr);
	if (best == (refs ? refs->n : 0))
		return object_function(o, vaddr, buf, size);
	size_t len = (size_t)snprintf(buf, size, "an unnamed function used by ");
	int named = 0, more = 0;
	uint32_t last = UINT32_MAX;
	for (size_t i = 0; i < refs->n && len < size; i++) {
		if (refs->v[i].target != refs->v[best].target || refs->v[i].from == last)
			continue;
		last = refs->v[i].from;
		if (named == 3) {
			more++;
			continue;
		}
		char name[1024];
		len += (size_t)snprintf(buf + len, size - len, "%s%s", named++ ? ", " : "",
					object_demangle(o->funcs[last].name, name, sizeof(name)));
	}
	if (more && len < size)
		snprintf(buf + len, size - len, " and %d more", more);
	return buf;
}

int object_used_only_by(const struct object *o, const struct object_refs *refs, uint64_t vaddr,
			const char *const prefixes[])
{
	if (!refs || containing(o, vaddr) >= 0)
		return 0;
	size_t best = nearest_reference(o, refs, vaddr);
	if (best == refs->n)
		return 0;
	for (size_t i = 0; i < refs->n; i++) {
		if (refs->v[i].target != refs->v[best].target)
			continue;
		const char *name = o->funcs[refs->v[i].from].name;
		int ok = 0;
		for (int k = 0; prefixes[k]; k++)
			ok |= !strncmp(name, prefixes[k], strlen(prefixes[k]));
		if (!ok)
			return 0;
	}
	return 1;
}

/* Sorted, distinct function starts inside [lo, hi). */
static size_t starts_in(const struct object *o, uint64_t lo, uint64_t hi, uint64_t **out)
{
	size_t n = 0;
	*out = malloc((o->nfuncs + 1) * sizeof(uint64_t));
	if (!*out)
		abort();
	for (size_t i = 0; i < o->nfuncs; i++) {
		uint64_t s = o->funcs[i].start;
		if (s >= lo && s < hi && (!n || (*out)[n - 1] != s))
			(*out)[n++] = s;
	}
	return n;
}

long object_scan(const struct object *o, void (*found)(const struct object_site *s, void *ctx),
		 void *ctx, struct object_refs **refs_out, char *why, size_t size)
{
	struct object_refs *refs = calloc(1, sizeof(*refs));
	if (!refs)
		abort();
	*refs_out = refs;
	if (o->machine != EM_X86_64)
		return 0;
	long total = 0;
	struct object_site *sites = NULL;
	size_t nsites = 0;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(o->elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh)) {
			free(sites);
			return fail(why, size, "cannot read section headers");
		}
		if (sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR))
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data) {
			free(sites);
			return fail(why, size, "corrupt executable section");
		}
		if (!data->d_buf || data->d_size > sh.sh_size)
			continue;
		const uint8_t *code = data->d_buf;
		size_t len = data->d_size, next = 0;
		uint64_t *starts;
		size_t nstarts = starts_in(o, sh.sh_addr, sh.sh_addr + len, &starts);
		int last_eax = -1, since_mov = 99;
		long current = -1;
		for (size_t pos = 0; pos < len;) {
			uint64_t va = sh.sh_addr + pos;
			while (next < nstarts && starts[next] < va)
				next++;
			if (next < nstarts && starts[next] == va) {
				next++;
				last_eax = -1;
				current = containing(o, va);
			} else if (current >= 0 && va >= o->funcs[current].start + o->funcs[current].size) {
				current = -1;
			}
			struct x86_insn in = x86_decode(code + pos, len - pos);
			if (in.has_target)
				note_ref(o, refs, va + (uint64_t)in.target, current);
			if (in.imm_eax >= 0) {
				last_eax = in.imm_eax;
				since_mov = 0;
			} else if (++since_mov > 6) {
				last_eax = -1;
			}
			if (in.kind != X86_OTHER) {
				sites = realloc(sites, (nsites + 1) * sizeof(*sites));
				if (!sites)
					abort();
				sites[nsites++] = (struct object_site){ in.kind, va,
									in.kind == X86_SYSCALL ? last_eax : -1 };
			}
			/* An instruction that runs over a known function start was data or a
			 * misdecode: resume at the function start. */
			if (next < nstarts && starts[next] < va + in.len)
				pos = starts[next] - sh.sh_addr;
			else
				pos += in.len;
		}
		free(starts);
	}
	/* Sites are reported once every reference is known, so unnamed code can
	 * be described by who uses it. */
	if (refs->n)
		qsort(refs->v, refs->n, sizeof(*refs->v), by_target);
	for (size_t i = 0; i < nsites; i++, total++)
		found(&sites[i], ctx);
	free(sites);
	return total;
}
