/* Source classification for audit and inspect; see sources.h. */
#include "sources.h"
#include "families.h"

#include <string.h>

static const struct {
	const char *name;
	enum nd_family family;
} interposed[] = {
#define ND_SYMBOL(name, family, header) { #name, ND_FAM_##family },
#include "symbols.def"
#undef ND_SYMBOL
};

static enum sources_class class_of(enum nd_family f)
{
	switch (nd_families[f].audit) {
	case ND_AUDIT_SOURCE: return SOURCES_CONTROLLED;
	case ND_AUDIT_REPORTED: return SOURCES_REPORTED;
	case ND_AUDIT_NONE: break;
	}
	return SOURCES_NONE;
}

enum sources_class sources_classify(const char *symbol, const char **family)
{
	for (size_t i = 0; i < sizeof(interposed) / sizeof(interposed[0]); i++)
		if (!strcmp(symbol, interposed[i].name)) {
			*family = nd_families[interposed[i].family].name;
			return class_of(interposed[i].family);
		}
	*family = NULL;
	return SOURCES_NONE;
}

const char *sources_syscall_name(int nr)
{
	switch (nr) {
	case 35: return "nanosleep";
	case 96: return "gettimeofday";
	case 201: return "time";
	case 204: return "sched_getaffinity";
	case 228: return "clock_gettime";
	case 229: return "clock_getres";
	case 230: return "clock_nanosleep";
	case 309: return "getcpu";
	case 318: return "getrandom";
	}
	return NULL;
}

int sources_instruction_covered(const struct object *o, const struct object_refs *refs, const char *name,
				const struct object_site *s)
{
	static const char *const random_device[] = { "_ZNSt13random_device", "_ZNKSt13random_device", NULL };
	switch (s->kind) {
	case X86_RDTSC:
	case X86_RDTSCP:
		return 1;
	case X86_SYSCALL:
		return strncmp(name, "libc.so", 7) != 0;
	case X86_RDRAND:
	case X86_RDSEED:
		return !strncmp(name, "libcrypto.so", 12) || object_used_only_by(o, refs, s->vaddr, random_device);
	default:
		return 0;
	}
}
