/*
 * An epoll set's descriptors, read from /proc/self/fdinfo/<epfd>, where the
 * kernel writes one line per registered descriptor:
 *   tfd:        5 events:       19 data:                5  pos:0 ino:4d4 sdev:d
 * (events, data and ino in hex). A number closed or reused since its
 * registration is not the registered file, so each inode is checked.
 */
#include "nodice.h"
#include "epollset.h"
#include "fmt.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define FDINFO_MAX 4096 /* larger sets (hundreds of descriptors) are not looked through */

/* The hex value after `key` on the line that starts at p and ends at eol:
 * 1 when found. */
static int field(const char *p, const char *eol, const char *key, uint64_t *v)
{
	const char *k = strstr(p, key);
	if (!k || (eol && k > eol))
		return 0;
	k += strlen(key);
	while (*k == ' ')
		k++;
	*v = nd_scan_hex(&k);
	return 1;
}

static long read_fdinfo(int epfd, char *buf, long size)
{
	char path[48];
	struct nd_buf b = ND_BUF(path);
	nd_fmt_str(&b, "/proc/self/fdinfo/");
	nd_fmt_i64(&b, epfd);
	int f = (int)nd_sys(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (f < 0)
		return -1;
	long len = 0, r;
	while (len < size - 1 && (r = nd_sys(SYS_read, f, (long)(buf + len), size - 1 - len, 0, 0, 0)) > 0)
		len += r;
	nd_sys(SYS_close, f, 0, 0, 0, 0, 0);
	if (len <= 0 || len >= size - 1)
		return -1;
	buf[len] = 0;
	return len;
}

int nd_epoll_entries(int epfd, struct nd_epoll_entry *out, int max)
{
	char buf[FDINFO_MAX];
	if (read_fdinfo(epfd, buf, sizeof(buf)) < 0)
		return -1;
	int n = 0;
	for (const char *p = buf; (p = strstr(p, "tfd:")) != NULL;) {
		p += 4;
		while (*p == ' ')
			p++;
		int tfd = 0;
		while (*p >= '0' && *p <= '9')
			tfd = tfd * 10 + (*p++ - '0');
		const char *eol = strchr(p, '\n');
		uint64_t events, data, ino;
		struct stat st;
		if (n == max || !field(p, eol, "events:", &events) || !field(p, eol, "data:", &data) ||
		    !field(p, eol, "ino:", &ino) || nd_sys(SYS_fstat, tfd, (long)&st, 0, 0, 0, 0) < 0 ||
		    st.st_ino != ino)
			return -1;
		/* in the order of their numbers: the kernel lists them by the
		 * address of their open file, which differs from run to run */
		int at = n++;
		for (; at > 0 && out[at - 1].fd > tfd; at--)
			out[at] = out[at - 1];
		out[at] = (struct nd_epoll_entry){ tfd, (uint32_t)events, data };
	}
	return n;
}
