/* Async-signal-safe formatting; see fmt.h. */
#include "fmt.h"

static void put(struct nd_buf *b, char c)
{
	if (b->p + 1 < b->end) {
		*b->p++ = c;
		*b->p = 0;
	} else {
		b->overflow = 1;
	}
}

void nd_fmt_str(struct nd_buf *b, const char *s)
{
	while (*s)
		put(b, *s++);
}

void nd_fmt_u64(struct nd_buf *b, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		put(b, tmp[--n]);
}

void nd_fmt_i64(struct nd_buf *b, int64_t v)
{
	if (v < 0) {
		put(b, '-');
		nd_fmt_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		nd_fmt_u64(b, (uint64_t)v);
	}
}

void nd_fmt_hex(struct nd_buf *b, uint64_t v, int width)
{
	static const char digits[] = "0123456789abcdef";
	for (int i = width - 1; i >= 0; i--)
		put(b, digits[(v >> (4 * i)) & 15]);
}

void nd_fmt_hexmin(struct nd_buf *b, uint64_t v)
{
	int width = 1;
	while (width < 16 && (v >> (4 * width)))
		width++;
	nd_fmt_hex(b, v, width);
}

void nd_fmt_json(struct nd_buf *b, const char *s)
{
	size_t n = 0;
	while (s && s[n])
		n++;
	nd_fmt_jsonn(b, s, n);
}

void nd_fmt_jsonn(struct nd_buf *b, const char *s, size_t len)
{
	put(b, '"');
	for (const char *end = s + len; s && s < end; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			put(b, '\\');
			put(b, (char)c);
		} else if (c < 0x20) {
			nd_fmt_str(b, "\\u00");
			nd_fmt_hex(b, c, 2);
		} else {
			put(b, (char)c);
		}
	}
	put(b, '"');
}

uint64_t nd_scan_hex(const char **p)
{
	uint64_t v = 0;
	for (;; (*p)++) {
		char c = **p;
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return v;
		v = v << 4 | (uint64_t)d;
	}
}
