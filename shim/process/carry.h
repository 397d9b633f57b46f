/* Bytes carry time between members (carry.c): around every write to a pipe
 * or FIFO, and after every read from one. */
#ifndef ND_CARRY_H
#define ND_CARRY_H

#include <poll.h>
#include <sys/types.h>

/* Before a write: the mark, and the entry it went to (p NULL when fd
 * carries no count), which the write's result is added to after it. */
#include <stdint.h>
struct nd_tree_pipe;
struct nd_carry {
	struct nd_tree_pipe *p;
	uint32_t k; /* the mark's number */
};
struct nd_carry nd_carry_writing(int fd);
/* A write that failed takes its mark back. */
void nd_carry_wrote(struct nd_carry c, ssize_t r);
void nd_carry_read(int fd, ssize_t r);
/* A close of fd (before it), or of those of first..last: when one writes
 * an anonymous pipe, the time is stamped on it (and at this process's end,
 * for all it holds: process.h's nd_process_pipes_end). */
void nd_carry_closing(int fd);
void nd_carry_closing_range(unsigned first, unsigned last);
/* A read that met fd's end of file, and a poll's result r (returned):
 * the reader continues from the pipe's last close (carry.c). */
void nd_carry_eof(int fd);
int nd_carry_hangups(const struct pollfd *fds, nfds_t n, int r);
/* Before a read of a member's pipe that would block: spin a while for the
 * writer's next write (members.h's spins), so that a quick answer is taken
 * without a sleep and a wake-up across CPUs. */
void nd_carry_await(int fd);

/* The count this thread's last wait for pipes of the tree was decided at
 * (deliver.c sets it), or 0: the writes stamped before (it, this member's
 * id) are all made, later ones may not be. */
extern __thread uint64_t nd_carry_horizon __attribute__((tls_model("initial-exec")));
/* Before a read of len bytes from fd: what the read may take, so that it
 * stops at the first write the order had not reached at that wait (a reader
 * that takes whatever the kernel holds would see a real-time amount). len
 * when there is no such write, or when the first unread byte is one's (the
 * horizon is then spent: the read is the kernel's, as before). */
size_t nd_carry_cap_slow(int fd, size_t len);
static inline size_t nd_carry_cap(int fd, size_t len)
{
	return nd_carry_horizon ? nd_carry_cap_slow(fd, len) : len;
}

#endif
