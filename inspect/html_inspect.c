/*
 * `inspect --html FILE`: the run, its environment, the process tree (each
 * process under the one that started it, its images in order), the sources
 * with their call sites — Python lines first, grouped as in the text report
 * (pylines.h) — the framework knobs, and what was uncontrolled, why, and
 * whether it fails --strict.
 */
#include "html.h"
#include "html_page.h"
#include "jsonget.h"
#include "pylines.h"
#include "report.h"

#include <stdlib.h>
#include <string.h>

#define SITES_SHOWN 8

static void sites_cell(FILE *f, json_object *sites)
{
	fputs("<ul class=\"sites\">", f);
	json_object *groups = pylines_group(sites);
	size_t shown = 0, more = 0;
	for (size_t i = 0; i < json_object_array_length(groups); i++) {
		json_object *g = json_object_array_get_idx(groups, i);
		if (shown++ >= SITES_SHOWN) {
			more++;
			continue;
		}
		fprintf(f, "<li><span class=\"mono%s\">", strcmp(str(g, "class"), "user") ? "" : " user");
		html_text(f, str(g, "line"));
		fprintf(f, "</span> <span class=\"muted\">&#215;%lld", (long long)num(g, "count"));
		if (*str(g, "through")) {
			fputs(", through ", f);
			html_text(f, str(g, "through"));
		}
		fputs("</span></li>", f);
	}
	json_object_put(groups);
	for (size_t i = 0; sites && i < json_object_array_length(sites); i++) {
		json_object *s = json_object_array_get_idx(sites, i);
		if (json_object_object_get_ex(s, "python", NULL))
			continue;
		if (shown++ >= SITES_SHOWN) {
			more++;
			continue;
		}
		fputs("<li><span class=\"mono\">", f);
		html_text(f, str(s, "object"));
		fputs(": ", f);
		html_text(f, str(s, "function"));
		fprintf(f, "</span> <span class=\"muted\">&#215;%lld", (long long)num(s, "count"));
		if (*str(s, "via")) {
			fputs(", via ", f);
			html_text(f, str(s, "via"));
		}
		fputs("</span></li>", f);
	}
	if (more)
		fprintf(f, "<li class=\"muted\">%zu more sites (in --json)</li>", more);
	fputs("</ul>", f);
}

static void sources(FILE *f, json_object *model)
{
	json_object *list = json_object_object_get(model, "sources");
	fputs("<h2 id=\"sources\">Sources</h2>\n<table><tr><th>family</th><th>symbol</th><th>calls</th>"
	      "<th>controlled</th><th>call sites: Python lines (yours first), then C</th></tr>\n",
	      f);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *s = json_object_array_get_idx(list, i), *sites = NULL;
		fputs("<tr><td>", f);
		html_text(f, str(s, "family"));
		fputs("</td><td class=\"mono\">", f);
		html_text(f, str(s, "symbol"));
		fprintf(f, "</td><td class=\"num\">%lld</td><td>", (long long)num(s, "count"));
		html_badge(f, flag(s, "controlled") ? "ok" : "bad", flag(s, "controlled") ? "yes" : "NO");
		fputs("</td><td>", f);
		json_object_object_get_ex(s, "sites", &sites);
		sites_cell(f, sites);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* The processes under their parents; the images of one pid in log order. */
static void subtree(FILE *f, json_object *procs, int64_t pid, int depth)
{
	size_t n = json_object_array_length(procs);
	fputs("<ul class=\"tree\">", f);
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(procs, i);
		int64_t me = num(p, "pid");
		int first = 1;
		for (size_t k = 0; k < i; k++)
			first &= num(json_object_array_get_idx(procs, k), "pid") != me;
		if (num(p, "ppid") != pid || !first || me == pid)
			continue;
		fprintf(f, "<li><span class=\"mono\">pid %lld</span> ", (long long)me);
		const char *arrow = "";
		for (size_t k = i; k < n; k++) {
			json_object *q = json_object_array_get_idx(procs, k);
			if (num(q, "pid") != me)
				continue;
			fputs(arrow, f);
			fputs("<span class=\"mono\">", f);
			html_text(f, str(q, "exe"));
			fputs("</span> <span class=\"muted\">(", f);
			html_text(f, str(q, "end"));
			fputs(", lineage ", f);
			html_text(f, str(q, "lineage"));
			fputs(")</span>", f);
			arrow = " &#8594; ";
		}
		if (depth < 64)
			subtree(f, procs, me, depth + 1);
		fputs("</li>", f);
	}
	fputs("</ul>", f);
}

