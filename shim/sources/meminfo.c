/*
 * Free memory, as programs read it: /proc/meminfo and sysinfo(2)'s memory
 * figures. What is free changes from one moment to the next with everything
 * else on the machine, and programs size buffers and chunk work from it
 * (GNU sort's default buffer, joblib, psutil-driven pools): fixed, it cannot
 * move their output. The machine's sizes stay (MemTotal, SwapTotal, the
 * huge page size, the direct map): they differ between machines, not runs.
 * The run sees an idle machine with three quarters of its memory free, no
 * swap in use, nothing cached, dirty or in flight.
 *
 * Disk space (statfs) is passed through: a program that checks it before
 * writing must not be told of space that is not there.
 */
#include "nodice.h"
#include "devices.h"
#include "memfile.h"

#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>

/* Fields that are sizes of the machine, kept as the kernel gives them. */
static const char *const kept[] = { "MemTotal:",     "SwapTotal:",	"CommitLimit:", "VmallocTotal:",
				    "HugePages_Total:", "Hugepagesize:", "DirectMap4k:",	"DirectMap2M:",
				    "DirectMap1G:" };

static int starts(const char *line, const char *key)
{
	return !strncmp(line, key, strlen(key));
}

/* Where a line's number is: after the key's colon and the spaces. */
static const char *digits_of(const char *l, const char *end)
{
	const char *p = memchr(l, ':', (size_t)(end - l));
	for (p = p ? p + 1 : end; p < end && *p == ' '; p++)
		;
	return p;
}

static unsigned long long number(const char *l, const char *end)
{
	unsigned long long v = 0;
	for (const char *p = digits_of(l, end); p < end && *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (unsigned long long)(*p - '0');
	return v;
}

struct sizes {
	unsigned long long total_kb, swap_kb, hp_total;
};

/* One line, from the real one: its key, the fixed value ending in the same
 * column, and its unit. */
static void line(struct nd_memfile *o, const char *l, const char *end, const struct sizes *z)
{
	const char *d = digits_of(l, end), *after = d;
	while (after < end && *after >= '0' && *after <= '9')
		after++;
	unsigned long long v = 0;
	for (size_t k = 0; k < sizeof(kept) / sizeof(kept[0]); k++)
		if (starts(l, kept[k]))
			v = number(l, end);
	if (starts(l, "MemFree:") || starts(l, "MemAvailable:"))
		v = z->total_kb / 16 * 12; /* three quarters, in whole pages */
	else if (starts(l, "SwapFree:"))
		v = z->swap_kb;
	else if (starts(l, "HugePages_Free:"))
		v = z->hp_total;
	char num[24];
	size_t n = 0;
	do
		num[sizeof(num) - 1 - n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < sizeof(num));
	const char *colon = memchr(l, ':', (size_t)(end - l));
	size_t key_len = colon ? (size_t)(colon - l) + 1 : 0, width = (size_t)(after - l);
	nd_memfile_put(o, l, key_len);
	for (size_t pad = key_len + n; pad < width; pad++)
		nd_memfile_puts(o, " ");
	if (key_len + n >= width)
		nd_memfile_puts(o, " ");
	nd_memfile_put(o, num + sizeof(num) - n, n);
	nd_memfile_put(o, after, (size_t)(end - after));
	nd_memfile_puts(o, "\n");
}

int nd_meminfo_open(const char *path, int flags, int *out)
{
	if (strcmp(path, "/proc/meminfo") != 0)
		return 0;
	char real[8192];
	if (nd_sys_read_file(path, real, sizeof(real)) <= 0)
		return 0; /* the kernel's answer, as it is */
	struct sizes z = { 0, 0, 0 };
	for (const char *p = real, *end; *p; p = *end ? end + 1 : end) {
		end = strchr(p, '\n') ? strchr(p, '\n') : p + strlen(p);
		if (starts(p, "MemTotal:"))
			z.total_kb = number(p, end);
		else if (starts(p, "SwapTotal:"))
			z.swap_kb = number(p, end);
		else if (starts(p, "HugePages_Total:"))
			z.hp_total = number(p, end);
	}
	struct nd_memfile o;
	if ((*out = nd_memfile_open("nodice-meminfo", flags, &o)) < 0)
		return 1;
	for (const char *p = real, *end; *p; p = *end ? end + 1 : end) {
		end = strchr(p, '\n') ? strchr(p, '\n') : p + strlen(p);
		if (end > p)
			line(&o, p, end, &z);
	}
	*out = nd_memfile_done(&o);
	return 1;
}

void nd_meminfo_sysinfo(struct sysinfo *info)
{
	info->freeram = info->totalram / 4 * 3;
	info->sharedram = info->bufferram = 0;
	info->freeswap = info->totalswap;
	info->freehigh = info->totalhigh;
}
