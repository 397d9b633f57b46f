/*
 * Virtual random devices: /dev/urandom, /dev/random, and the two text files
 * /proc/sys/kernel/random/uuid (a new random UUID per open) and .../boot_id
 * (one UUID per seed, the same in every process of the run).
 *
 * Opening one of them opens the real file — so fstat, fcntl, select and
 * close-on-exec behave as natively — and marks the descriptor in a table of
 * one byte per fd. Reads of a marked descriptor are served from the DEVICE
 * stream without a system call and never block. Marks follow the descriptor
 * through dup, dup2, dup3, fcntl(F_DUPFD*) and fork, are cleared by close,
 * close_range and closefrom, and a new image re-marks what it inherited open
 * (`od < /dev/urandom`) by checking its descriptors' device numbers at start.
 * Descriptors at or above ND_FD_MAX are passed through and counted.
 */
#include "nodice.h"
#include "stream.h"
#include "devices.h"
#include "writers.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

uint8_t nd_fd_kind[ND_FD_MAX];

struct text {
	uint8_t raw[16];
	int64_t pos;
};
static struct text text[ND_FD_MAX];

static int same_path(const char *a, const char *b)
{
	/* Lexical match that tolerates "//" and "/./" (Java opens /dev/./urandom). */
	while (*a && *b) {
		if (a[0] == '/' && (a[1] == '/' || (a[1] == '.' && a[2] == '/'))) {
			a += a[1] == '/' ? 1 : 2;
			continue;
		}
		if (*a++ != *b++)
			return 0;
	}
	return !*a && !*b;
}

enum nd_fd_kind nd_device_match(const char *path)
{
	if (!path || path[0] != '/')
		return ND_FD_NONE;
	if (same_path(path, "/dev/urandom") || same_path(path, "/dev/random"))
		return ND_FD_RANDOM;
	if (same_path(path, "/proc/sys/kernel/random/uuid"))
		return ND_FD_UUID;
	if (same_path(path, "/proc/sys/kernel/random/boot_id"))
		return ND_FD_BOOT_ID;
	return ND_FD_NONE;
}

int nd_device_adopt(int fd, enum nd_fd_kind kind, int flags)
{
	if (fd < 0 || kind == ND_FD_NONE || nd_exempt)
		return fd;
	if (fd >= ND_FD_MAX || (flags & O_ACCMODE) == O_WRONLY) {
		nd_log_passed(ND_SYM_open);
		return fd;
	}
	struct text *t = &text[fd];
	t->pos = 0;
	if (kind == ND_FD_UUID)
		nd_stream_fill(ND_STREAM_DEVICE, t->raw, sizeof(t->raw));
	if (kind == ND_FD_BOOT_ID) {
		uint64_t a = nd_stream_derive(0, ND_TAG(ND_TAG_BOOT));
		uint64_t b = nd_stream_derive(1, ND_TAG(ND_TAG_BOOT));
		memcpy(t->raw, &a, 8);
		memcpy(t->raw + 8, &b, 8);
	}
	__atomic_store_n(&nd_fd_kind[fd], (uint8_t)kind, __ATOMIC_RELEASE);
	nd_log_served(ND_SYM_open, 0);
	return fd;
}

void nd_device_forget(int fd)
{
	nd_pipes_forget(fd);
	nd_writers_closed(fd);
	if ((unsigned)fd < ND_FD_MAX)
		__atomic_store_n(&nd_fd_kind[fd], 0, __ATOMIC_RELEASE);
}

void nd_device_copy(int from, int to)
{
	nd_pipes_forget(to);
	nd_writers_copied(from, to);
	if ((unsigned)to >= ND_FD_MAX)
		return;
	uint8_t kind = (unsigned)from < ND_FD_MAX ? nd_fd_kind[from] : 0;
	if (kind)
		text[to] = text[from];
	__atomic_store_n(&nd_fd_kind[to], kind, __ATOMIC_RELEASE);
}

