/*
 * The call sites of an event log (logread.c's part for "site" records):
 * aggregated across the processes of the tree by (symbol, object, function,
 * caller, Python stack), the function found by libelf from the (object,
 * offset) the shim wrote. Objects are opened once per run of the command (a
 * small cache), since a torch process maps dozens of libraries. Calls past a
 * site's stack budget come as one-frame records and are folded into an entry
 * of the same call address at the end.
 */
#include "logsites.h"
#include "logformat.h"
#include "jsonentry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "object.h"

#define CACHE 256

struct cached {
	char path[4096];
	struct object obj;
	int ok;
};

static struct cached *cache[CACHE];
static int ncached;

struct object *logsites_object(const char *path)
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

const char *logsites_base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* Function name for a return address given as (object, file offset). */
static void symbolize(json_object *frame, char *out, size_t size)
{
	struct object *o = logsites_object(str(frame, ND_LK_OBJECT));
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
		snprintf(out, size, "%s: %s", logsites_base(str(f, ND_LK_OBJECT)), fn);
		return;
	}
}

void logsites_symbolize(const char *object, const char *file_offset, char *out, size_t size)
{
	json_object *f = json_object_new_object();
	char fn[1024];
	json_object_object_add(f, "object", json_object_new_string(object));
	json_object_object_add(f, "file_offset", json_object_new_string(file_offset));
	symbolize(f, fn, sizeof(fn));
	json_object_put(f);
	snprintf(out, size, "%s: %s", logsites_base(object), fn);
}

void logsites_add(json_object *model, json_object *rec)
{
	json_object *frames, *sites = json_object_object_get(model, "_sites");
	if (!json_object_object_get_ex(rec, ND_LK_FRAMES, &frames) || !json_object_array_length(frames))
		return;
	json_object *top = json_object_array_get_idx(frames, 0);
	char fn[1024], via[1400], key[20000], where[4200];
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
	/* One entry per Python stack too: the same interpreter function reached
	 * from two lines of the program is two sites. */
	json_object *python = NULL;
	json_object_object_get_ex(rec, ND_LK_PYTHON, &python);
	snprintf(key, sizeof(key), "%s\n%s\n%s", fn, via,
		 python ? json_object_to_json_string_ext(python, JSON_C_TO_STRING_PLAIN) : "");
	json_object *e = json_entry(sites, "symbol", str(rec, ND_LK_SYMBOL), "object", logsites_base(str(top, ND_LK_OBJECT)),
			       "key", json_object_new_string(key));
	if (!json_object_object_get_ex(e, "function", NULL)) {
		json_object_object_add(e, "where", json_object_new_string(where));
		json_object_object_add(e, "function", json_object_new_string(fn));
		if (via[0])
			json_object_object_add(e, "via", json_object_new_string(via));
		if (python)
			json_object_object_add(e, "python", json_object_get(python));
	}
	json_add_count(e, "count", num(rec, ND_LK_COUNT));
	json_object *stack;
	size_t n = json_object_array_length(frames);
	if (n > 1 && !json_object_object_get_ex(e, "stack", &stack)) {
		stack = json_object_new_array();
		for (size_t i = 0; i < n; i++) {
			json_object *f = json_object_array_get_idx(frames, i), *s = json_object_new_object();
			char name[1024];
			symbolize(f, name, sizeof(name));
			json_object_object_add(s, "object", json_object_new_string(logsites_base(str(f, ND_LK_OBJECT))));
			json_object_object_add(s, "function", json_object_new_string(name));
			json_object_array_add(stack, s);
		}
		json_object_object_add(e, "stack", stack);
	}
}

void logsites_begin(json_object *model)
{
	json_object_object_add(model, "_sites", json_object_new_array());
	json_object_object_add(model, "_rest", json_object_new_array());
}

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
			into = json_entry(sites, "symbol", str(r, ND_LK_SYMBOL), "object", logsites_base(str(top, ND_LK_OBJECT)), "key",
				     json_object_new_string(str(r, "where")));
			json_object_object_add(into, "where", json_object_new_string(str(r, "where")));
			json_object_object_add(into, "function", json_object_new_string(fn));
		}
		json_add_count(into, "count", num(r, ND_LK_COUNT));
	}
	json_object_object_del(model, "_rest");
}

static int by_count(const void *a, const void *b)
{
	int64_t x = num(*(json_object *const *)a, "count"), y = num(*(json_object *const *)b, "count");
	return x < y ? 1 : x > y ? -1 : 0;
}

void logsites_end(json_object *model)
{
	fold_rest(model);
	json_object_array_sort(json_object_object_get(model, "_sites"), by_count);
}

json_object *logsites_of(json_object *model, const char *symbol)
{
	json_object *sites = json_object_object_get(model, "_sites"), *list = json_object_new_array();
	for (size_t k = 0; k < json_object_array_length(sites); k++) {
		json_object *site = json_object_array_get_idx(sites, k), *v;
		if (strcmp(str(site, ND_LK_SYMBOL), symbol))
			continue;
		json_object *out = json_object_new_object();
		json_object_object_add(out, "object", json_object_new_string(str(site, ND_LK_OBJECT)));
		json_object_object_add(out, "function", json_object_new_string(str(site, "function")));
		json_object_object_add(out, "count", json_object_new_int64(num(site, ND_LK_COUNT)));
		static const char *const optional[] = { "via", "stack", "python" };
		for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
			if (json_object_object_get_ex(site, optional[i], &v))
				json_object_object_add(out, optional[i], json_object_get(v));
		json_object_array_add(list, out);
	}
	return list;
}

void logsites_forget(json_object *model)
{
	json_object_object_del(model, "_sites");
}
