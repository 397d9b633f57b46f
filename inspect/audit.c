/*
 * `nodice audit [--json] FILE...`: reads each file and the closure of
 * libraries it needs (resolved as ld.so would, resolve.c) with libelf, runs
 * nothing, and gives each object a verdict:
 *
 *   not-coverable  the shim can never load there: statically linked,
 *                  set-user/group-ID, 32-bit or not x86-64, or Go (whose
 *                  runtime makes system calls itself);
 *   partial        it loads, but something remains: RDRAND/RDSEED outside
 *                  std::random_device (no CPUID faulting here), inline
 *                  system calls to controlled sources inside libc (syscall
 *                  dispatch allows libc's range), imports of sources the
 *                  shim does not reach;
 *   covered        every source it can reach goes through the shim.
 *
 * Exit: 0, 1 when an object is not-coverable, 2 usage, 3 when a file cannot
 * be read as ELF (one line each, the others are still audited).
 */
#include "audit.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "object.h"
#include "resolve.h"
#include "sources.h"

#define LD_CACHE "/etc/ld.so.cache"

struct finding {
	const char *kind;
	char function[512];
	uint64_t offset;
	int sysno;
	int degrades;
};

struct audited {
	char path[4096];
	const char *linkage;
	const char *verdict;
	char reason[512];
	struct finding *findings;
	size_t nfindings;
	size_t other_syscalls;
	json_object *needed;
	char controlled[4096];
};

struct scan_ctx {
	struct object *o;
	struct audited *a;
	struct object_refs **refs;
};

static void add(struct audited *a, struct finding f)
{
	a->findings = realloc(a->findings, (a->nfindings + 1) * sizeof(f));
	if (!a->findings)
		abort();
	a->findings[a->nfindings++] = f;
}

static void on_site(const struct object_site *s, void *data)
{
	struct scan_ctx *c = data;
	struct finding f = { x86_kind_name(s->kind), "", s->vaddr, s->sysno, 0 };
	if (s->kind == X86_SYSCALL && !sources_syscall_name(s->sysno)) {
		c->a->other_syscalls++;
		return;
	}
	char buf[512];
	const char *fn = object_describe(c->o, *c->refs, s->vaddr, buf, sizeof(buf));
	snprintf(f.function, sizeof(f.function), "%s", fn ? fn : "?");
	const char *base = strrchr(c->o->path, '/') ? strrchr(c->o->path, '/') + 1 : c->o->path;
	f.degrades = s->kind != X86_CPUID && !sources_instruction_covered(c->o, *c->refs, base, s);
	add(c->a, f);
}

static void judge(struct object *o, struct audited *a)
{
	int is_lib = o->soname[0] && !o->has_interp;
	a->linkage = o->has_interp || o->nneeded || is_lib ? "dynamic" : "static";
	a->verdict = "covered";
	if (!o->class64 || o->machine != EM_X86_64)
		snprintf(a->reason, sizeof(a->reason), "%s: libnodice.so (x86-64) cannot load into it",
			 o->class64 ? "not x86-64" : "32-bit");
	else if (!strcmp(a->linkage, "static") && (o->type == ET_EXEC || o->type == ET_DYN))
		snprintf(a->reason, sizeof(a->reason), "statically linked: it never loads a preload library");
	else if (o->mode & (S_ISUID | S_ISGID))
		snprintf(a->reason, sizeof(a->reason),
			 "set-user/group-ID: the loader ignores LD_PRELOAD for it");
	else if (o->is_go)
		snprintf(a->reason, sizeof(a->reason),
			 "Go: its runtime makes system calls and reads the vDSO itself");
	if (a->reason[0]) {
		a->verdict = "not-coverable";
		return;
	}
	size_t n = 0;
	const struct finding *first = NULL;
	for (size_t i = 0; i < a->nfindings; i++)
		if (a->findings[i].degrades && !n++)
			first = &a->findings[i];
	if (!first)
		return;
	a->verdict = "partial";
	if (!strcmp(first->kind, "import"))
		snprintf(a->reason, sizeof(a->reason), "imports %.300s, which nodice does not reach", first->function);
	else
		snprintf(a->reason, sizeof(a->reason), "%s in %.300s is not intercepted", first->kind,
			 first->function);
	if (n > 1) {
		size_t len = strlen(a->reason);
		snprintf(a->reason + len, sizeof(a->reason) - len, " (and %zu more)", n - 1);
	}
}

