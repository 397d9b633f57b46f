/*
 * File locks ordered by the tree (filelock.c): fcntl's lock commands, and
 * the releases a close or a process's end makes. Async-signal-safe.
 */
#ifndef ND_FILELOCK_H
#define ND_FILELOCK_H

#include <fcntl.h>
#include <stdint.h>

/* fcntl(fd, cmd, fl) for F_SETLK, F_SETLKW, F_OFD_SETLK and F_OFD_SETLKW
 * at the tree's turn: its result (0, or -1 with errno), or -2 when the tree
 * does not order it (another command, a descriptor that is not a file, a
 * process outside the tree): the caller makes the call. */
int nd_filelock_fcntl(int fd, int cmd, struct flock64 *fl);

/* close_fn(fd) for close, and for the descriptor dup2 and dup3 replace:
 * once the tree has seen a file lock, a close that frees one is a release
 * of the order (stamped, handed to the file's line). close_fn's result. */
int nd_filelock_close(int fd, int (*close_fn)(int));
/* dup2 and dup3 are about to replace fd: a lock it holds is released
 * first, as nd_filelock_close does. */
void nd_filelock_replaced(int fd);

/* The process ends: its descriptors that hold locks are closed, and the
 * releases announced. */
void nd_filelock_end(void);

#endif
