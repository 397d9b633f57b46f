/* Bytes carry time between members (carry.c): around every write to a pipe
 * or FIFO, and after every read from one. */
#ifndef ND_CARRY_H
#define ND_CARRY_H

#include <sys/types.h>

/* Before a write: the mark, and the entry it went to (NULL when fd carries
 * no count), which the write's result is added to after it. */
struct nd_tree_pipe;
struct nd_tree_pipe *nd_carry_writing(int fd);
void nd_carry_wrote(struct nd_tree_pipe *p, ssize_t r);
void nd_carry_read(int fd, ssize_t r);

#endif
