/*
 * Temporary names. glibc's mkstemp family builds names in __gen_tempname
 * from the stack address, the monotonic clock and an internal getrandom,
 * none of which an interposer sees, so the family is replaced here: the
 * XXXXXX are drawn from the TEMPNAME stream (glibc's 62-letter alphabet), and
 * on EEXIST the next name is tried, up to 62^3 times like glibc. Return
 * values and errno are glibc's: EINVAL for a template without six X (and for
 * mktemp, the template emptied), EEXIST when every name is taken.
 */
#include "nodice.h"
#include "stream.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ATTEMPTS (62 * 62 * 62)

static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

enum kind { AS_FILE, AS_DIR, AS_NAME };

static void fill(char *x)
{
	uint8_t r[6];
	nd_stream_fill(ND_STREAM_TEMPNAME, r, sizeof(r));
	for (int i = 0; i < 6; i++)
		x[i] = letters[r[i] % 62];
}

/* Returns the fd (AS_FILE), 0 (AS_DIR, AS_NAME) or -errno. */
static int generate(char *tmpl, int suffix, int flags, enum kind kind, enum nd_sym sym)
{
	size_t len = strlen(tmpl);
	if (suffix < 0 || len < 6 + (size_t)suffix ||
	    memcmp(tmpl + len - 6 - suffix, "XXXXXX", 6) != 0)
		return -EINVAL;
	char *x = tmpl + len - 6 - suffix;
	nd_log_served(sym, 0);
	for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
		fill(x);
		int r;
		struct stat st;
		switch (kind) {
		case AS_FILE:
			r = nd_real.open(tmpl, (flags & ~O_ACCMODE) | O_RDWR | O_CREAT | O_EXCL, 0600);
			break;
		case AS_DIR:
			r = mkdir(tmpl, 0700);
			break;
		default: /* a name nothing has now */
			if (lstat(tmpl, &st) == 0)
				continue;
			return errno == ENOENT ? 0 : -errno;
		}
		if (r >= 0)
			return kind == AS_FILE ? r : 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

#define MKSTEMP(name, sym, suffix_expr, flags_expr, ...)                      \
	ND_EXPORT int name(__VA_ARGS__)                                       \
	{                                                                     \
		ND_ORDERED();                                                 \
		if (nd_passthrough())                                         \
			return nd_real.mkostemps(tmpl, suffix_expr, flags_expr); \
		return (int)nd_ret(generate(tmpl, suffix_expr, flags_expr, AS_FILE, sym)); \
	}

/* mkstemp(3) and its variants. */
MKSTEMP(mkstemp, ND_SYM_mkstemp, 0, 0, char *tmpl)
MKSTEMP(mkstemp64, ND_SYM_mkstemp64, 0, 0, char *tmpl)
MKSTEMP(mkstemps, ND_SYM_mkstemps, suffix, 0, char *tmpl, int suffix)
MKSTEMP(mkstemps64, ND_SYM_mkstemps64, suffix, 0, char *tmpl, int suffix)
MKSTEMP(mkostemp, ND_SYM_mkostemp, 0, flags, char *tmpl, int flags)
MKSTEMP(mkostemp64, ND_SYM_mkostemp64, 0, flags, char *tmpl, int flags)
MKSTEMP(mkostemps, ND_SYM_mkostemps, suffix, flags, char *tmpl, int suffix, int flags)
MKSTEMP(mkostemps64, ND_SYM_mkostemps64, suffix, flags, char *tmpl, int suffix, int flags)

/* mkdtemp(3). */
ND_EXPORT char *mkdtemp(char *tmpl)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.mkdtemp(tmpl);
	int r = generate(tmpl, 0, 0, AS_DIR, ND_SYM_mkdtemp);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	return tmpl;
}

/* mktemp(3): on failure the template becomes the empty string. */
ND_EXPORT char *mktemp(char *tmpl)
{
	ND_ORDERED();
	if (nd_passthrough())
		return nd_real.mktemp(tmpl);
	int r = generate(tmpl, 0, 0, AS_NAME, ND_SYM_mktemp);
	if (r < 0) {
		errno = -r;
		tmpl[0] = 0;
	}
	return tmpl;
}

static int in_tmpdir(char *buf, size_t size, const char *dir, const char *pfx)
{
	int n = snprintf(buf, size, "%s/%.5sXXXXXX", dir, pfx);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* tmpfile(3): an unlinked file in P_tmpdir. */
ND_EXPORT FILE *tmpfile(void)
{
	ND_ORDERED();
	char path[4096];
	if (nd_passthrough())
		return nd_real.tmpfile();
	if (in_tmpdir(path, sizeof(path), P_tmpdir, "tmpf") < 0)
		return NULL;
	int fd = generate(path, 0, O_CLOEXEC, AS_FILE, ND_SYM_tmpfile);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	unlink(path);
	FILE *f = nd_real.fdopen(fd, "w+");
	if (!f)
		close(fd);
	return f;
}

ND_EXPORT FILE *tmpfile64(void)
{
	ND_ORDERED();
	return tmpfile();
}

/* tmpnam(3): a name in P_tmpdir that does not exist now. */
ND_EXPORT char *tmpnam(char s[L_tmpnam])
{
	ND_ORDERED();
	static char buf[L_tmpnam];
	char *out = s ? s : buf;
	char path[L_tmpnam];
	if (nd_passthrough())
		return nd_real.tmpnam(s);
	if (in_tmpdir(path, sizeof(path), P_tmpdir, "file") < 0 ||
	    generate(path, 0, 0, AS_NAME, ND_SYM_tmpnam) < 0)
		return NULL;
	strcpy(out, path);
	return out;
}

/* tempnam(3): TMPDIR, else dir, else P_tmpdir; a malloc'd name. */
ND_EXPORT char *tempnam(const char *dir, const char *pfx)
{
	ND_ORDERED();
	char path[4096];
	const char *env = secure_getenv("TMPDIR");
	struct stat st;
	const char *d = env && stat(env, &st) == 0 && S_ISDIR(st.st_mode) ? env
			: dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir
									     : P_tmpdir;
	if (nd_passthrough())
		return nd_real.tempnam(dir, pfx);
	if (in_tmpdir(path, sizeof(path), d, pfx ? pfx : "file") < 0)
		return NULL;
	int r = generate(path, 0, 0, AS_NAME, ND_SYM_tempnam);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	return strdup(path);
}
