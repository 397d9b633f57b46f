/* Text for XML and HTML pages (junit.c, html.c): &, <, >, " and ' as
 * entities, and the C0 controls XML 1.0 forbids as their Unicode control
 * pictures (U+2400 + c), so a page stays well-formed whatever a program
 * printed. */
#ifndef ND_XMLTEXT_H
#define ND_XMLTEXT_H

#include <stdio.h>

void xmltext_write(FILE *f, const char *s);

#endif
