/*
 * Where two outputs first differ: for text, the first differing line with a
 * few lines of context from each side; for binary, the first differing byte.
 */
#ifndef ND_COMPARE_H
#define ND_COMPARE_H

#include <stddef.h>

struct compare_result {
	int differ;
	int binary;
	long long offset;  /* first differing byte */
	long line;         /* first differing line, 1-based (text) */
	char detail[4096]; /* human-readable excerpt */
};

/* Compares two files. Returns 0 (result filled) or -1 when one cannot be read. */
int compare_files(const char *a, const char *b, struct compare_result *r);

#endif
