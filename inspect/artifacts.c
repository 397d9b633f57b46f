/*
 * Hashing and clearing artifacts. SHA-256 comes from OpenSSL's libcrypto,
 * loaded with dlopen on first use, so that `nodice run` (the same binary)
 * does not map libcrypto at start-up.
 */
#include "artifacts.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct crypto {
	void *(*md_new)(void);
	void (*md_free)(void *);
	const void *(*sha256)(void);
	int (*init)(void *, const void *, void *);
	int (*update)(void *, const void *, size_t);
	int (*final)(void *, unsigned char *, unsigned int *);
};

static const struct crypto *crypto(void)
{
	static struct crypto c;
	static int state; /* 0 untried, 1 ok, -1 missing */
	if (state)
		return state > 0 ? &c : NULL;
	void *h = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
	state = -1;
	if (!h)
		return NULL;
	c.md_new = (void *(*)(void))dlsym(h, "EVP_MD_CTX_new");
	c.md_free = (void (*)(void *))dlsym(h, "EVP_MD_CTX_free");
	c.sha256 = (const void *(*)(void))dlsym(h, "EVP_sha256");
	c.init = (int (*)(void *, const void *, void *))dlsym(h, "EVP_DigestInit_ex");
	c.update = (int (*)(void *, const void *, size_t))dlsym(h, "EVP_DigestUpdate");
	c.final = (int (*)(void *, unsigned char *, unsigned int *))dlsym(h, "EVP_DigestFinal_ex");
	if (c.md_new && c.md_free && c.sha256 && c.init && c.update && c.final)
		state = 1;
	return state > 0 ? &c : NULL;
}

/* Hashes fd, writing the bytes to copy_fd too when it is >= 0. */
static int hash_fd(int fd, int copy_fd, char hex[65], char *why, size_t size, long long *total)
{
	const struct crypto *c = crypto();
	if (!c) {
		snprintf(why, size, "cannot load libcrypto.so.3 for SHA-256");
		return -1;
	}
	void *md = c->md_new();
	c->init(md, c->sha256(), NULL);
	static unsigned char buf[1 << 16];
	ssize_t n;
	*total = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		c->update(md, buf, (size_t)n);
		*total += n;
		if (copy_fd >= 0 && write(copy_fd, buf, (size_t)n) != n) {
			snprintf(why, size, "cannot keep a copy: %s", strerror(errno));
			c->md_free(md);
			return -1;
		}
	}
	unsigned char digest[32];
	unsigned int len = 0;
	c->final(md, digest, &len);
	c->md_free(md);
	if (n < 0) {
		snprintf(why, size, "cannot read: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", digest[i]);
	return 0;
}

int artifacts_sha256(const char *path, char hex[65], char *why, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, size, "cannot open: %s", strerror(errno));
		return -1;
	}
	long long total;
	int r = hash_fd(fd, -1, hex, why, size, &total);
	close(fd);
	return r;
}

static int remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *e;
	int r = 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char child[4096];
		snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
		r |= remove_tree(child);
	}
	closedir(d);
	return r | rmdir(path);
}

int artifacts_clear(char **paths, size_t n, char *why, size_t size)
{
	for (size_t i = 0; i < n; i++)
		if (remove_tree(paths[i]) < 0) {
			snprintf(why, size, "--artifact %s: cannot remove before the run: %s", paths[i], strerror(errno));
			return -1;
		}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_file(const char *path, const char *keep_dir, struct artifact_set *out, char *why, size_t size)
{
	out->files = realloc(out->files, (out->n + 1) * sizeof(*out->files));
	struct artifact_file *f = &out->files[out->n];
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	snprintf(f->copy, sizeof(f->copy), "%s/artifact-%zu", keep_dir, out->n);
	int in = open(path, O_RDONLY | O_CLOEXEC);
	int keep = open(f->copy, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (in < 0 || keep < 0) {
		snprintf(why, size, "--artifact %s: cannot read: %s", path, strerror(errno));
		if (in >= 0)
			close(in);
		if (keep >= 0)
			close(keep);
		return -1;
	}
	int r = hash_fd(in, keep, f->sha256, why, size, &f->size);
	close(in);
	close(keep);
	if (r == 0)
		out->n++;
	return r;
}

static int walk(const char *path, const char *keep_dir, struct artifact_set *out, char *why, size_t size)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		snprintf(why, size, "--artifact %s: the command did not create it", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return add_file(path, keep_dir, out, why, size);
	DIR *d = opendir(path);
	if (!d) {
		snprintf(why, size, "--artifact %s: cannot list: %s", path, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			names = realloc(names, (n + 1) * sizeof(char *));
			names[n++] = strdup(e->d_name);
		}
	closedir(d);
	qsort(names, n, sizeof(char *), by_name);
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		char child[4096];
		snprintf(child, sizeof(child), "%s/%s", path, names[i]);
		if (!r)
			r = walk(child, keep_dir, out, why, size);
		free(names[i]);
	}
	free(names);
	return r;
}

int artifacts_collect(char **paths, size_t n, const char *keep_dir, struct artifact_set *out, char *why,
		      size_t size)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		if (walk(paths[i], keep_dir, out, why, size) < 0)
			return -1;
	return 0;
}

void artifacts_free(struct artifact_set *s)
{
	free(s->files);
	memset(s, 0, sizeof(*s));
}
