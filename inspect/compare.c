/* First difference between two files; see compare.h. */
#include "compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTEXT 2

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0, got;
	do {
		if (n + 65536 > cap) {
			cap = (n + 65536) * 2;
			buf = realloc(buf, cap);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return buf ? buf : calloc(1, 1);
}

static int looks_binary(const char *s, size_t n)
{
	for (size_t i = 0; i < n && i < 65536; i++)
		if (s[i] == 0)
			return 1;
	return 0;
}

/* Appends line `no` (1-based) of s, prefixed, to out. */
static size_t add_line(char *out, size_t at, size_t size, const char *prefix, const char *s, size_t n, long no)
{
	const char *p = s, *end = s + n;
	for (long l = 1; l < no && p < end; l++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	if (p >= end || at >= size)
		return at;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	int len = (int)((nl ? nl : end) - p);
	if (len > 200)
		len = 200;
	at += (size_t)snprintf(out + at, size - at, "%s%6ld  %.*s\n", prefix, no, len, p);
	return at < size ? at : size - 1;
}

int compare_files(const char *a, const char *b, struct compare_result *r)
{
	size_t na, nb;
	char *sa = slurp(a, &na), *sb = slurp(b, &nb);
	memset(r, 0, sizeof(*r));
	if (!sa || !sb) {
		free(sa);
		free(sb);
		return -1;
	}
	size_t i = 0, min = na < nb ? na : nb;
	while (i < min && sa[i] == sb[i])
		i++;
	if (i == min && na == nb) {
		free(sa);
		free(sb);
		return 0;
	}
	r->differ = 1;
	r->offset = (long long)i;
	r->binary = looks_binary(sa, na) || looks_binary(sb, nb);
	if (r->binary) {
		snprintf(r->detail, sizeof(r->detail), "first differing byte at offset %lld (sizes %zu and %zu)",
			 r->offset, na, nb);
	} else {
		r->line = 1;
		for (size_t k = 0; k < i; k++)
			r->line += sa[k] == '\n';
		size_t at = (size_t)snprintf(r->detail, sizeof(r->detail), "first difference at line %ld:\n", r->line);
		for (long l = r->line - CONTEXT; l < r->line; l++)
			if (l >= 1)
				at = add_line(r->detail, at, sizeof(r->detail), "      ", sa, na, l);
		at = add_line(r->detail, at, sizeof(r->detail), "    - ", sa, na, r->line);
		at = add_line(r->detail, at, sizeof(r->detail), "    + ", sb, nb, r->line);
		if (at > 0 && r->detail[at - 1] == '\n')
			r->detail[at - 1] = 0;
	}
	free(sa);
	free(sb);
	return 0;
}