static void imports(struct object *o, struct audited *a)
{
	size_t k = 0;
	for (size_t i = 0; i < o->nimports; i++) {
		const char *family;
		enum sources_class cls = sources_classify(o->imports[i], &family);
		if (cls == SOURCES_CONTROLLED) {
			k += (size_t)snprintf(a->controlled + k, k < sizeof(a->controlled) ? sizeof(a->controlled) - k : 0,
					      "%s%s", k ? " " : "", o->imports[i]);
			if (k >= sizeof(a->controlled))
				k = sizeof(a->controlled) - 1;
		} else if (cls != SOURCES_NONE) {
			struct finding f = { "import", "", 0, -1, cls == SOURCES_UNCOVERED };
			char buf[512];
			snprintf(f.function, sizeof(f.function), "%s",
				 object_demangle(o->imports[i], buf, sizeof(buf)));
			add(a, f);
		}
	}
}

static int find_in_path(const char *file, char *out, size_t size)
{
	if (strchr(file, '/')) {
		snprintf(out, size, "%s", file);
		return 0;
	}
	const char *path = getenv("PATH") ? getenv("PATH") : "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		snprintf(out, size, "%.*s/%s", (int)n, p, file);
		if (access(out, X_OK) == 0)
			return 0;
		p += n + (p[n] == ':');
	}
	return -1;
}

int audit_unloadable(const char *file, char *why, size_t size)
{
	char path[4096], err[256];
	struct object o;
	struct audited a;
	if (find_in_path(file, path, sizeof(path)) < 0 || object_open(path, &o, err, sizeof(err)) < 0) {
		object_close(&o);
		return 0;
	}
	memset(&a, 0, sizeof(a));
	judge(&o, &a);
	object_close(&o);
	if (strcmp(a.verdict, "not-coverable"))
		return 0;
	snprintf(why, size, "%s: %s", path, a.reason);
	return 1;
}

static int audit_object(const char *path, struct object *o, struct audited *a)
{
	char why[512];
	memset(a, 0, sizeof(*a));
	snprintf(a->path, sizeof(a->path), "%s", path);
	if (object_open(path, o, why, sizeof(why)) < 0) {
		cli_error("audit", "%s: %s", path, why);
		return -1;
	}
	imports(o, a);
	struct object_refs *refs = NULL;
	struct scan_ctx c = { o, a, &refs };
	long r = object_scan(o, on_site, &c, &refs, why, sizeof(why));
	object_refs_free(refs);
	if (r < 0) {
		cli_error("audit", "%s: %s", path, why);
		return -1;
	}
	judge(o, a);
	return 0;
}

static void print_human(const struct audited *a, const struct object *o)
{
	printf("%s  %s\n", a->path, a->verdict);
	printf("  ELF%d %s, %s%s%s\n", o->class64 ? 64 : 32, o->machine == EM_X86_64 ? "x86-64" : "other machine",
	       a->linkage, o->has_interp ? ", interpreter " : "", o->has_interp ? o->interp : "");
	if (a->reason[0])
		printf("  why: %s\n", a->reason);
	if (a->controlled[0])
		printf("  controlled imports: %s\n", a->controlled);
	for (size_t i = 0; i < a->nfindings; i++) {
		const struct finding *f = &a->findings[i];
		if (!strcmp(f->kind, "import"))
			printf("  import %s%s\n", f->function, f->degrades ? " (not reached by nodice)" : " (reported)");
		else if (f->sysno >= 0)
			printf("  syscall %s (%d) at 0x%llx in %s\n", sources_syscall_name(f->sysno), f->sysno,
			       (unsigned long long)f->offset, f->function);
		else
			printf("  %s at 0x%llx in %s\n", f->kind, (unsigned long long)f->offset, f->function);
	}
	if (a->other_syscalls)
		printf("  %zu other syscall instructions (not sources the shim controls)\n", a->other_syscalls);
	size_t n = json_object_array_length(a->needed);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a->needed, i), *name, *p;
		json_object_object_get_ex(e, "name", &name);
		json_object_object_get_ex(e, "path", &p);
		printf("  needs %s => %s\n", json_object_get_string(name), p ? json_object_get_string(p) : "not found");
	}
}

