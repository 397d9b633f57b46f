/*
 * outwait.c: a wait in the kernel, by a process without scheduled threads,
 * while a virtual timer is armed. Each returns what the caller does next.
 */
#ifndef ND_OUTWAIT_H
#define ND_OUTWAIT_H

#include <sys/wait.h>

enum {
	ND_OUTWAIT_BLOCK, /* no timer in the way: block for the tree, make the call */
	ND_OUTWAIT_CALL,  /* ready: make the call (it does not wait) */
	ND_OUTWAIT_EINTR, /* a handler ran without SA_RESTART: fail with EINTR */
};

/* A read or write on a blocking descriptor fd (events: POLLIN, POLLOUT). */
int nd_outwait_fd(int fd, short events);
/* A wait for a child (waitid's type and id; options with WEXITED & co). */
int nd_outwait_child(idtype_t type, id_t id, int options);

#endif
