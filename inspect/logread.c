/*
 * Event log -> report model. Records are aggregated across the processes of
 * the tree: sources by (family, symbol, controlled); call sites by (symbol,
 * object, function), the function found by libelf from the (object, offset)
 * the shim wrote; uncontrolled events by (kind, detail). Objects are opened
 * once per run of the command (a small cache), since a torch process maps
 * dozens of libraries.
 */
#include "logread.h"
#include "logformat.h"
#include "jsonget.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "object.h"
#include "report.h"
#include "knobs_report.h"
#include "sources.h"

#define CACHE 256

struct cached {
	char path[4096];
	struct object obj;
	int ok;
};

static struct cached *cache[CACHE];
static int ncached;

static struct object *open_cached(const char *path)
{
	for (int i = 0; i < ncached; i++)
		if (!strcmp(cache[i]->path, path))
			return cache[i]->ok ? &cache[i]->obj : NULL;
	if (ncached == CACHE)
		return NULL;
	struct cached *c = calloc(1, sizeof(*c));
	char why[256];
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->ok = object_open(path, &c->obj, why, sizeof(why)) == 0;
	cache[ncached++] = c;
	return c->ok ? &c->obj : NULL;
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* The entry of array whose keys equal the given pairs, created if absent. */
static json_object *entry(json_object *array, const char *k1, const char *v1, const char *k2,
			  const char *v2, const char *k3, json_object *v3)
{
	size_t n = json_object_array_length(array);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(array, i), *x;
		if (strcmp(str(e, k1), v1) || (k2 && strcmp(str(e, k2), v2)))
			continue;
		if (k3 && (!json_object_object_get_ex(e, k3, &x) || !json_object_equal(x, v3)))
			continue;
		if (k3)
			json_object_put(v3);
		return e;
	}
	json_object *e = json_object_new_object();
	json_object_object_add(e, k1, json_object_new_string(v1));
	if (k2)
		json_object_object_add(e, k2, json_object_new_string(v2));
	if (k3)
		json_object_object_add(e, k3, v3);
	json_object_array_add(array, e);
	return e;
}

static void add_count(json_object *e, const char *key, int64_t by)
{
	json_object_object_add(e, key, json_object_new_int64(num(e, key) + by));
}

/* Function name for a return address given as (object, file offset). */
static void symbolize(json_object *frame, char *out, size_t size)
{
	struct object *o = open_cached(str(frame, ND_LK_OBJECT));
	uint64_t va = o ? object_vaddr_of(o, strtoull(str(frame, ND_LK_FILE_OFFSET), NULL, 16)) : 0;
	char buf[1024];
	const char *fn = va ? object_function(o, va - 1, buf, sizeof(buf)) : NULL;
	snprintf(out, size, "%s", fn ? fn : "?");
}

/* The first frame in another object than the top one, as "object: function":
 * who called into the library or interpreter that made the call. */
static void via_of(json_object *frames, char *out, size_t size)
{
	out[0] = 0;
	const char *top = str(json_object_array_get_idx(frames, 0), "object");
	size_t n = json_object_array_length(frames);
	for (size_t i = 1; i < n; i++) {
		json_object *f = json_object_array_get_idx(frames, i);
		if (!strcmp(str(f, ND_LK_OBJECT), top))
			continue;
		char fn[1024];
		symbolize(f, fn, sizeof(fn));
		snprintf(out, size, "%s: %s", base(str(f, ND_LK_OBJECT)), fn);
		return;
	}
}

void logread_symbolize(const char *object, const char *file_offset, char *out, size_t size)
{
	json_object *f = json_object_new_object();
	char fn[1024];
	json_object_object_add(f, "object", json_object_new_string(object));
	json_object_object_add(f, "file_offset", json_object_new_string(file_offset));
	symbolize(f, fn, sizeof(fn));
	json_object_put(f);
	snprintf(out, size, "%s: %s", base(object), fn);
}

