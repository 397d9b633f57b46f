/*
 * File times (filetime.c): what stat reports for a file, and the virtual
 * times the tree's writes leave on disk.
 */
#ifndef ND_FILETIME_H
#define ND_FILETIME_H

#include <sys/stat.h>

struct statx;

/* After a successful stat, fstat, lstat, fstatat or statx: the times the
 * program sees (and, for a file from before this change, the wall clock's
 * join with it). fd: the descriptor fstat was given, or -1 for a path;
 * statx's path_given is 0 for an empty path (a descriptor). */
void nd_filetime_fix(struct stat *st, int fd);
void nd_filetime_fix_statx(struct statx *stx, int path_given);

/* A descriptor was opened with these flags (open family, fopen). */
void nd_filetime_opened(int fd, int flags);
/* Before the descriptor is closed (close, fclose): a regular file this
 * process wrote gets the virtual time of now on disk. */
void nd_filetime_closing(int fd);
int nd_filetime_marked(int fd); /* opened for writing by this image */
int nd_filetime_owned(int fd);  /* opened by this image at all */
void nd_filetime_copy(int from, int to); /* dup: the mark goes with it */
/* The process ends or executes another image: every descriptor it can
 * write is settled as closing() does. */
void nd_filetime_settle_all(void);

/* Before a change of mode or owner (chmod, chown and their forms), which
 * moves ctime and would hide an unsettled write (ld writes its output, then
 * makes it executable): the file is settled first, as a close would. */
void nd_filetime_settle_path(int dirfd, const char *path, int flags);
void nd_filetime_settle_fd(int fd);

/* The virtual now, for utimensat and friends given NULL or UTIME_NOW. */
struct timespec nd_filetime_now(void);

#endif
