/* /proc/self/maps, parsed in place; see maps.h. */
#include "nodice.h"
#include "fmt.h"
#include "maps.h"

#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>

static char text[4 << 20];
static size_t used;

int nd_maps_load(void)
{
	int fd = (int)nd_sys(SYS_openat, AT_FDCWD, (long)"/proc/self/maps", O_RDONLY | O_CLOEXEC, 0, 0, 0);
	used = 0;
	if (fd < 0)
		return -1;
	for (;;) {
		long n = nd_sys(SYS_read, fd, (long)(text + used), (long)(sizeof(text) - 1 - used), 0, 0, 0);
		if (n <= 0)
			break;
		used += (size_t)n;
		if (used == sizeof(text) - 1)
			break;
	}
	nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
	text[used] = 0;
	return 0;
}

struct line {
	uint64_t start, end, offset;
	int exec;
	const char *path;
	size_t len;
};

/* Parses the line at *p and moves *p to the next; 0 at the end. */
static int next_line(const char **p, struct line *l)
{
	const char *s = *p;
	if (!*s)
		return 0;
	const char *eol = strchr(s, '\n');
	if (!eol)
		eol = s + strlen(s);
	*p = *eol ? eol + 1 : eol;
	l->start = nd_scan_hex(&s);
	s++;
	l->end = nd_scan_hex(&s);
	s++;
	l->exec = s + 2 < eol && s[2] == 'x';
	s += 5;
	l->offset = nd_scan_hex(&s);
	for (int fields = 0; fields < 2 && s < eol; fields++) { /* device, inode */
		while (s < eol && *s == ' ')
			s++;
		while (s < eol && *s != ' ')
			s++;
	}
	while (s < eol && *s == ' ')
		s++;
	l->path = s;
	l->len = (size_t)(eol - s);
	return 1;
}

int nd_maps_locate(uintptr_t addr, const char **path, size_t *len, uint64_t *file_offset)
{
	const char *p = text;
	struct line l;
	while (next_line(&p, &l))
		if (addr >= l.start && addr < l.end && l.len && l.path[0] == '/') {
			*path = l.path;
			*len = l.len;
			*file_offset = addr - l.start + l.offset;
			return 0;
		}
	return -1;
}

void nd_maps_objects(void (*each)(const char *path, size_t len, void *ctx), void *ctx)
{
	const char *p = text;
	struct line l;
	const char *prev = NULL;
	size_t prev_len = 0;
	while (next_line(&p, &l)) {
		if (!l.exec || !l.len || l.path[0] != '/')
			continue;
		if (prev && prev_len == l.len && !memcmp(prev, l.path, l.len))
			continue;
		/* Mappings of one file are adjacent, but an object may come back
		 * after another: check what was already listed. */
		const char *q = text;
		struct line e;
		int seen = 0;
		while (next_line(&q, &e) && e.path != l.path)
			if (e.exec && e.len == l.len && !memcmp(e.path, l.path, l.len)) {
				seen = 1;
				break;
			}
		if (!seen)
			each(l.path, l.len, ctx);
		prev = l.path;
		prev_len = l.len;
	}
}
