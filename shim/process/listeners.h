/* Named Unix listeners of the tree (listeners.c). */
#ifndef ND_LISTENERS_H
#define ND_LISTENERS_H

#include <stdint.h>
#include <sys/socket.h>

/* The key of a Unix socket name (a path's file, or an abstract name's
 * bytes); 0 for another address or a path that is not there. */
uint64_t nd_listener_key(const struct sockaddr *addr, socklen_t len);
/* An accept on fd, a listening socket of this member: its name is
 * entered as this member's. */
void nd_listener_accepting(int fd);
/* The slot of the member listening on name `key`, or -1. */
int nd_listener_member(uint64_t key);

#endif
