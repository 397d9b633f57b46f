/*
 * Number and string formatting that is async-signal-safe: the shim formats
 * environment entries and log lines inside exec, _exit and signal paths,
 * where snprintf (locale, possible allocation) is not allowed.
 * All functions append at *p, never past end - 1, and keep a terminating NUL.
 */
#ifndef ND_FMT_H
#define ND_FMT_H

#include <stddef.h>
#include <stdint.h>

struct nd_buf {
	char *p, *end;
	int overflow;
};

#define ND_BUF(arr) ((struct nd_buf){ (arr), (arr) + sizeof(arr), 0 })

void nd_fmt_str(struct nd_buf *b, const char *s);
void nd_fmt_u64(struct nd_buf *b, uint64_t v);
void nd_fmt_i64(struct nd_buf *b, int64_t v);
void nd_fmt_hex(struct nd_buf *b, uint64_t v, int width);
void nd_fmt_hexmin(struct nd_buf *b, uint64_t v); /* no leading zeros */
void nd_fmt_json(struct nd_buf *b, const char *s); /* a quoted, escaped JSON string */
void nd_fmt_jsonn(struct nd_buf *b, const char *s, size_t len); /* the same, len bytes */
/* The lowercase hex digits at *p, as a number; *p moves past them (the
 * kernel's /proc files: maps, fdinfo). */
uint64_t nd_scan_hex(const char **p);

#endif
