/* Bytes carry time between members (carry.c): around every write to a pipe
 * or FIFO, and after every read from one. */
#ifndef ND_CARRY_H
#define ND_CARRY_H

#include <sys/types.h>

void nd_carry_writing(int fd);
void nd_carry_wrote(int fd, ssize_t r);
void nd_carry_read(int fd, ssize_t r);

#endif