static void on_site(json_object *model, json_object *rec)
{
	json_object *frames, *sites = json_object_object_get(model, "_sites");
	if (!json_object_object_get_ex(rec, ND_LK_FRAMES, &frames) || !json_object_array_length(frames))
		return;
	json_object *top = json_object_array_get_idx(frames, 0);
	char fn[1024], via[1400], key[2600], where[4200];
	snprintf(where, sizeof(where), "%s@%s", str(top, ND_LK_OBJECT), str(top, ND_LK_FILE_OFFSET));
	if (json_object_array_length(frames) == 1) {
		/* Calls past the site's stack budget: folded into an entry of the same
		 * call address in finish(). */
		json_object *rest = json_object_new_object();
		json_object_object_add(rest, "symbol", json_object_new_string(str(rec, ND_LK_SYMBOL)));
		json_object_object_add(rest, "where", json_object_new_string(where));
		json_object_object_add(rest, "count", json_object_new_int64(num(rec, ND_LK_COUNT)));
		json_object_object_add(rest, "frame", json_object_get(top));
		json_object_array_add(json_object_object_get(model, "_rest"), rest);
		return;
	}
	symbolize(top, fn, sizeof(fn));
	via_of(frames, via, sizeof(via));
	snprintf(key, sizeof(key), "%s\n%s", fn, via);
	json_object *e = entry(sites, "symbol", str(rec, ND_LK_SYMBOL), "object", base(str(top, ND_LK_OBJECT)),
			       "key", json_object_new_string(key));
	if (!json_object_object_get_ex(e, "function", NULL)) {
		json_object_object_add(e, "where", json_object_new_string(where));
		json_object_object_add(e, "function", json_object_new_string(fn));
		if (via[0])
			json_object_object_add(e, "via", json_object_new_string(via));
	}
	add_count(e, "count", num(rec, ND_LK_COUNT));
	json_object *stack;
	size_t n = json_object_array_length(frames);
	if (n > 1 && !json_object_object_get_ex(e, "stack", &stack)) {
		stack = json_object_new_array();
		for (size_t i = 0; i < n; i++) {
			json_object *f = json_object_array_get_idx(frames, i), *s = json_object_new_object();
			char name[1024];
			symbolize(f, name, sizeof(name));
			json_object_object_add(s, "object", json_object_new_string(base(str(f, ND_LK_OBJECT))));
			json_object_object_add(s, "function", json_object_new_string(name));
			json_object_array_add(stack, s);
		}
		json_object_object_add(e, "stack", stack);
	}
}

static void on_source(json_object *model, json_object *rec)
{
	json_object *sources = json_object_object_get(model, "sources"), *c;
	json_object_object_get_ex(rec, ND_LK_CONTROLLED, &c);
	json_object *e = entry(sources, "family", str(rec, ND_LK_FAMILY), "symbol", str(rec, ND_LK_SYMBOL),
			       "controlled", json_object_new_boolean(json_object_get_boolean(c)));
	add_count(e, "count", num(rec, ND_LK_COUNT));
	add_count(e, "bytes", num(rec, ND_LK_BYTES));
}

static void on_process(json_object *model, json_object *rec)
{
	json_object *p = json_object_new_object();
	static const char *keys[] = { "pid", "ppid", "lineage", "exe", "argv0", "end", "aslr", "forks", "spawns" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_object *v;
		if (json_object_object_get_ex(rec, keys[i], &v))
			json_object_object_add(p, keys[i], json_object_get(v));
	}
	json_object_array_add(json_object_object_get(model, "processes"), p);
	json_object *seed;
	if (json_object_object_get_ex(rec, ND_LK_SEED, &seed))
		json_object_object_add(model, "seed", json_object_get(seed));
	if (!strcmp(str(rec, ND_LK_ASLR), "on"))
		uncontrolled_add(model, "aslr", str(rec, ND_LK_EXE), 1, 1);
	/* Key generators that ran controlled made predictable keys: say so loudly. */
	static const char *const keygens[] = { "ssh-keygen", "openssl", "gpg", "gpg2", "certtool", "age-keygen", "step" };
	const char *exe = str(rec, ND_LK_EXE), *b = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	for (size_t i = 0; i < sizeof(keygens) / sizeof(keygens[0]); i++)
		if (!strcmp(b, keygens[i]))
			uncontrolled_add(model, "predictable-keys", exe, 1, 1);
	/* The traps armed in any process of the tree. */
	json_object *traps, *all = json_object_object_get(model, "traps");
	if (json_object_object_get_ex(rec, ND_LK_TRAPS, &traps))
		for (size_t i = 0; i < json_object_array_length(traps); i++) {
			const char *t = json_object_get_string(json_object_array_get_idx(traps, i));
			int seen = 0;
			for (size_t k = 0; k < json_object_array_length(all); k++)
				seen |= !strcmp(json_object_get_string(json_object_array_get_idx(all, k)), t);
			if (!seen)
				json_object_array_add(all, json_object_new_string(t));
		}
}