/* A version 4 UUID as the kernel prints it, with a trailing newline. */
static void format_uuid(const uint8_t raw[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t b[16];
	memcpy(b, raw, 16);
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	int k = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		out[k++] = hex[b[i] >> 4];
		out[k++] = hex[b[i] & 15];
	}
	out[k] = '\n';
}

ssize_t nd_device_read(int fd, void *buf, size_t len, int64_t offset)
{
	if (nd_fd_kind[fd] == ND_FD_RANDOM) {
		if (!buf && len)
			return -EFAULT;
		if (len > 0x7ffff000UL)
			len = 0x7ffff000UL;
		nd_stream_fill(ND_STREAM_DEVICE, buf, len);
		nd_log_served(ND_SYM_read, len);
		return (ssize_t)len;
	}
	char content[37];
	struct text *t = &text[fd];
	int64_t pos = offset >= 0 ? offset : t->pos;
	format_uuid(t->raw, content);
	size_t n = pos >= (int64_t)sizeof(content) ? 0 : sizeof(content) - (size_t)pos;
	if (n > len)
		n = len;
	memcpy(buf, content + pos, n);
	if (offset < 0)
		t->pos += (int64_t)n;
	nd_log_served(ND_SYM_read, n);
	return (ssize_t)n;
}

long nd_device_seek(int fd, int64_t off, int whence)
{
	if (nd_fd_kind[fd] == ND_FD_RANDOM)
		return 0; /* character devices ignore seeks and report 0 */
	struct text *t = &text[fd];
	int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? t->pos : whence == SEEK_END ? 37 : -1;
	if (base < 0 || base + off < 0)
		return -EINVAL;
	t->pos = base + off;
	return (long)t->pos;
}

static enum nd_fd_kind kind_of_inherited(int fd)
{
	struct stat st;
	char link[64], path[64];
	if (nd_sys(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) < 0)
		return ND_FD_NONE;
	if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
	    (minor(st.st_rdev) == 8 || minor(st.st_rdev) == 9))
		return ND_FD_RANDOM;
	if (!S_ISREG(st.st_mode) || st.st_size != 0)
		return ND_FD_NONE;
	memcpy(link, "/proc/self/fd/", 14);
	int n = 14, v = fd, digits = 0;
	char tmp[12];
	do
		tmp[digits++] = (char)('0' + v % 10);
	while (v /= 10);
	while (digits)
		link[n++] = tmp[--digits];
	link[n] = 0;
	long len = nd_sys(SYS_readlink, (long)link, (long)path, sizeof(path) - 1, 0, 0, 0);
	if (len <= 0)
		return ND_FD_NONE;
	path[len] = 0;
	return nd_device_match(path);
}

void nd_device_each_fd(void (*fn)(int fd, void *arg), void *arg)
{
	char buf[2048];
	int dir = (int)nd_sys(SYS_openat, AT_FDCWD, (long)"/proc/self/fd",
			      O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, 0, 0);
	if (dir < 0)
		return;
	for (;;) {
		long n = nd_sys(SYS_getdents64, dir, (long)buf, sizeof(buf), 0, 0, 0);
		if (n <= 0)
			break;
		for (long off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			off += d->d_reclen;
			int fd = 0;
			const char *s = d->d_name;
			if (*s < '0' || *s > '9')
				continue;
			for (; *s >= '0' && *s <= '9'; s++)
				fd = fd * 10 + (*s - '0');
			if (fd != dir && fd < ND_FD_MAX)
				fn(fd, arg);
		}
	}
	nd_sys(SYS_close, dir, 0, 0, 0, 0, 0);
}

static void adopt_inherited(int fd, void *arg)
{
	(void)arg;
	enum nd_fd_kind k = kind_of_inherited(fd);
	if (k != ND_FD_NONE) {
		int fl = (int)nd_sys(SYS_fcntl, fd, F_GETFL, 0, 0, 0, 0);
		nd_device_adopt(fd, k, fl < 0 ? O_RDONLY : fl);
	}
}

void nd_device_scan_inherited(void)
{
	nd_device_each_fd(adopt_inherited, NULL);
}
