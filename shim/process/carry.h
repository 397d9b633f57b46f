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
/* Before a read of a member's pipe that would block: spin a while for the
 * writer's next write (members.h's spins), so that a quick answer is taken
 * without a sleep and a wake-up across CPUs. */
void nd_carry_await(int fd);

#endif