static void on_objects(json_object *model, json_object *rec)
{
	json_object *paths, *all = json_object_object_get(model, "_objects");
	if (!json_object_object_get_ex(rec, ND_LK_PATHS, &paths))
		return;
	size_t n = json_object_array_length(paths);
	for (size_t i = 0; i < n; i++) {
		const char *p = json_object_get_string(json_object_array_get_idx(paths, i));
		if (p && !json_object_object_get_ex(all, p, NULL)) {
			json_object_object_add(all, p, json_object_new_boolean(1));
			knobs_note_object(model, p);
		}
	}
}

static int by_count(const void *a, const void *b)
{
	int64_t x = num(*(json_object *const *)a, "count"), y = num(*(json_object *const *)b, "count");
	return x < y ? 1 : x > y ? -1 : 0;
}

/* Each source gets its sites; passed-through identity/external sources and
 * threads nodice did not start become observed uncontrolled entries. */
/* Adds each site-only count to an entry with the same call address, or
 * makes one. */
static void fold_rest(json_object *model)
{
	json_object *rest = json_object_object_get(model, "_rest");
	json_object *sites = json_object_object_get(model, "_sites");
	for (size_t i = 0; i < json_object_array_length(rest); i++) {
		json_object *r = json_object_array_get_idx(rest, i), *into = NULL;
		for (size_t k = 0; k < json_object_array_length(sites) && !into; k++) {
			json_object *e = json_object_array_get_idx(sites, k);
			if (!strcmp(str(e, ND_LK_SYMBOL), str(r, ND_LK_SYMBOL)) && !strcmp(str(e, "where"), str(r, "where")))
				into = e;
		}
		if (!into) {
			char fn[1024];
			json_object *top = json_object_object_get(r, "frame");
			symbolize(top, fn, sizeof(fn));
			into = entry(sites, "symbol", str(r, ND_LK_SYMBOL), "object", base(str(top, ND_LK_OBJECT)), "key",
				     json_object_new_string(str(r, "where")));
			json_object_object_add(into, "where", json_object_new_string(str(r, "where")));
			json_object_object_add(into, "function", json_object_new_string(fn));
		}
		add_count(into, "count", num(r, ND_LK_COUNT));
	}
	json_object_object_del(model, "_rest");
}

static void finish(json_object *model)
{
	fold_rest(model);
	json_object *sources = json_object_object_get(model, "sources");
	json_object *sites = json_object_object_get(model, "_sites");
	json_object_array_sort(sites, by_count);
	size_t n = json_object_array_length(sources);
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(sources, i), *list = json_object_new_array();
		size_t m = json_object_array_length(sites);
		for (size_t k = 0; k < m; k++) {
			json_object *site = json_object_array_get_idx(sites, k);
			if (strcmp(str(site, ND_LK_SYMBOL), str(s, ND_LK_SYMBOL)))
				continue;
			json_object *out = json_object_new_object();
			json_object_object_add(out, "object", json_object_new_string(str(site, ND_LK_OBJECT)));
			json_object_object_add(out, "function", json_object_new_string(str(site, "function")));
			json_object_object_add(out, "count", json_object_new_int64(num(site, ND_LK_COUNT)));
			json_object *via;
			if (json_object_object_get_ex(site, "via", &via))
				json_object_object_add(out, "via", json_object_get(via));
			json_object *stack;
			if (json_object_object_get_ex(site, "stack", &stack))
				json_object_object_add(out, "stack", json_object_get(stack));
			json_object_array_add(list, out);
		}
		json_object_object_add(s, "sites", list);
		json_object *c;
		json_object_object_get_ex(s, "controlled", &c);
		const char *kind = report_kind_of_family(str(s, ND_LK_FAMILY), str(s, ND_LK_SYMBOL));
		if (json_object_get_boolean(c) || !kind)
			continue;
		char detail[256];
		snprintf(detail, sizeof(detail), "%s passed through to libc", str(s, ND_LK_SYMBOL));
		uncontrolled_add(model, kind, detail, num(s, ND_LK_COUNT), 1);
		json_object *u = json_object_object_get(model, "uncontrolled");
		json_object *last = json_object_array_get_idx(u, json_object_array_length(u) - 1);
		if (!json_object_object_get_ex(last, "sites", NULL))
			json_object_object_add(last, "sites", json_object_get(list));
	}
	json_object_object_del(model, "_sites");
}

