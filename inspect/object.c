/*
 * ELF objects through libelf. Every libelf failure becomes a one-line reason
 * for the caller to print; nothing here prints or exits. Symbols come from
 * .symtab when present, else .dynsym; C++ names are demangled with the
 * C++ runtime's __cxa_demangle. The scan of their code is object_scan.c.
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

int object_elf_failure(char *why, size_t size, const char *what)
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
		return object_elf_failure(why, size, "cannot read");
	if (elf_kind(o->elf) != ELF_K_ELF) {
		snprintf(why, size, "not an ELF file");
		return -1;
	}
	GElf_Ehdr eh;
	if (!gelf_getehdr(o->elf, &eh))
		return object_elf_failure(why, size, "cannot read ELF header");
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
		return object_elf_failure(why, size, "cannot read program headers");
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(o->elf, (int)i, &ph))
			return object_elf_failure(why, size, "cannot read program headers");
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
		return object_elf_failure(why, size, "cannot read section headers");
	Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL;
	GElf_Shdr symtab_sh, dynsym_sh;
	while ((scn = elf_nextscn(o->elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			return object_elf_failure(why, size, "cannot read section headers");
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
			return object_elf_failure(why, size, "corrupt dynamic section");
		}
	}
	if (dynsym && read_symbols(o, dynsym, &dynsym_sh, !symtab, 1) < 0)
		return object_elf_failure(why, size, "corrupt dynamic symbol table");
	if (symtab && read_symbols(o, symtab, &symtab_sh, 1, 0) < 0)
		return object_elf_failure(why, size, "corrupt symbol table");
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

size_t object_starting_by(const struct object *o, uint64_t vaddr)
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
	size_t lo = object_starting_by(o, vaddr);
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