static void tree(FILE *f, json_object *model)
{
	json_object *procs = json_object_object_get(model, "processes");
	size_t n = json_object_array_length(procs);
	fprintf(f, "<h2 id=\"processes\">Process tree (%zu process image%s)</h2>\n", n, n == 1 ? "" : "s");
	/* under each parent outside the run (the command, or init), once */
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(procs, i);
		int root = 1, first = 1;
		for (size_t k = 0; k < n; k++) {
			json_object *q = json_object_array_get_idx(procs, k);
			root &= num(q, "pid") != num(p, "ppid");
		}
		for (size_t k = 0; k < i && root; k++) {
			json_object *q = json_object_array_get_idx(procs, k);
			int q_root = 1;
			for (size_t j = 0; j < n; j++)
				q_root &= num(json_object_array_get_idx(procs, j), "pid") != num(q, "ppid");
			first &= !(q_root && num(q, "ppid") == num(p, "ppid"));
		}
		if (root && first)
			subtree(f, procs, num(p, "ppid"), 0);
	}
}

static void uncontrolled(FILE *f, json_object *model)
{
	json_object *list = json_object_object_get(model, "uncontrolled");
	fputs("<h2 id=\"uncontrolled\">Uncontrolled, and why</h2>\n", f);
	size_t n = json_object_array_length(list);
	if (!n) {
		fputs("<p>Nothing: every source the run used was served by nodice.</p>\n", f);
		return;
	}
	fputs("<table><tr><th>kind</th><th>what</th><th>calls</th><th>--strict</th><th>why it matters, what to do</th></tr>\n",
	      f);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(list, i), *python;
		fputs("<tr><td class=\"mono\">", f);
		html_text(f, str(e, "kind"));
		fputs("</td><td>", f);
		html_text(f, str(e, "detail"));
		if (json_object_object_get_ex(e, "python", &python) && json_object_array_length(python)) {
			char line[1200];
			pylines_format(pylines_frame(python, NULL), line, sizeof(line));
			fputs("<br/><span class=\"mono\">at ", f);
			html_text(f, line);
			fputs("</span>", f);
		}
		fprintf(f, "</td><td class=\"num\">%lld</td><td>", (long long)num(e, "count"));
		if (flag(e, "strict"))
			html_badge(f, "bad", "fails");
		else
			html_badge(f, "info", flag(e, "observed") ? "informs" : "not observed");
		fputs("</td><td>", f);
		html_text(f, str(e, "advice"));
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void knobs(FILE *f, json_object *model)
{
	json_object *list;
	if (!json_object_object_get_ex(model, "knobs", &list) || !json_object_array_length(list))
		return;
	fputs("<h2 id=\"knobs\">Framework knobs</h2>\n<table><tr><th>name</th><th>value</th><th>set by</th>"
	      "<th>processes</th></tr>\n",
	      f);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *k = json_object_array_get_idx(list, i);
		fputs("<tr><td class=\"mono\">", f);
		html_text(f, str(k, "name"));
		fputs("</td><td class=\"mono\">", f);
		html_text(f, str(k, "value"));
		fputs("</td><td>", f);
		html_text(f, str(k, "set_by"));
		fprintf(f, "</td><td class=\"num\">%lld</td></tr>\n", (long long)num(k, "processes"));
	}
	fputs("</table>\n", f);
}

int html_inspect(const char *path, json_object *model, int status, const char *command, char *why, size_t size)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(why, size, "--html '%s': cannot write", path);
		return -1;
	}
	html_head(f, "nodice inspect", command);
	int strict = report_strict_findings(model);
	fprintf(f, "<p>seed <span class=\"mono\">");
	html_text(f, str(model, "seed"));
	fprintf(f, "</span>, exit status %d, %zu process images. ", status,
		json_object_array_length(json_object_object_get(model, "processes")));
	html_badge(f, strict ? "bad" : "ok", strict ? "fails --strict" : "passes --strict");
	fputs("</p>\n", f);
	html_environment(f, model);
	tree(f, model);
	sources(f, model);
	knobs(f, model);
	uncontrolled(f, model);
	return html_close(f, path, why, size);
}
