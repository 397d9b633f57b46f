/*
 * The HTML reports: `inspect --html FILE` and `verify --html FILE` write one
 * self-contained page each (inline style, no script, no network, no
 * external asset), well-formed as XML too, from the same model the JSON
 * report is made of.
 */
#ifndef ND_HTML_H
#define ND_HTML_H

#include <json-c/json.h>
#include <stddef.h>

/* The inspect report: the run, the seed, the environment, the process
 * tree, the sources with their Python lines and call sites, the framework
 * knobs and what was uncontrolled and why. 0, or -1 with why. */
int html_inspect(const char *path, json_object *model, int status, const char *command, char *why, size_t size);

/* The verify report: the verdict, what was compared, each difference with
 * the two runs side by side, the first divergent event and its Python
 * line, the likely causes, the seed check and the environment. */
int html_verify(const char *path, json_object *report, const char *command, char *why, size_t size);

#endif
