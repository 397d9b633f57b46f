/*
 * Directory order. readdir returns entries in the file system's order (hash
 * order on ext4, creation order on tmpfs), so os.listdir, scandir users and
 * build tools see different orders on different machines, and in a
 * directory rebuilt in another order. opendir here reads the whole
 * directory at once and hands entries back sorted by name (byte order,
 * like LC_ALL=C); readdir, readdir_r, telldir, seekdir and rewinddir work on
 * that snapshot, and rewinddir takes a new one, as POSIX lets it. dirfd and
 * the DIR itself stay libc's. NODICE_DIRS=native leaves the order alone.
 *
 * The snapshot is taken at the first read, not at opendir, and rewinddir
 * only drops it: the descriptor's offset is shared with its dups, and a
 * program that lists a directory fd through fdopendir(dup(fd)) and then
 * rewinds (CPython's os.scandir(fd), os.listdir(fd), fwalk, glob's dir_fd)
 * must leave it at the start, as natively, for the next listing to see
 * anything.
 *
 * The snapshots are kept in a table keyed by DIR *, under a mutex: opendir
 * and readdir are not async-signal-safe in libc either. A directory whose
 * snapshot cannot be allocated is read in its native order and that is
 * logged as passed through.
 */
#include "nodice.h"

#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct snapshot {
	DIR *dir;
	struct dirent64 **entries;
	size_t n, pos;
	int filled;
	struct snapshot *next;
};

#define BUCKETS 64
static struct snapshot *table[BUCKETS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static size_t bucket(DIR *d)
{
	return ((uintptr_t)d >> 4) % BUCKETS;
}

static struct snapshot *find(DIR *d)
{
	for (struct snapshot *s = table[bucket(d)]; s; s = s->next)
		if (s->dir == d)
			return s;
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(struct dirent64 *const *)a)->d_name, (*(struct dirent64 *const *)b)->d_name);
}

static void release(struct snapshot *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->entries[i]);
	free(s->entries);
	s->entries = NULL;
	s->n = s->pos = 0;
}

/* Reads every entry of s->dir and sorts them; -1 when memory runs out. */
static int fill(struct snapshot *s)
{
	size_t cap = 0;
	struct dirent64 *e;
	s->filled = 1;
	while ((e = nd_real.readdir64(s->dir))) {
		if (s->n == cap) {
			cap = cap ? cap * 2 : 64;
			struct dirent64 **grown = realloc(s->entries, cap * sizeof(*grown));
			if (!grown)
				return -1;
			s->entries = grown;
		}
		struct dirent64 *copy = malloc(e->d_reclen);
		if (!copy)
			return -1;
		memcpy(copy, e, e->d_reclen);
		s->entries[s->n++] = copy;
	}
	qsort(s->entries, s->n, sizeof(*s->entries), by_name);
	return 0;
}

static struct snapshot *unlink_snapshot(DIR *d)
{
	struct snapshot **link = &table[bucket(d)];
	while (*link && (*link)->dir != d)
		link = &(*link)->next;
	struct snapshot *s = *link;
	if (s)
		*link = s->next;
	return s;
}

/* The snapshot of d, taken now if this is its first read; NULL when d is
 * read natively (not adopted, or its snapshot could not be allocated: then
 * it is rewound and read in its native order from the start). Under lock. */
static struct snapshot *current(DIR *d)
{
	struct snapshot *s = find(d);
	if (!s || s->filled)
		return s;
	if (fill(s) == 0) {
		nd_log_served(ND_SYM_opendir, 0);
		return s;
	}
	release(unlink_snapshot(d));
	free(s);
	nd_real.rewinddir(d);
	nd_log_passed(ND_SYM_opendir);
	return NULL;
}

static DIR *adopt(DIR *d)
{
	if (!d || nd_passthrough() || nd_cfg.native_dirs)
		return d;
	struct snapshot *s = calloc(1, sizeof(*s));
	if (!s) {
		nd_log_passed(ND_SYM_opendir);
		return d;
	}
	s->dir = d;
	pthread_mutex_lock(&lock);
	s->next = table[bucket(d)];
	table[bucket(d)] = s;
	pthread_mutex_unlock(&lock);
	return d;
}

/* opendir(3), fdopendir(3). */
ND_EXPORT DIR *opendir(const char *name)
{
	ND_ORDERED();
	nd_ready();
	return adopt(nd_real.opendir(name));
}

ND_EXPORT DIR *fdopendir(int fd)
{
	ND_ORDERED();
	nd_ready();
	return adopt(nd_real.fdopendir(fd));
}

/* readdir64(3): the next entry of the sorted snapshot. */
ND_EXPORT struct dirent64 *readdir64(DIR *d)
{
	ND_ORDERED();
	nd_ready();
	pthread_mutex_lock(&lock);
	struct snapshot *s = current(d);
	struct dirent64 *e = NULL;
	if (s && s->pos < s->n)
		e = s->entries[s->pos++];
	pthread_mutex_unlock(&lock);
	return s ? e : nd_real.readdir64(d);
}

