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

/* The set's entries when it can be decided by counts (each level-triggered
 * for input alone, with data of its own, at most ND_DELIVER_FDS): how many,
 * or 0. */
struct nd_epoll_entry;
int nd_epoll_decidable(int epfd, struct nd_epoll_entry *e);
/* The kernel's events of the set now (a zero timeout), keeping those of the
 * places in `ready` of e, in the order of their descriptors (from after the
 * last one reported, when more are ready than max): how many (at most max),
 * or -1 with errno. */
int nd_epoll_report(int epfd, const struct nd_epoll_entry *e, int n, uint32_t ready, struct epoll_event *ev, int max,
		    const sigset_t *mask);

#endif