/* Every image writes a record, so the records expected are 1 (the command)
 * plus every fork and spawn the records announce, less the children known
 * not to load the shim. Fewer means records were lost: a SIGKILL, or a log
 * that could not be written. Reported, never silent. */
static void check_complete(json_object *model)
{
	json_object *procs = json_object_object_get(model, "processes");
	json_object *unc = json_object_object_get(model, "uncontrolled");
	int64_t expected = 1, never = 0;
	for (size_t i = 0; i < json_object_array_length(procs); i++) {
		json_object *p = json_object_array_get_idx(procs, i);
		expected += num(p, ND_LK_FORKS) + num(p, ND_LK_SPAWNS);
	}
	for (size_t i = 0; i < json_object_array_length(unc); i++) {
		const char *k = str(json_object_array_get_idx(unc, i), "kind");
		if (!strcmp(k, "static-child") || !strcmp(k, "32bit-child") || !strcmp(k, "setuid-child"))
			never += num(json_object_array_get_idx(unc, i), "count");
	}
	int64_t have = (int64_t)json_object_array_length(procs), missing = expected - never - have;
	if (missing > 0) {
		char detail[256];
		snprintf(detail, sizeof(detail),
			 "%lld of %lld process images left no record (killed by SIGKILL, or the log could not be written)",
			 (long long)missing, (long long)(expected - never));
		uncontrolled_add(model, "records-missing", detail, missing, 1);
	}
}

/* 0 when a process record is of the format this reader reads; else -1
 * with why naming the log and both versions. */
static int format_of(json_object *rec, const char *path, char *why, size_t size)
{
	json_object *v;
	int64_t have = json_object_object_get_ex(rec, ND_LK_FORMAT, &v) ? json_object_get_int64(v) : 1;
	if (have == ND_LOG_FORMAT)
		return 0;
	snprintf(why, size, "the event log %s is in format %lld (written by another version of nodice); this one reads format %d",
		 path, (long long)have, ND_LOG_FORMAT);
	return -1;
}

int logread_check_format(const char *path, char *why, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0; /* no log: nothing to misread */
	char *line = NULL;
	size_t cap = 0;
	int r = 0;
	while (r == 0 && getline(&line, &cap, f) > 0) {
		json_object *rec = json_tokener_parse(line);
		if (rec && json_object_is_type(rec, json_type_object) && !strcmp(str(rec, ND_LK_TYPE), ND_LT_PROCESS))
			r = format_of(rec, path, why, size);
		json_object_put(rec);
	}
	free(line);
	fclose(f);
	return r;
}

