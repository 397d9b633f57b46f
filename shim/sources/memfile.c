/*
 * Memory files the shim writes for files it answers itself (memfile.h).
 * Only system calls and a stack buffer: open stays async-signal-safe.
 */
#include "nodice.h"
#include "memfile.h"
#include "fmt.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

int nd_memfile_open(const char *name, int flags, struct nd_memfile *o)
{
	long fd = nd_sys(SYS_memfd_create, (long)name, (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0, 0, 0, 0, 0);
	o->fd = (int)fd;
	o->n = 0;
	return fd < 0 ? (int)fd : 0;
}

void nd_memfile_put(struct nd_memfile *o, const char *s, size_t len)
{
	while (len) {
		if (o->n == sizeof(o->buf)) {
			nd_sys(SYS_write, o->fd, (long)o->buf, (long)o->n, 0, 0, 0);
			o->n = 0;
		}
		size_t k = sizeof(o->buf) - o->n < len ? sizeof(o->buf) - o->n : len;
		memcpy(o->buf + o->n, s, k);
		o->n += k;
		s += k;
		len -= k;
	}
}

void nd_memfile_puts(struct nd_memfile *o, const char *s)
{
	nd_memfile_put(o, s, strlen(s));
}

void nd_memfile_putu(struct nd_memfile *o, uint64_t v)
{
	char d[24];
	struct nd_buf b = ND_BUF(d);
	nd_fmt_u64(&b, v);
	nd_memfile_put(o, d, (size_t)(b.p - d));
}

void nd_memfile_putfixed(struct nd_memfile *o, uint64_t v, int decimals)
{
	uint64_t scale = 1;
	for (int i = 0; i < decimals; i++)
		scale *= 10;
	nd_memfile_putu(o, v / scale);
	if (!decimals)
		return;
	char frac[24];
	uint64_t f = v % scale;
	for (int i = decimals - 1; i >= 0; i--, f /= 10)
		frac[i] = (char)('0' + f % 10);
	nd_memfile_put(o, ".", 1);
	nd_memfile_put(o, frac, (size_t)decimals);
}

int nd_memfile_done(struct nd_memfile *o)
{
	if (o->n)
		nd_sys(SYS_write, o->fd, (long)o->buf, (long)o->n, 0, 0, 0);
	o->n = 0;
	nd_sys(SYS_lseek, o->fd, 0, SEEK_SET, 0, 0, 0);
	nd_log_served(ND_SYM_open, 0);
	return o->fd;
}
