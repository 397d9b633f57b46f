/*
 * What an object's code refers to, and the scan for the instructions nodice
 * looks for (RDTSC, RDRAND, SYSCALL, CPUID...). The scanner walks each
 * executable section linearly with the x86-64 length decoder (x86.c) and
 * realigns at every known function start, so a stray byte sequence inside
 * an instruction (0F 31 in an immediate, say) is never taken for an
 * instruction. References (calls and jumps with a direct target) let a
 * report say which function a site is reached from.
 */
#include "object.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	size_t lo = object_starting_by(o, vaddr);
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
			return object_elf_failure(why, size, "cannot read section headers");
		}
		if (sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR))
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data) {
			free(sites);
			return object_elf_failure(why, size, "corrupt executable section");
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
