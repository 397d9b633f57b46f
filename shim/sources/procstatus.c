/*
 * /proc/self/status, /proc/thread-self/status and /proc/<pid>/status of a
 * member of the run (and statm, below): the kernel's file with its counters
 * of the machine's activity made repeatable. libnuma reads it at start-up (the masks), psutil
 * and memory monitors read the counters, which natively change on every run:
 *
 *   VmHWM, VmRSS   RssAnon + RssFile + RssShmem
 *   RssAnon        VmData + VmStk (what the process mapped for data, all of
 *                  it counted resident)
 *   RssFile        VmExe + VmLib
 *   RssShmem       0 kB
 *   VmPTE          VmSize / 512 (a page table for all of it)
 *   VmSwap         0 kB
 *   voluntary_ctxt_switches, nonvoluntary_ctxt_switches   0
 *
 * The sizes of the mappings (VmPeak, VmSize, VmData, …) follow the
 * program's own mmap and brk calls, which repeat; masks, ids and names stay
 * the kernel's. Through memfile.c: system calls only.
 */
#include "nodice.h"
#include "memfile.h"
#include "devices.h"

#include <string.h>

/* statm: "size resident shared text lib data dt" in pages; resident is
 * text + data, shared is text, as status counts them. */
static int statm(const char *path, int flags, int *out)
{
	char line[256];
	long n = nd_sys_read_file(path, line, sizeof(line));
	if (n <= 0)
		return 0;
	uint64_t f[7] = { 0 };
	const char *p = line;
	for (int i = 0; i < 7; i++) {
		while (*p == ' ')
			p++;
		for (; *p >= '0' && *p <= '9'; p++)
			f[i] = f[i] * 10 + (uint64_t)(*p - '0');
	}
	struct nd_memfile o;
	if ((*out = nd_memfile_open("nodice-statm", flags, &o)) < 0)
		return 1;
	f[1] = f[3] + f[5];
	f[2] = f[3];
	for (int i = 0; i < 7; i++) {
		if (i)
			nd_memfile_puts(&o, " ");
		nd_memfile_putu(&o, f[i]);
	}
	nd_memfile_puts(&o, "\n");
	*out = nd_memfile_done(&o);
	return 1;
}

/* The value in kB of "Key:\t   N kB" in text, or 0. */
static uint64_t kb(const char *text, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (!strncmp(p, key, n) && p[n] == ':') {
			uint64_t v = 0;
			for (p += n + 1; *p == ' ' || *p == '\t'; p++)
				;
			for (; *p >= '0' && *p <= '9'; p++)
				v = v * 10 + (uint64_t)(*p - '0');
			return v;
		}
	return 0;
}

static void put_kb(struct nd_memfile *o, const char *key, uint64_t v)
{
	nd_memfile_puts(o, key);
	nd_memfile_puts(o, ":\t");
	char digits[24];
	int n = 0;
	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < 20);
	for (int pad = n; pad < 8; pad++)
		nd_memfile_puts(o, " ");
	while (n)
		nd_memfile_put(o, &digits[--n], 1);
	nd_memfile_puts(o, " kB\n");
}

int nd_procstatus_open(const char *path, int flags, int *out)
{
	if (nd_proc_member(path, "statm"))
		return statm(path, flags, out);
	if (!nd_proc_member(path, "status"))
		return 0;
	char local[8192];
	long n = nd_sys_read_file(path, local, sizeof(local));
	if (n <= 0)
		return 0; /* the kernel's answer (ENOENT for a reaped member) */
	struct nd_memfile o;
	if ((*out = nd_memfile_open("nodice-status", flags, &o)) < 0)
		return 1;
	uint64_t anon = kb(local, "VmData") + kb(local, "VmStk"), file = kb(local, "VmExe") + kb(local, "VmLib");
	for (char *line = local; *line;) {
		char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
		char *colon = memchr(line, ':', len);
		size_t key = colon ? (size_t)(colon - line) : 0;
#define IS(k) (key == sizeof(k) - 1 && !strncmp(line, k, key))
		if (IS("VmHWM") || IS("VmRSS"))
			put_kb(&o, IS("VmHWM") ? "VmHWM" : "VmRSS", anon + file);
		else if (IS("RssAnon"))
			put_kb(&o, "RssAnon", anon);
		else if (IS("RssFile"))
			put_kb(&o, "RssFile", file);
		else if (IS("RssShmem") || IS("VmSwap"))
			put_kb(&o, IS("VmSwap") ? "VmSwap" : "RssShmem", 0);
		else if (IS("VmPTE"))
			put_kb(&o, "VmPTE", kb(local, "VmSize") / 512);
		else if (IS("voluntary_ctxt_switches") || IS("nonvoluntary_ctxt_switches")) {
			nd_memfile_put(&o, line, key);
			nd_memfile_puts(&o, ":\t0\n");
		} else
			nd_memfile_put(&o, line, len);
#undef IS
		line += len;
	}
	*out = nd_memfile_done(&o);
	return 1;
}