/* readdir(3): the same structure on LP64. */
ND_EXPORT struct dirent *readdir(DIR *d)
{
	ND_ORDERED();
	return (struct dirent *)readdir64(d);
}

/* readdir64_r(3), readdir_r(3). */
static int next_into(DIR *d, struct dirent64 *entry, struct dirent64 **result)
{
	struct dirent64 *e = readdir64(d);
	if (e) {
		memcpy(entry, e, e->d_reclen < sizeof(*entry) ? e->d_reclen : sizeof(*entry));
		*result = entry;
	} else {
		*result = NULL;
	}
	return 0;
}

ND_EXPORT int readdir64_r(DIR *d, struct dirent64 *entry, struct dirent64 **result)
{
	ND_ORDERED();
	return next_into(d, entry, result);
}

ND_EXPORT int readdir_r(DIR *d, struct dirent *entry, struct dirent **result)
{
	ND_ORDERED();
	return next_into(d, (struct dirent64 *)entry, (struct dirent64 **)result);
}

/* rewinddir(3): the next read takes a fresh snapshot, so entries made
 * since appear; the descriptor is left at the start, as natively. */
ND_EXPORT void rewinddir(DIR *d)
{
	ND_ORDERED();
	nd_ready();
	nd_real.rewinddir(d);
	pthread_mutex_lock(&lock);
	struct snapshot *s = find(d);
	if (s) {
		release(s);
		s->filled = 0;
	}
	pthread_mutex_unlock(&lock);
}

/* telldir(3), seekdir(3): positions are indexes into the snapshot. */
ND_EXPORT long telldir(DIR *d)
{
	ND_ORDERED();
	nd_ready();
	pthread_mutex_lock(&lock);
	struct snapshot *s = current(d);
	long pos = s ? (long)s->pos : -1;
	pthread_mutex_unlock(&lock);
	return s ? pos : nd_real.telldir(d);
}

ND_EXPORT void seekdir(DIR *d, long pos)
{
	ND_ORDERED();
	nd_ready();
	pthread_mutex_lock(&lock);
	struct snapshot *s = current(d);
	if (s && pos >= 0 && (size_t)pos <= s->n)
		s->pos = (size_t)pos;
	pthread_mutex_unlock(&lock);
	if (!s)
		nd_real.seekdir(d, pos);
}

/* closedir(3). */
ND_EXPORT int closedir(DIR *d)
{
	ND_ORDERED();
	nd_ready();
	pthread_mutex_lock(&lock);
	struct snapshot *s = unlink_snapshot(d);
	pthread_mutex_unlock(&lock);
	if (s) {
		release(s);
		free(s);
	}
	return nd_real.closedir(d);
}

/* scandir(3): glibc's reads with its internal readdir, so it is rebuilt on
 * the sorted one. With a comparison function the result is sorted by it, as
 * in glibc; without one it comes in name order instead of the file
 * system's. Entries are malloc'd copies the caller frees, as glibc's are. */
static int scan(const char *path, struct dirent64 ***list, int (*keep)(const struct dirent64 *),
		int (*cmp)(const struct dirent64 **, const struct dirent64 **))
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent64 **out = NULL, *e;
	size_t n = 0, cap = 0;
	int saved = errno;
	while ((e = readdir64(d))) {
		if (keep && !keep(e))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			struct dirent64 **grown = realloc(out, cap * sizeof(*out));
			if (!grown)
				goto fail;
			out = grown;
		}
		if (!(out[n] = malloc(e->d_reclen)))
			goto fail;
		memcpy(out[n++], e, e->d_reclen);
	}
	closedir(d);
	if (cmp && n > 1)
		qsort(out, n, sizeof(*out), (int (*)(const void *, const void *))cmp);
	*list = out;
	errno = saved;
	return (int)n;
fail:
	while (n)
		free(out[--n]);
	free(out);
	closedir(d);
	errno = ENOMEM;
	return -1;
}

ND_EXPORT int scandir64(const char *path, struct dirent64 ***list, int (*keep)(const struct dirent64 *),
			int (*cmp)(const struct dirent64 **, const struct dirent64 **))
{
	ND_ORDERED();
	return scan(path, list, keep, cmp);
}

ND_EXPORT int scandir(const char *path, struct dirent ***list, int (*keep)(const struct dirent *),
		      int (*cmp)(const struct dirent **, const struct dirent **))
{
	ND_ORDERED();
	return scan(path, (struct dirent64 ***)list, (int (*)(const struct dirent64 *))keep,
		    (int (*)(const struct dirent64 **, const struct dirent64 **))cmp);
}
