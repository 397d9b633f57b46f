/* Bytes carry time between members (carry.c): around every write to a pipe
 * or FIFO, and after every read from one. */
#ifndef ND_CARRY_H
#define ND_CARRY_H

#include <poll.h>
#include <sys/socket.h>
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

/* A named listener's connection (convo.c): before a write on fd, how long
 * the writing thread took since it last read fd (its own time), which the
 * write carries, and in *causal the latest time other members' data
 * carried into its process since then (0: none); after a read that found
 * marks (found) carrying took and causal at most, the reader's clock
 * moves to its own last write on fd plus took, and to causal. A descriptor
 * closed or reused is forgotten. */
uint64_t nd_convo_sending(int fd, uint64_t *causal);
void nd_convo_got(int fd, int found, uint64_t took, uint64_t causal);
void nd_convo_forget(int fd);
/* A connect of fd to addr (kept when it names a member's listener), and
 * the member blocked in a wait for events on fd (1): a read of a
 * connection to a member's listener waits for that member's answer
 * (members.h's nd_member_block_on). */
void nd_convo_connected(int fd, const struct sockaddr *addr, socklen_t len);
int nd_convo_block(int fd, short events);
/* A thread serving a request on a named connection stops at its answer, or
 * at a wait outside (serve_end); a scheduled thread's block in its process
 * pauses it, and its end counts the block's timeout as the thread's own time
 * when the line jumped to it (jumped). */
void nd_convo_serve_end(void);
void nd_convo_block_begin(uint64_t deadline);
void nd_convo_block_end(int jumped);

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
