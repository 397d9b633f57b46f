/*
 * stdio's flushes into pipes of the tree, marked (carry.h). libc writes a
 * FILE's buffer with its own internal write, which no interposer sees: the
 * bytes reached their reader unmarked, in the kernel's order, and how they
 * were cut up followed real time. `ls` printing 30 KiB into a parent's
 * `subprocess.run(..., capture_output=True)` took 6 to 9 of its polls
 * through the kernel's order, and `nodice verify` found the runs' event logs
 * different though their outputs agreed.
 *
 * Around an output call that may flush — the stream unbuffered, a newline
 * into a line-buffered one, or more than the buffer's room — the pipe gets a
 * mark before the call, as a write(2) does, and the member leaves the order
 * while the call may block (its reader may be slow). What left the buffer
 * is the buffer's fill before, plus what the call added, less its fill
 * after (glibc's FILE fields are public; the flag values are libio.h's).
 * A call that flushed nothing takes its mark back; a flush not foreseen (a
 * printf longer than the room, found out only after) stays unmarked, in the
 * kernel's order as before. Only streams on a pipe of the tree pay for it.
 */
#include "nodice.h"
#include "stdmark.h"
#include "devices.h"
#include "block.h"
#include "members.h"

#include <poll.h>
#include <string.h>

#define IO_UNBUFFERED 0x0002
#define IO_LINE_BUF 0x0200
#define DEFAULT_BUF 4096 /* a pipe's st_blksize: the buffer a first write allocates */

static size_t fill(FILE *f)
{
	return f->_IO_write_base && f->_IO_write_ptr > f->_IO_write_base ? (size_t)(f->_IO_write_ptr - f->_IO_write_base) : 0;
}

/* nl: 1 when the data holds a newline, -1 when it is to be looked for. */
static int may_flush(FILE *f, const char *data, size_t len, int nl)
{
	if (!data)
		return fill(f) > 0;
	if (f->_flags & IO_UNBUFFERED)
		return 1;
	if ((f->_flags & IO_LINE_BUF) &&
	    (nl > 0 || (nl < 0 && memchr(data, '\n', len == ND_STDMARK_UNKNOWN ? strlen(data) : len))))
		return 1;
	size_t room = !f->_IO_buf_base ? DEFAULT_BUF
		      : f->_IO_write_ptr ? (size_t)(f->_IO_buf_end - f->_IO_write_ptr)
					 : (size_t)(f->_IO_buf_end - f->_IO_buf_base);
	/* a format's expansion is not known before: a line of it rarely
	 * exceeds 256 bytes */
	return len == ND_STDMARK_UNKNOWN ? room < 256 : len >= room;
}

static int on_tree_pipe(FILE *f)
{
	if (!f || nd_state != 2 || nd_member_me < 0)
		return -1;
	int fd = fileno_unlocked(f);
	return fd >= 0 && nd_pipes_carrier(fd, 1) ? fd : -1;
}

static struct nd_stdmark begin(FILE *f, const char *data, size_t len, int nl)
{
	struct nd_stdmark m = { { NULL, 0 }, 0, -1, 0 };
	int fd = on_tree_pipe(f);
	if (fd < 0 || !may_flush(f, data, len, nl))
		return m;
	m.fd = fd;
	m.before = fill(f);
	m.c = nd_carry_writing(fd);
	m.out = nd_sched_managed() ? nd_block_leave_for(fd, POLLOUT) : nd_block_member_leave_for(fd, POLLOUT);
	return m;
}

struct nd_stdmark nd_stdmark_begin(FILE *f, const char *data, size_t len)
{
	return begin(f, data, len, -1);
}

struct nd_stdmark nd_stdmark_begin_line(FILE *f, size_t len)
{
	return begin(f, "", len, 1);
}

void nd_stdmark_end(struct nd_stdmark *m, FILE *f, size_t produced)
{
	if (m->fd < 0)
		return;
	size_t after = fill(f), total = m->before + produced;
	nd_carry_wrote(m->c, total > after ? (ssize_t)(total - after) : 0);
	if (m->out)
		nd_block_rejoin();
}

int nd_stdmark_pending(FILE *f)
{
	return on_tree_pipe(f) >= 0 && fill(f) > 0;
}
