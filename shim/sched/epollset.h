/*
 * The descriptors an epoll set holds, as the kernel lists them in
 * /proc/self/fdinfo (epollset.c): each one's number, the events it was
 * registered for and its user data.
 */
#ifndef ND_EPOLLSET_H
#define ND_EPOLLSET_H

#include <stdint.h>

struct nd_epoll_entry {
	int fd;
	uint32_t events;
	uint64_t data;
};

/* The entries of epoll set epfd in the order of their descriptors' numbers,
 * each still the file that was registered
 * (a number closed or reused since is not: the inodes must match): how
 * many (at most max), or -1 (unreadable, more than max, or one not the
 * registered file). Raw system calls, no allocation. */
int nd_epoll_entries(int epfd, struct nd_epoll_entry *out, int max);

#endif
