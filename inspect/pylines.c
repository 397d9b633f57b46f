/*
 * Python lines in reports; see pylines.h. The classes come from paths only:
 * the log records file names as the interpreter knows them, so a script run
 * as `python train.py` is "train.py", and what sits under site-packages or
 * dist-packages (pip's and Debian's) is a library wherever it is installed.
 */
#include "pylines.h"
#include "jsonget.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const packages[] = { "/site-packages/", "/dist-packages/" };

/* Where the standard library's part of a path starts ("random.py" in
 * /usr/lib/python3.11/random.py), or NULL. */
static const char *stdlib_tail(const char *file)
{
	for (const char *p = strstr(file, "/lib/python"); p; p = strstr(p + 1, "/lib/python")) {
		const char *q = p + strlen("/lib/python");
		if (*q < '0' || *q > '9')
			continue;
		const char *slash = strchr(q, '/');
		if (slash)
			return slash + 1;
	}
	return NULL;
}

enum pylines_class pylines_class(const char *file)
{
	if (!*file || *file == '<')
		return PYLINES_STDLIB;
	for (size_t i = 0; i < sizeof(packages) / sizeof(packages[0]); i++)
		if (strstr(file, packages[i]))
			return PYLINES_LIBRARY;
	if (strstr(file, "/nodice-python/") || stdlib_tail(file))
		return PYLINES_STDLIB;
	return PYLINES_USER;
}

json_object *pylines_frame(json_object *python, enum pylines_class *cls)
{
	size_t n = python ? json_object_array_length(python) : 0;
	json_object *best = NULL;
	enum pylines_class best_cls = PYLINES_NONE;
	for (size_t i = 0; i < n; i++) {
		json_object *f = json_object_array_get_idx(python, i);
		enum pylines_class c = pylines_class(str(f, "file"));
		if (c < best_cls) {
			best = f;
			best_cls = c;
		}
	}
	if (cls)
		*cls = best_cls;
	return best;
}

void pylines_format(json_object *frame, char *out, size_t size)
{
	const char *file = str(frame, "file"), *shown = file;
	for (size_t i = 0; i < sizeof(packages) / sizeof(packages[0]); i++) {
		const char *p = strstr(file, packages[i]);
		if (p)
			shown = p + strlen(packages[i]);
	}
	const char *hook = strstr(file, "/nodice-python/");
	if (hook)
		shown = hook + 1; /* nodice's own start-up hook */
	else if (shown == file && stdlib_tail(file))
		shown = stdlib_tail(file);
	snprintf(out, size, "%s:%lld in %s", shown, (long long)num(frame, "line"), str(frame, "function"));
}

int pylines_any(json_object *sites)
{
	size_t n = sites ? json_object_array_length(sites) : 0;
	for (size_t i = 0; i < n; i++)
		if (json_object_object_get_ex(json_object_array_get_idx(sites, i), "python", NULL))
			return 1;
	return 0;
}

static const char *const class_name[] = { "user", "library", "stdlib" };

static int by_class_then_count(const void *a, const void *b)
{
	json_object *x = *(json_object *const *)a, *y = *(json_object *const *)b;
	int cx = (int)num(x, "_class"), cy = (int)num(y, "_class");
	if (cx != cy)
		return cx - cy;
	if (num(x, "count") != num(y, "count"))
		return num(x, "count") < num(y, "count") ? 1 : -1;
	return strcmp(str(x, "line"), str(y, "line"));
}

json_object *pylines_group(json_object *sites)
{
	json_object *groups = json_object_new_array();
	size_t n = sites ? json_object_array_length(sites) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(sites, i), *python;
		if (!json_object_object_get_ex(s, "python", &python) || !json_object_array_length(python))
			continue;
		enum pylines_class cls;
		json_object *f = pylines_frame(python, &cls);
		char line[1200], through[1200] = "";
		pylines_format(f, line, sizeof(line));
		if (f != json_object_array_get_idx(python, 0))
			pylines_format(json_object_array_get_idx(python, 0), through, sizeof(through));
		json_object *g = NULL;
		for (size_t k = 0; k < json_object_array_length(groups) && !g; k++)
			if (!strcmp(str(json_object_array_get_idx(groups, k), "line"), line))
				g = json_object_array_get_idx(groups, k);
		if (!g) {
			g = json_object_new_object();
			json_object_object_add(g, "line", json_object_new_string(line));
			json_object_object_add(g, "class", json_object_new_string(class_name[cls]));
			json_object_object_add(g, "_class", json_object_new_int(cls));
			json_object_object_add(g, "count", json_object_new_int64(0));
			if (*through)
				json_object_object_add(g, "through", json_object_new_string(through));
			json_object_array_add(groups, g);
		}
		json_object_object_add(g, "count", json_object_new_int64(num(g, "count") + num(s, "count")));
	}
	json_object_array_sort(groups, by_class_then_count);
	for (size_t k = 0; k < json_object_array_length(groups); k++)
		json_object_object_del(json_object_array_get_idx(groups, k), "_class");
	return groups;
}
