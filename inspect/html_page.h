/* The parts every HTML report shares (html.c). */
#ifndef ND_HTML_PAGE_H
#define ND_HTML_PAGE_H

#include <json-c/json.h>
#include <stdio.h>

/* s escaped for the page (xmltext.h). */
void html_text(FILE *f, const char *s);

/* The document up to the title and the command line. */
void html_head(FILE *f, const char *title, const char *command);

/* The "environment" record of model or report as a table. */
void html_environment(FILE *f, json_object *model);

/* A coloured label: cls is ok, bad or info. */
void html_badge(FILE *f, const char *cls, const char *text);

/* The footer; closes f: 0, or -1 with why. */
int html_close(FILE *f, const char *path, char *why, size_t size);

#endif
