/*
 * epoll_wait over pipes of the tree, decided by counts (epolldeliver.c).
 */
#ifndef ND_EPOLLDELIVER_H
#define ND_EPOLLDELIVER_H

#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>

/* A wait of a process without scheduled threads on epoll set epfd whose
 * descriptors are all pipes, FIFOs or socketpair ends of the tree, for
 * timeout_ns (-1: none): the events to report (at most max), 0 on a
 * virtual timeout, or -1 with errno (EINTR: a handler ran). *decided: the
 * tree's counts decided it. ND_NOT_DELIVERED (deliver.h) when the set is
 * not one; nothing was done then. */
int nd_epoll_delivered(int epfd, struct epoll_event *ev, int max, int64_t timeout_ns, const sigset_t *mask,
		       int *decided);

#endif