static json_object *to_json(const struct audited *a)
{
	json_object *o = json_object_new_object(), *fs = json_object_new_array();
	json_object_object_add(o, "path", json_object_new_string(a->path));
	json_object_object_add(o, "linkage", json_object_new_string(a->linkage));
	json_object_object_add(o, "verdict", json_object_new_string(a->verdict));
	if (a->reason[0])
		json_object_object_add(o, "reason", json_object_new_string(a->reason));
	for (size_t i = 0; i < a->nfindings; i++) {
		const struct finding *f = &a->findings[i];
		json_object *j = json_object_new_object();
		char off[32];
		snprintf(off, sizeof(off), "0x%llx", (unsigned long long)f->offset);
		json_object_object_add(j, "kind", json_object_new_string(f->kind));
		json_object_object_add(j, "function", json_object_new_string(f->function));
		json_object_object_add(j, "offset", strcmp(f->kind, "import") ? json_object_new_string(off) : NULL);
		if (f->sysno >= 0) {
			json_object_object_add(j, "syscall", json_object_new_string(sources_syscall_name(f->sysno)));
			json_object_object_add(j, "number", json_object_new_int(f->sysno));
		}
		json_object_object_add(j, "covered", json_object_new_boolean(!f->degrades));
		json_object_array_add(fs, j);
	}
	json_object_object_add(o, "findings", fs);
	json_object_object_add(o, "needed", json_object_get(a->needed));
	return o;
}

struct seen {
	char **paths;
	size_t n;
};

static int visited(struct seen *s, const char *path)
{
	char real[4096];
	if (!realpath(path, real))
		snprintf(real, sizeof(real), "%s", path);
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->paths[i], real))
			return 1;
	s->paths = realloc(s->paths, (s->n + 1) * sizeof(char *));
	s->paths[s->n++] = strdup(real);
	return 0;
}

/* Audits path and then, breadth first, the libraries it needs. */
static int audit_closure(const char *path, struct seen *seen, json_object *out, int json, int *worst)
{
	char **queue = malloc(sizeof(char *));
	size_t head = 0, tail = 0;
	struct object exe;
	char why[512];
	int status = 0;
	queue[tail++] = strdup(path);
	int have_exe = object_open(path, &exe, why, sizeof(why)) == 0;
	while (head < tail) {
		char *p = queue[head++];
		struct object o;
		struct audited a;
		if (visited(seen, p)) {
			free(p);
			continue;
		}
		if (audit_object(p, &o, &a) < 0) {
			object_close(&o);
			status = CLI_SYSTEM;
			free(p);
			continue;
		}
		a.needed = json_object_new_array();
		for (size_t i = 0; i < o.nneeded; i++) {
			char found[4096];
			json_object *e = json_object_new_object();
			json_object_object_add(e, "name", json_object_new_string(o.needed[i]));
			if (have_exe && resolve_needed(o.needed[i], &o, &exe, LD_CACHE, found, sizeof(found)) == 0) {
				json_object_object_add(e, "path", json_object_new_string(found));
				queue = realloc(queue, (tail + 1) * sizeof(char *));
				queue[tail++] = strdup(found);
			}
			json_object_array_add(a.needed, e);
		}
		if (!strcmp(a.verdict, "not-coverable"))
			*worst = 1;
		if (json)
			json_object_array_add(out, to_json(&a));
		else
			print_human(&a, &o);
		json_object_put(a.needed);
		free(a.findings);
		object_close(&o);
		free(p);
	}
	object_close(&exe); /* opened even when it was not ELF */
	free(queue);
	return status;
}

int audit_main(int argc, char **argv)
{
	int json = 0, first = 1;
	for (; first < argc && argv[first][0] == '-'; first++) {
		if (!strcmp(argv[first], "--json"))
			json = 1;
		else if (!strcmp(argv[first], "--")) {
			first++;
			break;
		} else
			return cli_usage("audit", "unknown option '%s'", argv[first]);
	}
	if (first >= argc)
		return cli_usage("audit", "no file given");
	struct seen seen = { 0 };
	json_object *objects = json_object_new_array();
	int status = 0, worst = 0;
	for (int i = first; i < argc; i++)
		if (audit_closure(argv[i], &seen, objects, json, &worst))
			status = CLI_SYSTEM;
	if (json) {
		json_object *root = json_object_new_object();
		json_object_object_add(root, "objects", objects);
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
	} else {
		json_object_put(objects);
	}
	for (size_t i = 0; i < seen.n; i++)
		free(seen.paths[i]);
	free(seen.paths);
	return status ? status : worst ? CLI_FINDING : CLI_OK;
}
