/*
 * stdio streams on the virtual devices. glibc's fopen opens with its internal
 * __open and fread reads with its internal __read, so interposing open and
 * read never sees them: a stream on a random device is therefore built with
 * fopencookie over a marked descriptor, and its reads come from devices.c.
 * fileno() of such a stream is -1, as for any cookie stream.
 *
 * A program started with a device as standard input (`od < /dev/urandom`)
 * reads it through `stdin`, so at start-up that stream is replaced by a
 * device stream over descriptor 0.
 *
 * freopen onto a device cannot be redirected (there is no way to replace a
 * FILE's read function); it is passed to libc and counted as not controlled.
 */
#include "nodice.h"
#include "filetime.h"
#include "devices.h"
#include "memfile.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static ssize_t cookie_read(void *c, char *buf, size_t len)
{
	return nd_ret(nd_device_read((int)(intptr_t)c, buf, len, -1));
}

static ssize_t cookie_write(void *c, const char *buf, size_t len)
{
	return write((int)(intptr_t)c, buf, len);
}

static int cookie_seek(void *c, off64_t *off, int whence)
{
	long r = nd_device_seek((int)(intptr_t)c, *off, whence);
	if (r < 0)
		return (int)nd_ret(r);
	*off = r;
	return 0;
}

static int cookie_close(void *c)
{
	return close((int)(intptr_t)c);
}

static const cookie_io_functions_t device_io = {
	.read = cookie_read,
	.write = cookie_write,
	.seek = cookie_seek,
	.close = cookie_close,
};

static int mode_flags(const char *mode)
{
	int flags = mode[0] == 'r' ? O_RDONLY : O_WRONLY | O_CREAT | (mode[0] == 'a' ? O_APPEND : O_TRUNC);
	if (strchr(mode, '+'))
		flags = (flags & ~O_ACCMODE) | O_RDWR;
	if (strchr(mode, 'e'))
		flags |= O_CLOEXEC;
	return flags;
}

static FILE *device_stream(int fd, const char *mode)
{
	FILE *f = fopencookie((void *)(intptr_t)fd, mode, device_io);
	if (f)
		nd_log_served(ND_SYM_fopen, 0);
	return f;
}

/* fopen(3). */
/* A file the shim answers (memfile.c: CPU files, /proc clocks) opened for
 * reading as a stream: 1 when path is one, with *f the stream, or NULL and
 * errno. */
static int cpu_file(const char *path, const char *mode, FILE **f)
{
	int cpu;
	if (!mode || (strcmp(mode, "r") && strcmp(mode, "re")) ||
	    !nd_virtual_file_open(path, mode[1] == 'e' ? O_RDONLY | O_CLOEXEC : O_RDONLY, &cpu))
		return 0;
	*f = cpu < 0 ? NULL : nd_real.fdopen(cpu, mode);
	if (cpu < 0)
		errno = -cpu;
	return 1;
}

/* A virtual device as a stream; libc's own fopen when its descriptor cannot
 * be adopted. */
static FILE *device_fopen(const char *path, const char *mode, enum nd_fd_kind kind)
{
	int flags = mode_flags(mode);
	int fd = nd_real.open(path, flags, 0666);
	if (fd < 0)
		return NULL;
	if (nd_device_adopt(fd, kind, flags) < 0 || !nd_device_fd(fd)) {
		nd_real.close(fd);
		return nd_real.fopen(path, mode);
	}
	FILE *f = device_stream(fd, mode);
	if (!f)
		close(fd);
	return f;
}

/* A stream this program opened (time/filetime.c): its file's time joins the
 * clock when read through fstat, and one opened for writing gets the virtual
 * time when it is closed. */
static FILE *written(FILE *f, const char *mode)
{
	if (f && mode)
		nd_filetime_opened(fileno(f),
				   mode[0] == 'w' || mode[0] == 'a' || strchr(mode, '+') ? O_RDWR : O_RDONLY);
	return f;
}

ND_EXPORT FILE *fopen(const char *path, const char *mode)
{
	ND_ORDERED();
	FILE *f;
	if (nd_passthrough())
		return nd_real.fopen(path, mode);
	if (cpu_file(path, mode, &f))
		return f;
	enum nd_fd_kind kind = nd_device_match(path);
	if (kind == ND_FD_NONE || !mode || !strchr("rwa", mode[0]))
		return written(nd_real.fopen(path, mode), mode);
	return device_fopen(path, mode, kind);
}

ND_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	ND_ORDERED();
	return fopen(path, mode);
}

/* fdopen(3): a stream over a marked descriptor reads the device stream. */
ND_EXPORT FILE *fdopen(int fd, const char *mode)
{
	ND_ORDERED();
	if (nd_passthrough() || !nd_device_fd(fd))
		return nd_real.fdopen(fd, mode);
	return device_stream(fd, mode);
}

/* freopen(3): see the file comment. */
ND_EXPORT FILE *freopen(const char *path, const char *mode, FILE *stream)
{
	ND_ORDERED();
	if (!nd_passthrough() && nd_device_match(path) != ND_FD_NONE)
		nd_log_passed(ND_SYM_freopen);
	return written(nd_real.freopen(path, mode, stream), mode);
}

ND_EXPORT FILE *freopen64(const char *path, const char *mode, FILE *stream)
{
	ND_ORDERED();
	return freopen(path, mode, stream);
}

void nd_stdio_adopt_stdin(void)
{
	if (!nd_device_fd(0))
		return;
	FILE *f = fopencookie((void *)(intptr_t)0, "r", device_io);
	if (f)
		stdin = f;
}
