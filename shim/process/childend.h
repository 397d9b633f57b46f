/* A child's end as an event a scheduled thread waits for in the tree's
 * order (childend.c). */
#ifndef ND_CHILDEND_H
#define ND_CHILDEND_H

#include <stdint.h>
#include <sys/types.h>

/* Start-up: this process marks its end when it ends (process.c). */
void nd_childend_start(void);
/* This process ends, at count ev: the entry a waiter made for its end gets
 * its mark, and the waiters lined on it their floors (before it leaves the
 * order). */
void nd_childend_leave(uint64_t id, uint64_t ev);

/* A descriptor a thread of this process can wait on, as on a pipe of the
 * tree, for member child pid to end: readable when it has, its one write
 * stamped with the child's count at its end. -1 when pid is not a member
 * of the tree (or no descriptor could be had): wait as before. */
int nd_childend_open(pid_t pid);
void nd_childend_close(int fd);
/* The (count, id) fd's child ended at, as its end marked it: 0 if not. */
int nd_childend_end_of(int fd, uint64_t *ev, uint64_t *id);
/* For a wait for any child: a descriptor, waited on as the children's, that
 * turns readable when this process starts another child meanwhile
 * (nd_childend_started: 1 when one was written, the process's descriptor
 * waiters must look again). -1: none (another thread's wait has it). */
int nd_childend_started_open(void);
int nd_childend_started(void);
void nd_childend_started_close(int fd);
/* Before a look at fds decided at count at: waits for an end marked before
 * (at, this member's id) to be readable (the child's last moment). */
struct pollfd;
void nd_childend_settle(const struct pollfd *fds, int n, uint64_t at);

#endif
