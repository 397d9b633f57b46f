/* First divergent event between two event logs; see logdiff.h. */
#include "logdiff.h"
#include "logformat.h"
#include "jsonget.h"
#include "logread.h"
#include "logsites.h"
#include "pylines.h"
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* lineage -> {"exe", "order", "sources": {"symbol/controlled": record}, "sites": {symbol: record},
 * "lines": {symbol: {"file:line in function": {"calls", "class", "frame"}}}} */
/* counts, when given, gets each uncontrolled text with its calls summed. */
static void tally(json_object *counts, const char *text, int64_t n)
{
	json_object *c;
	if (counts)
		json_object_object_add(counts, text, json_object_new_int64(
			(json_object_object_get_ex(counts, text, &c) ? json_object_get_int64(c) : 0) + n));
}

/* The calls of a site record, under the Python line that speaks for it. */
static void count_line(json_object *lines, json_object *rec)
{
	json_object *python, *of, *l;
	if (!json_object_object_get_ex(rec, ND_LK_PYTHON, &python) || !json_object_array_length(python))
		return;
	enum pylines_class cls;
	json_object *frame = pylines_frame(python, &cls);
	char text[1200];
	pylines_format(frame, text, sizeof(text));
	if (!json_object_object_get_ex(lines, str(rec, ND_LK_SYMBOL), &of)) {
		of = json_object_new_object();
		json_object_object_add(lines, str(rec, ND_LK_SYMBOL), of);
	}
	if (!json_object_object_get_ex(of, text, &l)) {
		l = json_object_new_object();
		json_object_object_add(l, "class", json_object_new_int(cls));
		json_object_object_add(l, "frame", json_object_get(frame));
		json_object_object_add(of, text, l);
	}
	json_object_object_add(l, "calls", json_object_new_int64(num(l, "calls") + num(rec, ND_LK_COUNT)));
}

static json_object *index_log_counted(const char *path, json_object **uncontrolled, json_object *counts)
{
	FILE *f = fopen(path, "r");
	json_object *procs = json_object_new_object();
	*uncontrolled = json_object_new_array();
	if (!f)
		return procs;
	char *line = NULL;
	size_t cap = 0;
	int order = 0;
	while (getline(&line, &cap, f) > 0) {
		json_object *rec = json_tokener_parse(line);
		if (!rec)
			continue;
		const char *type = str(rec, ND_LK_TYPE), *lineage = str(rec, ND_LK_LINEAGE);
		json_object *p;
		if (!json_object_object_get_ex(procs, lineage, &p)) {
			p = json_object_new_object();
			json_object_object_add(p, "order", json_object_new_int(order++));
			json_object_object_add(p, "sources", json_object_new_object());
			json_object_object_add(p, "sites", json_object_new_object());
			json_object_object_add(p, "lines", json_object_new_object());
			json_object_object_add(procs, lineage, p);
		}
		char key[256];
		if (!strcmp(type, ND_LT_PROCESS)) {
			json_object_object_add(p, "exe", json_object_new_string(str(rec, ND_LK_EXE)));
		} else if (!strcmp(type, ND_LT_SOURCE)) {
			int served = json_object_get_boolean(json_object_object_get(rec, ND_LK_CONTROLLED));
			snprintf(key, sizeof(key), "%s/%s", str(rec, ND_LK_SYMBOL), served ? "served" : "passed");
			json_object_object_add(json_object_object_get(p, "sources"), key, json_object_get(rec));
			const char *kind = report_kind_of_family(str(rec, ND_LK_FAMILY), str(rec, ND_LK_SYMBOL));
			if (!served && kind) {
				char text[512];
				snprintf(text, sizeof(text), "%s: %s passed through to libc in %s", kind, str(rec, ND_LK_SYMBOL),
					 str(rec, ND_LK_LINEAGE));
				json_object_array_add(*uncontrolled, json_object_new_string(text));
				tally(counts, text, num(rec, ND_LK_COUNT));
			}
		} else if (!strcmp(type, ND_LT_SITE)) {
			json_object *sites = json_object_object_get(p, "sites"), *best;
			if (!json_object_object_get_ex(sites, str(rec, ND_LK_SYMBOL), &best) ||
			    num(rec, ND_LK_COUNT) > num(best, ND_LK_COUNT))
				json_object_object_add(sites, str(rec, ND_LK_SYMBOL), json_object_get(rec));
			count_line(json_object_object_get(p, "lines"), rec);
		} else if (!strcmp(type, ND_LT_UNCONTROLLED)) {
			snprintf(key, sizeof(key), "%s: ", str(rec, ND_LK_KIND));
			char text[1024];
			snprintf(text, sizeof(text), "%s%s", key, str(rec, ND_LK_DETAIL));
			json_object_array_add(*uncontrolled, json_object_new_string(text));
			tally(counts, text, num(rec, ND_LK_COUNT));
		}
		json_object_put(rec);
	}
	free(line);
	fclose(f);
	return procs;
}

static json_object *index_log(const char *path, json_object **uncontrolled)
{
	return index_log_counted(path, uncontrolled, NULL);
}

