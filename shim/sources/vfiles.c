/*
 * The files the shim answers itself, one provider per family (cpufiles.c,
 * procclock.c, meminfo.c, host.c), each writing its answer with memfile.c.
 * Kept apart from memfile.c so the providers call down to the writer and
 * nothing calls back up.
 */
#include "nodice.h"
#include "memfile.h"
#include "devices.h"

#include <fcntl.h>

int nd_virtual_file_open(const char *path, int flags, int *fd)
{
	if (!path || path[0] != '/' || (flags & O_ACCMODE) != O_RDONLY || (flags & (O_DIRECTORY | O_CREAT)))
		return 0;
	return nd_cpufile_open(path, flags, fd) || nd_procclock_open(path, flags, fd) ||
	       nd_meminfo_open(path, flags, fd) || nd_hostfile_open(path, flags, fd);
}
