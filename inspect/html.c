/*
 * The page both HTML reports share: the head with its inline style, escaped
 * text, the environment record and the closing; html_inspect.c and
 * html_verify.c write the rest. Every element is closed and every attribute
 * quoted, so the page is well-formed XML as well as HTML (a test checks it
 * with xmllint, and renders it in headless Chromium).
 */
#include "html_page.h"
#include "jsonget.h"
#include "xmltext.h"

#include <string.h>

static const char style[] =
	"body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1200px;color:#1d2330;padding:0 16px}"
	"h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #d8dde6;"
	"padding-bottom:4px}code,pre,.mono{font-family:ui-monospace,monospace;font-size:12.5px}"
	"table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:4px 8px;"
	"border-bottom:1px solid #eceff4}th{background:#f5f7fa;font-weight:600}td.num{text-align:right}"
	".badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}"
	".ok{background:#e3f4e8;color:#17622f}.bad{background:#fde7e7;color:#9b1c1c}.info{background:#eef2f8;"
	"color:#34476b}.muted{color:#6b7485}ul.tree,ul.tree ul{list-style:none;padding-left:18px}"
	"ul.sites{margin:0;padding-left:0;list-style:none}.user{font-weight:600}pre{white-space:pre-wrap;"
	"margin:0}.side td{width:50%}.minus{background:#fdf0f0}.plus{background:#eef8f1}";

void html_text(FILE *f, const char *s)
{
	xmltext_write(f, s);
}

void html_head(FILE *f, const char *title, const char *command)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>", f);
	html_text(f, title);
	fputs("</title><style>", f);
	fputs(style, f);
	fputs("</style></head><body>\n<h1>", f);
	html_text(f, title);
	fputs("</h1>\n<p class=\"mono\">", f);
	html_text(f, command);
	fputs("</p>\n", f);
}

void html_environment(FILE *f, json_object *model)
{
	json_object *e, *group;
	if (!json_object_object_get_ex(model, "environment", &e))
		return;
	fputs("<h2 id=\"environment\">Environment</h2>\n<table>", f);
	static const char *const keys[] = { "nodice", "commit", "seed", "kernel", "machine", "cpu", "isa", "glibc" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		fprintf(f, "<tr><th>%s</th><td class=\"mono\">", keys[i]);
		html_text(f, str(e, keys[i]));
		fputs("</td></tr>", f);
	}
	json_object *opts;
	if (json_object_object_get_ex(e, "options", &opts)) {
		fputs("<tr><th>options</th><td class=\"mono\">", f);
		for (size_t i = 0; i < json_object_array_length(opts); i++) {
			html_text(f, i ? " " : "");
			html_text(f, json_object_get_string(json_object_array_get_idx(opts, i)));
		}
		fputs("</td></tr>", f);
	}
	static const char *const groups[] = { "libraries", "variables" };
	for (size_t g = 0; g < 2; g++) {
		if (!json_object_object_get_ex(e, groups[g], &group))
			continue;
		fprintf(f, "<tr><th>%s</th><td class=\"mono\">", groups[g]);
		const char *sep = "";
		json_object_object_foreach(group, name, value)
		{
			fputs(sep, f);
			html_text(f, name);
			fputs(g ? "=" : " ", f);
			html_text(f, json_object_get_string(value));
			sep = g ? "<br/>" : ", ";
		}
		fputs("</td></tr>", f);
	}
	fputs("</table>\n", f);
}

void html_badge(FILE *f, const char *cls, const char *text)
{
	fprintf(f, "<span class=\"badge %s\">", cls);
	html_text(f, text);
	fputs("</span>", f);
}

int html_close(FILE *f, const char *path, char *why, size_t size)
{
	fputs("<p class=\"muted\">Written by nodice; self-contained: nothing on this page is fetched.</p>\n"
	      "</body></html>\n",
	      f);
	int bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		snprintf(why, size, "cannot write %s", path);
		return -1;
	}
	return 0;
}
