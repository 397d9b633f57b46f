/*
 * DT_NEEDED resolution as glibc 2.36's ld.so performs it (elf/dl-load.c:
 * _dl_map_object), for `nodice audit`. Dynamic string tokens $ORIGIN, $LIB
 * and $PLATFORM are expanded; hardware-capability subdirectories are not
 * searched (Debian 12 ships none for x86-64). ld.so.cache is read in the
 * "glibc-ld.so.cache1.1" format that glibc has written since 2.32, keeping
 * x86-64 entries only.
 */
#include "resolve.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_MAGIC "glibc-ld.so.cache1.1"
#define FLAG_ELF_LIBC6 0x0003
#define FLAG_X8664_LIB64 0x0300

struct cache_header {
	char magic[20];
	uint32_t nlibs;
	uint32_t len_strings;
	uint8_t flags;
	uint8_t pad[3];
	uint32_t extension_offset;
	uint32_t unused[3];
};

struct cache_entry {
	int32_t flags;
	uint32_t key, value;
	uint32_t osversion;
	uint64_t hwcap;
};

int resolve_cache(const char *cache_path, const char *name, char *out, size_t size)
{
	int fd = open(cache_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	int found = -1;
	if (fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof(struct cache_header)) {
		size_t len = (size_t)st.st_size;
		const char *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map != MAP_FAILED) {
			const struct cache_header *h = (const void *)map;
			size_t entries = sizeof(*h) + (size_t)h->nlibs * sizeof(struct cache_entry);
			if (memcmp(h->magic, CACHE_MAGIC, 20) == 0 && h->nlibs < len / sizeof(struct cache_entry) &&
			    entries <= len) {
				const struct cache_entry *e = (const void *)(map + sizeof(*h));
				for (uint32_t i = 0; i < h->nlibs && found < 0; i++) {
					if ((e[i].flags & FLAG_ELF_LIBC6) != FLAG_ELF_LIBC6 ||
					    (e[i].flags & 0xff00) != FLAG_X8664_LIB64 || e[i].key >= len ||
					    e[i].value >= len)
						continue;
					const char *key = map + e[i].key, *val = map + e[i].value;
					if (memchr(key, 0, len - e[i].key) && memchr(val, 0, len - e[i].value) &&
					    strcmp(key, name) == 0 && strlen(val) < size) {
						strcpy(out, val);
						found = 0;
					}
				}
			}
			munmap((void *)map, len);
		}
	}
	close(fd);
	return found;
}

/* Expands $ORIGIN, ${ORIGIN}, $LIB, $PLATFORM in one path element. */
static void expand(const char *in, size_t n, const char *origin, char *out, size_t size)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < size;) {
		static const struct {
			const char *token, *value;
		} tokens[] = { { "${ORIGIN}", NULL }, { "$ORIGIN", NULL }, { "${LIB}", "lib/x86_64-linux-gnu" },
			       { "$LIB", "lib/x86_64-linux-gnu" }, { "${PLATFORM}", "x86_64" },
			       { "$PLATFORM", "x86_64" } };
		size_t t = 0;
		for (; t < sizeof(tokens) / sizeof(tokens[0]); t++) {
			size_t tl = strlen(tokens[t].token);
			if (i + tl <= n && strncmp(in + i, tokens[t].token, tl) == 0) {
				const char *v = tokens[t].value ? tokens[t].value : origin;
				k += (size_t)snprintf(out + k, size - k, "%s", v);
				if (k >= size)
					k = size - 1;
				i += tl;
				break;
			}
		}
		if (t == sizeof(tokens) / sizeof(tokens[0]))
			out[k++] = in[i++];
	}
	out[k] = 0;
}

static int compatible(const char *path, const struct object *like)
{
	struct object o;
	char why[256];
	int ok = object_open(path, &o, why, sizeof(why)) == 0 && o.class64 == like->class64 &&
		 o.machine == like->machine;
	object_close(&o);
	return ok;
}

static int search(const char *list, const char *origin, const char *name, const struct object *like,
		  char *out, size_t size)
{
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, ":");
		char dir[4096], cand[8192];
		expand(p, n, origin, dir, sizeof(dir));
		snprintf(cand, sizeof(cand), "%s/%s", dir[0] ? dir : ".", name);
		if (access(cand, F_OK) == 0 && compatible(cand, like) && strlen(cand) < size) {
			strcpy(out, cand);
			return 0;
		}
		p += n + (p[n] == ':');
	}
	return -1;
}

static void dirname_of(const char *path, char *out, size_t size)
{
	char abs[4096];
	if (!realpath(path, abs))
		snprintf(abs, sizeof(abs), "%s", path);
	snprintf(out, size, "%s", abs);
	char *slash = strrchr(out, '/');
	if (slash && slash != out)
		*slash = 0;
	else if (slash)
		slash[1] = 0;
}

int resolve_needed(const char *name, const struct object *loader, const struct object *exe,
		   const char *cache_path, char *out, size_t size)
{
	char origin[4096], exe_origin[4096];
	dirname_of(loader->path, origin, sizeof(origin));
	dirname_of(exe->path, exe_origin, sizeof(exe_origin));
	if (strchr(name, '/')) {
		char p[4096];
		expand(name, strlen(name), origin, p, sizeof(p));
		if (access(p, F_OK) != 0 || strlen(p) >= size)
			return -1;
		strcpy(out, p);
		return 0;
	}
	if (!loader->runpath[0]) {
		if (search(loader->rpath, origin, name, loader, out, size) == 0)
			return 0;
		if (exe != loader && !exe->runpath[0] &&
		    search(exe->rpath, exe_origin, name, loader, out, size) == 0)
			return 0;
	}
	if (search(getenv("LD_LIBRARY_PATH"), origin, name, loader, out, size) == 0)
		return 0;
	if (search(loader->runpath, origin, name, loader, out, size) == 0)
		return 0;
	if (resolve_cache(cache_path, name, out, size) == 0 && compatible(out, loader))
		return 0;
	return search("/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib64:/usr/lib64:/lib:/usr/lib",
		      origin, name, loader, out, size);
}
