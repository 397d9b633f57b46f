/*
 * Event log -> report model. Records are aggregated across the processes of
 * the tree: sources by (family, symbol, controlled); call sites in
 * logsites.c; uncontrolled events by (kind, detail), with the Python stack
 * of the first record that has one.
 */
#include "logread.h"
#include "logformat.h"
#include "jsonentry.h"
#include "logsites.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "object.h"
#include "report.h"
#include "knobs_report.h"
#include "sources.h"

/* An uncontrolled event keeps the Python stack of the first record that
 * names one. */
static void on_uncontrolled(json_object *model, json_object *rec)
{
	json_object *e = uncontrolled_add(model, str(rec, ND_LK_KIND), str(rec, ND_LK_DETAIL), num(rec, ND_LK_COUNT), 1);
	json_object *python;
	if (json_object_object_get_ex(rec, ND_LK_PYTHON, &python) && !json_object_object_get_ex(e, "python", NULL))
		json_object_object_add(e, "python", json_object_get(python));
}

static void on_source(json_object *model, json_object *rec)
{
	json_object *sources = json_object_object_get(model, "sources"), *c;
	json_object_object_get_ex(rec, ND_LK_CONTROLLED, &c);
	json_object *e = json_entry(sources, "family", str(rec, ND_LK_FAMILY), "symbol", str(rec, ND_LK_SYMBOL),
			       "controlled", json_object_new_boolean(json_object_get_boolean(c)));
	json_add_count(e, "count", num(rec, ND_LK_COUNT));
	json_add_count(e, "bytes", num(rec, ND_LK_BYTES));
}

static void on_process(json_object *model, json_object *rec)
{
	json_object *p = json_object_new_object();
	static const char *keys[] = { "pid", "ppid", "lineage", "exe", "argv0", "end", "aslr", "threads", "forks", "spawns" };
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

static void finish(json_object *model)
{
	logsites_end(model);
	json_object *sources = json_object_object_get(model, "sources");
	size_t n = json_object_array_length(sources);
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(sources, i), *list = logsites_of(model, str(s, ND_LK_SYMBOL));
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
	logsites_forget(model);
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
	logsites_begin(model);
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
			logsites_add(model, rec);
		else if (!strcmp(type, ND_LT_UNCONTROLLED))
			on_uncontrolled(model, rec);
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
		if (!strcmp(logsites_base(path), "libnodice.so"))
			continue; /* the shim's own raw calls are how it serves */
		struct object *o = logsites_object(path);
		if (!o)
			continue;
		struct object_refs *refs = NULL;
		struct scan_state st = { model, o, logsites_base(path), &refs, armed(model, "rdtsc"), armed(model, "syscall") };
		char why[256];
		object_scan(o, on_instruction, &st, &refs, why, sizeof(why));
		object_refs_free(refs);
	}
	json_object_object_del(model, "_objects");
}