json_object *logread_load(const char *path, char *why, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(why, size, "cannot read the event log %s", path);
		return NULL;
	}
	json_object *model = json_object_new_object();
	json_object_object_add(model, "seed", json_object_new_int64(0));
	json_object_object_add(model, "sources", json_object_new_array());
	json_object_object_add(model, "uncontrolled", json_object_new_array());
	json_object_object_add(model, "processes", json_object_new_array());
	json_object_object_add(model, "traps", json_object_new_array());
	json_object_object_add(model, "knobs", json_object_new_array());
	json_object_object_add(model, "_sites", json_object_new_array());
	json_object_object_add(model, "_rest", json_object_new_array());
	json_object_object_add(model, "_objects", json_object_new_object());
	char *line = NULL;
	size_t cap = 0;
	int64_t corrupt = 0;
	while (getline(&line, &cap, f) > 0) {
		json_object *rec = json_tokener_parse(line);
		if (!rec || !json_object_is_type(rec, json_type_object)) {
			corrupt++;
			json_object_put(rec);
			continue;
		}
		const char *type = str(rec, ND_LK_TYPE);
		if (!strcmp(type, ND_LT_PROCESS) && format_of(rec, path, why, size) < 0) {
			json_object_put(rec);
			free(line);
			fclose(f);
			json_object_put(model);
			return NULL;
		}
		if (!strcmp(type, ND_LT_PROCESS))
			on_process(model, rec);
		else if (!strcmp(type, ND_LT_SOURCE))
			on_source(model, rec);
		else if (!strcmp(type, ND_LT_SITE))
			on_site(model, rec);
		else if (!strcmp(type, ND_LT_UNCONTROLLED))
			uncontrolled_add(model, str(rec, ND_LK_KIND), str(rec, ND_LK_DETAIL), num(rec, ND_LK_COUNT), 1);
		else if (!strcmp(type, ND_LT_OBJECTS))
			on_objects(model, rec);
		else if (!strcmp(type, ND_LT_KNOB))
			knobs_add(model, rec);
		json_object_put(rec);
	}
	free(line);
	fclose(f);
	json_object_object_add(model, "corrupt_lines", json_object_new_int64(corrupt));
	finish(model);
	check_complete(model);
	return model;
}

struct scan_state {
	json_object *model;
	struct object *o;
	const char *name;
	struct object_refs **refs;
	int rdtsc_trapped, syscalls_dispatched;
};

static int armed(json_object *model, const char *trap)
{
	json_object *traps = json_object_object_get(model, "traps");
	for (size_t i = 0; i < json_object_array_length(traps); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(traps, i)), trap))
			return 1;
	return 0;
}

static void on_instruction(const struct object_site *s, void *data)
{
	struct scan_state *st = data;
	if (s->kind == X86_SYSCALL && !sources_syscall_name(s->sysno))
		return;
	char buf[1024], detail[1400];
	const char *fn = object_describe(st->o, *st->refs, s->vaddr, buf, sizeof(buf));
	/* What the armed traps serve is not uncontrolled. */
	int trap_needed = s->kind == X86_RDTSC || s->kind == X86_RDTSCP ? st->rdtsc_trapped
			  : s->kind == X86_SYSCALL			   ? st->syscalls_dispatched
									   : 1;
	if (trap_needed && sources_instruction_covered(st->o, *st->refs, st->name, s))
		return;
	if (s->kind == X86_CPUID)
		snprintf(detail, sizeof(detail), "cpuid in %s", st->name); /* per object: it is noise per site */
	else if (s->kind == X86_SYSCALL)
		snprintf(detail, sizeof(detail), "inline syscall %s in %s: %s", sources_syscall_name(s->sysno),
			 st->name, fn);
	else
		snprintf(detail, sizeof(detail), "%s in %s: %s", x86_kind_name(s->kind), st->name, fn);
	uncontrolled_add(st->model, x86_kind_name(s->kind), detail, 1, 0);
}

void logread_scan_objects(json_object *model)
{
	json_object *all = json_object_object_get(model, "_objects");
	json_object_object_foreach(all, path, unused)
	{
		(void)unused;
		if (!strcmp(base(path), "libnodice.so"))
			continue; /* the shim's own raw calls are how it serves */
		struct object *o = open_cached(path);
		if (!o)
			continue;
		struct object_refs *refs = NULL;
		struct scan_state st = { model, o, base(path), &refs, armed(model, "rdtsc"), armed(model, "syscall") };
		char why[256];
		object_scan(o, on_instruction, &st, &refs, why, sizeof(why));
		object_refs_free(refs);
	}
	json_object_object_del(model, "_objects");
}
