/*
 * Free disk space: statvfs(3) and its descriptor and 64-bit forms, what
 * df, shutil.disk_usage and joblib read, give the machine's figures, on
 * purpose (a program that checks for room before it writes must see the
 * truth, unlike free memory, which meminfo.c fixes), and every call that
 * returns them is reported (`disk-space`, fails inspect --strict): the free
 * blocks change between runs, so a program that prints them or decides on
 * them may differ. statfs(2) is left alone: rm -r, find and cp ask it the
 * file system's type (gnulib's fts), and reporting every one of them would
 * drown the calls that read free space.
 */
#include "nodice.h"

#include <sys/statvfs.h>

static int reported(int r, const char *detail)
{
	if (r == 0 && !nd_passthrough())
		nd_log_uncontrolled("disk-space", detail);
	return r;
}

#define DISK(name, arg_t, buf_t)                                                      \
	ND_EXPORT int name(arg_t a, struct buf_t *b)                                   \
	{                                                                              \
		ND_ORDERED();                                                          \
		return reported(nd_real.name(a, b), #name ": the machine's free disk space"); \
	}

DISK(statvfs, const char *, statvfs)
DISK(statvfs64, const char *, statvfs64)
DISK(fstatvfs, int, statvfs)
DISK(fstatvfs64, int, statvfs64)
