/*
 * Python lines in reports: which frame of a site's Python stack is the
 * user's, how it is written for people, and the grouping of a source's sites
 * by those lines (the user's own first, then libraries', then the standard
 * library's, then sites with no Python code).
 */
#ifndef ND_PYLINES_H
#define ND_PYLINES_H

#include <json-c/json.h>
#include <stddef.h>

enum pylines_class { PYLINES_USER, PYLINES_LIBRARY, PYLINES_STDLIB, PYLINES_NONE };

/* Whose code a file is: site-packages or dist-packages is a library's, the
 * interpreter's own directory (lib/pythonX.Y) or a <frozen …>/<string>
 * pseudo-file the standard library's, nodice's start-up hook nodice's (as
 * the standard library), anything else the user's. */
enum pylines_class pylines_class(const char *file);

/* The frame that speaks for a Python stack (array of {file, line, function},
 * innermost first): the innermost of the best class. NULL for no frames. */
json_object *pylines_frame(json_object *python, enum pylines_class *cls);

/* "train.py:23 in shuffle_batches"; a library's file from its package
 * ("numpy/random/_pickle.py:…"), the standard library's by its name. */
void pylines_format(json_object *frame, char *out, size_t size);

/* The sites of one source grouped by the line that speaks for them, in the
 * order above, larger counts first within a class: an array of {"line",
 * "class" ("user", "library", "stdlib"), "count", "through"?} where through
 * is the innermost frame when another frame speaks. Sites without Python
 * frames are left out (the caller lists them as C sites). */
json_object *pylines_group(json_object *sites);

/* Whether any site of the list has Python frames. */
int pylines_any(json_object *sites);

#endif