static json_object *event(const char *lineage, json_object *proc, const char *family, const char *symbol,
			  const char *detail)
{
	json_object *e = json_object_new_object();
	json_object_object_add(e, "process", json_object_new_string(str(proc, ND_LK_EXE)));
	json_object_object_add(e, "lineage", json_object_new_string(lineage));
	json_object_object_add(e, "family", json_object_new_string(family));
	json_object_object_add(e, "symbol", json_object_new_string(symbol));
	json_object_object_add(e, "detail", json_object_new_string(detail));
	json_object *site;
	if (json_object_object_get_ex(json_object_object_get(proc, "sites"), symbol, &site)) {
		json_object *frames = json_object_object_get(site, "frames");
		json_object *top = frames ? json_object_array_get_idx(frames, 0) : NULL;
		if (top) {
			char where[4200];
			logsites_symbolize(str(top, ND_LK_OBJECT), str(top, ND_LK_FILE_OFFSET), where, sizeof(where));
			json_object_object_add(e, "site", json_object_new_string(where));
		}
	}
	return e;
}

static int by_first(const void *a, const void *b)
{
	int64_t x = num(*(json_object *const *)a, "first"), y = num(*(json_object *const *)b, "first");
	return (x > y) - (x < y);
}

static int64_t calls_at(json_object *proc, const char *symbol, const char *text)
{
	json_object *of, *l;
	return json_object_object_get_ex(json_object_object_get(proc, "lines"), symbol, &of) &&
			       json_object_object_get_ex(of, text, &l)
		       ? num(l, "calls")
		       : 0;
}

/* The Python line of a divergence: among the lines that reached symbol in
 * either run, one whose calls differ — the program's own before libraries'
 * and the standard library's, then the largest difference — with both
 * counts; else the busiest line, without counts. */
