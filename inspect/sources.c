/* Source classification for audit and inspect; see sources.h. */
#include "sources.h"

#include <string.h>

static const struct {
	const char *name, *family;
} interposed[] = {
#define ND_SYMBOL(name, family, header) { #name, #family },
#include "symbols.def"
#undef ND_SYMBOL
};

static const struct {
	const char *name, *family;
	enum sources_class cls;
} others[] = {
	{ "getpid", "identity", SOURCES_REPORTED },
	{ "getppid", "identity", SOURCES_REPORTED },
	{ "gettid", "identity", SOURCES_REPORTED },
	{ "gethostname", "identity", SOURCES_REPORTED },
	{ "uname", "identity", SOURCES_REPORTED },
	{ "socket", "external", SOURCES_REPORTED },
	{ "connect", "external", SOURCES_REPORTED },
	{ "accept", "external", SOURCES_REPORTED },
	{ "accept4", "external", SOURCES_REPORTED },
	{ "recv", "external", SOURCES_REPORTED },
	{ "recvfrom", "external", SOURCES_REPORTED },
	{ "recvmsg", "external", SOURCES_REPORTED },
};

/* Families whose interposed symbols are sources in their own right (not
 * bookkeeping like close or dup). */
static int source_family(const char *f)
{
	return !strcmp(f, "entropy") || !strcmp(f, "prng") || !strcmp(f, "clock") || !strcmp(f, "sleep") ||
	       !strcmp(f, "wait") || !strcmp(f, "cpu") || !strcmp(f, "thread") || !strcmp(f, "tempname") ||
	       !strcmp(f, "settime");
}

enum sources_class sources_classify(const char *symbol, const char **family)
{
	for (size_t i = 0; i < sizeof(interposed) / sizeof(interposed[0]); i++)
		if (!strcmp(symbol, interposed[i].name)) {
			*family = interposed[i].family;
			if (!strcmp(*family, "identity") || !strcmp(*family, "external"))
				return SOURCES_REPORTED;
			return source_family(interposed[i].family) ? SOURCES_CONTROLLED : SOURCES_NONE;
		}
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (!strcmp(symbol, others[i].name)) {
			*family = others[i].family;
			return others[i].cls;
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
