/*
 * `verify --html FILE`: the verdict, what was compared, each difference
 * with the two runs' lines side by side (the text report's "-" lines on the
 * left, "+" lines on the right), the first divergent event with its Python
 * line, the likely causes, the seed check and the environment.
 */
#include "html.h"
#include "html_page.h"
#include "jsonget.h"
#include "pylines.h"

#include <string.h>

/* A difference's detail (compare.c): its first line as the heading, then
 * the lines before the difference on both sides and each run's differing
 * line on its own side. */
static void side_by_side(FILE *f, const char *detail)
{
	const char *nl = strchr(detail, '\n');
	fputs("<p>", f);
	if (!nl) {
		html_text(f, detail);
		fputs("</p>", f);
		return;
	}
	char head[1024];
	int a = 0, b = 0;
	snprintf(head, sizeof(head), "%.*s", (int)(nl - detail), detail);
	html_text(f, head);
	if (sscanf(head, "run %d and run %d", &a, &b) == 2)
		fprintf(f, "</p><table class=\"side\"><tr><th>run %d</th><th>run %d</th></tr>", a, b);
	else
		fputs("</p><table class=\"side\"><tr><th>the first run</th><th>the other run</th></tr>", f);
	fputs("<tr><td class=\"minus\"><pre>", f);
	for (int side = 0; side < 2; side++) {
		if (side)
			fputs("</pre></td><td class=\"plus\"><pre>", f);
		for (const char *l = nl + 1; *l;) {
			const char *e = strchr(l, '\n');
			size_t len = e ? (size_t)(e - l) : strlen(l);
			char line[2048];
			snprintf(line, sizeof(line), "%.*s", (int)len, l);
			/* compare.c's prefixes: context "      ", the runs "    - " and "    + " */
			if (!strncmp(line, side ? "    + " : "    - ", 6) || !strncmp(line, "      ", 6)) {
				html_text(f, line + 6);
				fputc('\n', f);
			}
			l += len + (e ? 1 : 0);
		}
	}
	fputs("</pre></td></tr></table>\n", f);
}

static void divergence(FILE *f, json_object *report)
{
	json_object *v, *py, *calls, *runs;
	if (!json_object_object_get_ex(report, "first_divergent_event", &v))
		return;
	fputs("<h2 id=\"divergence\">First divergent intercepted event</h2>\n<p>In <span class=\"mono\">", f);
	html_text(f, str(v, "process"));
	fputs("</span> (lineage ", f);
	html_text(f, str(v, "lineage"));
	fputs("): ", f);
	html_text(f, str(v, "detail"));
	fputs("</p>\n", f);
	if (json_object_object_get_ex(v, "python", &py)) {
		char line[1200];
		pylines_format(py, line, sizeof(line));
		fputs("<p>first divergence: <span class=\"mono user\">", f);
		html_text(f, str(v, "symbol"));
		fputs(" at ", f);
		html_text(f, line);
		fputs("</span>", f);
		if (json_object_object_get_ex(py, "calls", &calls) && json_object_object_get_ex(v, "runs", &runs))
			fprintf(f, " — run %d: %lld calls, run %d: %lld", json_object_get_int(json_object_array_get_idx(runs, 0)),
				(long long)json_object_get_int64(json_object_array_get_idx(calls, 0)),
				json_object_get_int(json_object_array_get_idx(runs, 1)),
				(long long)json_object_get_int64(json_object_array_get_idx(calls, 1)));
		fputs("</p>\n", f);
	}
	if (*str(v, "site")) {
		fputs("<p class=\"muted\">C site: <span class=\"mono\">", f);
		html_text(f, str(v, "site"));
		fputs("</span></p>\n", f);
	}
}

static void list(FILE *f, json_object *report, const char *key, const char *title)
{
	json_object *v;
	if (!json_object_object_get_ex(report, key, &v) || !json_object_array_length(v))
		return;
	fprintf(f, "<h2>%s</h2>\n<ul>", title);
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		fputs("<li>", f);
		html_text(f, json_object_get_string(json_object_array_get_idx(v, i)));
		fputs("</li>", f);
	}
	fputs("</ul>\n", f);
}

int html_verify(const char *path, json_object *report, const char *command, char *why, size_t size)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(why, size, "--html '%s': cannot write", path);
		return -1;
	}
	html_head(f, "nodice verify", command);
	int same = flag(report, "identical");
	fprintf(f, "<p>%lld runs with seed <span class=\"mono\">", (long long)num(report, "runs"));
	html_text(f, str(report, "seed"));
	fputs("</span>: ", f);
	html_badge(f, same ? "ok" : "bad", same ? "reproducible" : "NOT reproducible");
	fputs("</p>\n<h2 id=\"checked\">Compared</h2>\n<table><tr><th>item</th><th>verdict</th></tr>", f);
	json_object *checked = json_object_object_get(report, "checked"), *diffs = json_object_object_get(report, "differences");
	for (size_t i = 0; checked && i < json_object_array_length(checked); i++) {
		const char *what = json_object_get_string(json_object_array_get_idx(checked, i));
		int bad = 0;
		for (size_t k = 0; diffs && k < json_object_array_length(diffs); k++)
			bad |= !strcmp(str(json_object_array_get_idx(diffs, k), "what"), what);
		fputs("<tr><td>", f);
		html_text(f, what);
		fputs("</td><td>", f);
		html_badge(f, bad ? "bad" : "ok", bad ? "DIFFERS" : "same");
		fputs("</td></tr>", f);
	}
	fputs("</table>\n", f);
	if (diffs && json_object_array_length(diffs)) {
		fputs("<h2 id=\"differences\">Differences</h2>\n", f);
		for (size_t k = 0; k < json_object_array_length(diffs); k++) {
			json_object *d = json_object_array_get_idx(diffs, k);
			fputs("<h3>", f);
			html_text(f, str(d, "what"));
			fputs("</h3>\n", f);
			side_by_side(f, str(d, "detail"));
		}
	}
	divergence(f, report);
	list(f, report, "likely_causes", "Likely causes (not controlled by nodice)");
	json_object *v;
	if (json_object_object_get_ex(report, "seed_dependent", &v)) {
		fputs("<h2>With another seed</h2>\n<p>", f);
		html_text(f, json_object_get_boolean(v) ? "the outputs change (they depend on the seed)"
						       : "the outputs are the same (they do not depend on the seed)");
		fputs("</p>\n", f);
		list(f, report, "seed_ignored_draws", "Seeded draws the outputs ignored");
	}
	html_environment(f, report);
	return html_close(f, path, why, size);
}