static void python_line(json_object *e, const char *symbol, json_object *pa, json_object *pb)
{
	json_object *best = NULL, *busiest = NULL;
	int64_t best_a = 0, best_b = 0, best_cls = PYLINES_NONE, best_gap = -1, most = -1;
	for (int run = 0; run < 2; run++) {
		json_object *of;
		if (!json_object_object_get_ex(json_object_object_get(run ? pb : pa, "lines"), symbol, &of))
			continue;
		json_object_object_foreach(of, text, l)
		{
			int64_t a = calls_at(pa, symbol, text), b = calls_at(pb, symbol, text), gap = a > b ? a - b : b - a;
			if (num(l, "calls") > most) {
				most = num(l, "calls");
				busiest = l;
			}
			if (gap && (num(l, "class") < best_cls || (num(l, "class") == best_cls && gap > best_gap))) {
				best = l;
				best_a = a, best_b = b, best_cls = num(l, "class"), best_gap = gap;
			}
		}
	}
	json_object *at = best ? best : busiest;
	if (!at)
		return;
	json_object *frame = json_object_object_get(at, "frame"), *py = json_object_new_object();
	static const char *const keys[] = { "file", "line", "function" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_object_add(py, keys[i], json_object_get(json_object_object_get(frame, keys[i])));
	if (best) {
		json_object *calls = json_object_new_array();
		json_object_array_add(calls, json_object_new_int64(best_a));
		json_object_array_add(calls, json_object_new_int64(best_b));
		json_object_object_add(py, "calls", calls);
	}
	json_object_object_add(e, "python", py);
}

static int nearness(json_object *e);
static int rank(json_object *e);
#define RANK_BEST (2 * PYLINES_USER)

/* The differing source of one process present in both runs: the first in
 * order of first use, unless a later one's differing Python line is nearer
 * the program's own code (the user's draws, where the first is a clock read
 * of the standard library's polling: a symptom of timing), or as near and
 * not a clock read (rank). */
static json_object *compare_process(const char *lineage, json_object *pa, json_object *pb)
{
	json_object *sa = json_object_object_get(pa, "sources"), *sb = json_object_object_get(pb, "sources");
	json_object *list = json_object_new_array();
	json_object_object_foreach(sa, k1, v1)
	{
		(void)k1;
		json_object_array_add(list, json_object_get(v1));
	}
	json_object_object_foreach(sb, k2, v2)
	{
		if (!json_object_object_get_ex(sa, k2, NULL))
			json_object_array_add(list, json_object_get(v2));
	}
	json_object_array_sort(list, by_first);
	json_object *found = NULL;
	for (size_t i = 0; i < json_object_array_length(list) && (!found || rank(found) > RANK_BEST); i++) {
		json_object *r = json_object_array_get_idx(list, i), *ra, *rb;
		char key[256], detail[512];
		snprintf(key, sizeof(key), "%s/%s", str(r, ND_LK_SYMBOL),
			 json_object_get_boolean(json_object_object_get(r, "controlled")) ? "served" : "passed");
		int in_a = json_object_object_get_ex(sa, key, &ra), in_b = json_object_object_get_ex(sb, key, &rb);
		if (in_a && in_b && num(ra, ND_LK_COUNT) == num(rb, ND_LK_COUNT) && num(ra, ND_LK_BYTES) == num(rb, ND_LK_BYTES) &&
		    num(ra, ND_LK_FIRST) == num(rb, ND_LK_FIRST))
			continue;
		snprintf(detail, sizeof(detail), "%s %s: %lld calls (%lld bytes) in one run, %lld calls (%lld bytes) in the other",
			 str(r, ND_LK_FAMILY), str(r, ND_LK_SYMBOL), (long long)(in_a ? num(ra, ND_LK_COUNT) : 0),
			 (long long)(in_a ? num(ra, ND_LK_BYTES) : 0), (long long)(in_b ? num(rb, ND_LK_COUNT) : 0),
			 (long long)(in_b ? num(rb, ND_LK_BYTES) : 0));
		json_object *e = event(lineage, in_a ? pa : pb, str(r, ND_LK_FAMILY), str(r, ND_LK_SYMBOL), detail);
		python_line(e, str(r, ND_LK_SYMBOL), pa, pb);
		if (!found || rank(e) < rank(found)) {
			json_object_put(found);
			found = e;
		} else {
			json_object_put(e);
		}
	}
	json_object_put(list);
	return found;
}

/* How near an event is to the program's own code: the class of its Python
 * line (pylines.h) when its calls differ between the runs, else
 * PYLINES_NONE (a busiest line says nothing of where the runs split). */
static int nearness(json_object *e)
{
	json_object *py;
	return json_object_object_get_ex(e, "python", &py) && json_object_object_get_ex(py, "calls", NULL)
		       ? (int)pylines_class(str(py, "file"))
		       : PYLINES_NONE;
}

/* Nearness first; among equals a clock read comes after any other source:
 * how often a program reads the clock while it waits follows the machine's
 * load (a pool's parent polling inside pool.map at the user's own line),
 * while a differing count of draws or reads is where the runs split. */
static int rank(json_object *e)
{
	return 2 * nearness(e) + !strcmp(str(e, "family"), "clock");
}

/* A process that ran in one run only is the divergence. Otherwise every
 * process present in both is compared, and the divergence shown is the one
 * nearest the program's own code (a worker's draws at the user's line
 * rather than the parent's polling in the standard library; a clock read
 * after any other source as near: rank), the first in the log among
 * equals. */
json_object *logdiff_first(const char *log_a, const char *log_b)
{
	json_object *ua, *ub;
	json_object *a = index_log(log_a, &ua), *b = index_log(log_b, &ub);
	json_object *found = NULL;
	json_object_object_foreach(a, lineage, pa)
	{
		json_object *pb;
		if (!json_object_object_get_ex(b, lineage, &pb)) {
			json_object_put(found);
			found = event(lineage, pa, "process", "fork/exec", "this process ran in one run only");
			break;
		}
		json_object *e = compare_process(lineage, pa, pb);
		if (e && (!found || rank(e) < rank(found))) {
			json_object_put(found);
			found = e;
		} else {
			json_object_put(e);
		}
	}
	json_object_object_foreach(b, lineage2, pb2)
	{
		if (!json_object_object_get_ex(a, lineage2, NULL)) {
			json_object_put(found);
			found = event(lineage2, pb2, "process", "fork/exec", "this process ran in one run only");
			break;
		}
	}
	if (found && (json_object_array_length(ua) || json_object_array_length(ub))) {
		json_object_object_add(found, "uncontrolled", json_object_get(json_object_array_length(ua) ? ua : ub));
	}
	json_object_put(a);
	json_object_put(b);
	json_object_put(ua);
	json_object_put(ub);
	return found;
}

json_object *logdiff_uncontrolled(const char *log)
{
	json_object *u;
	json_object_put(index_log(log, &u));
	return u;
}

json_object *logdiff_uncontrolled_counts(const char *log)
{
	json_object *u, *counts = json_object_new_object();
	json_object_put(index_log_counted(log, &u, counts));
	json_object_put(u);
	return counts;
}

json_object *logdiff_seeded_draws(const char *log)
{
	static const char *const families[] = { "entropy", "prng", "device", "tempname" };
	json_object *counts = json_object_new_object(), *out = json_object_new_array();
	FILE *f = fopen(log, "r");
	char *line = NULL;
	size_t cap = 0;
	while (f && getline(&line, &cap, f) > 0) {
		json_object *rec = json_tokener_parse(line);
		if (rec && !strcmp(str(rec, ND_LK_TYPE), ND_LT_SOURCE) && flag(rec, ND_LK_CONTROLLED))
			for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
				if (!strcmp(str(rec, ND_LK_FAMILY), families[i]))
					tally(counts, str(rec, ND_LK_SYMBOL), num(rec, ND_LK_COUNT));
		json_object_put(rec);
	}
	free(line);
	if (f)
		fclose(f);
	json_object_object_foreach(counts, symbol, n)
	{
		char text[256];
		snprintf(text, sizeof(text), "%s x%lld", symbol, (long long)json_object_get_int64(n));
		json_object_array_add(out, json_object_new_string(text));
	}
	json_object_put(counts);
	return out;
}
