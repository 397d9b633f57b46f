/*
 * Several writers of one channel (issue 14): pool workers printing into the
 * run's stdout, two background jobs of a shell on one pipe, a log file a
 * parent opened before forking its workers. Natively the order of their data
 * is the order of their writes in real time. Under --order-writes (the
 * tree root's NODICE_ORDER_WRITES, off by default: a holder that never
 * writes still makes every write wait for its computation — make's
 * jobserver pipe, a Pool's task pipe; docs/design.md) a write into a channel
 * that two or more members hold for writing is made at the writer's turn
 * (order.c: its (event count, id) first among the members that can still
 * act), so their data lands in the tree's order, while a channel only one
 * member writes (a child's output pipe, once its parent closed its end)
 * costs nothing.
 *
 * Who holds what is kept in the channel's entry in the tree (pipes.c), a bit
 * per member: a parent registers itself and the child's slot for every
 * channel it can write into just before a fork or spawn (a scan of its
 * descriptors), a vfork child registers itself at its exec, a new image
 * counts what it kept at start-up, and a process lets go when it closes its
 * last descriptor of one (close, dup2 onto it, close_range) and when it
 * ends. A channel only ever gains a holder through a fork or spawn made by
 * one of its holders, so a member that finds itself the only holder writes
 * before any later holder exists: skipping the turn then changes nothing.
 * Racing the other way (a parent that has not closed its end yet) only
 * makes a write wait for its turn: what decides is the answer at the turn,
 * where every let-go ahead in the order (made at the holder's own turn) has
 * happened and none behind it has. So whether a write is ordered repeats,
 * and an ordered write on a blocking descriptor counts one event: writers
 * alternate line by line instead of the lowest count writing until it
 * ends.
 *
 * Not covered: a FIFO opened by name is always written at the turn (its
 * writers meet through its name, not through forks); a regular file opened
 * by name in two processes, and a descriptor received through SCM_RIGHTS,
 * are not registered, and their writes stay reported when they race
 * (pipes.c). stdio writes are ordered at the stdio call that may flush
 * (stdout.c); a C program's buffer flushed by exit is flushed at the turn
 * by the shim's exit path first.
 */
#include "nodice.h"
#include "devices.h"
#include "members.h"
#include "process.h"
#include "tree.h"
#include "writers.h"

#include <fcntl.h>
#include <sys/syscall.h>

/* Entry index + 1 of each registered descriptor, and how many of this
 * process's descriptors hold each entry. A fork child inherits both with the
 * descriptor table; a new image builds them at start-up. */
static uint16_t fd_entry[ND_FD_MAX];
static uint16_t held[ND_TREE_PIPES];

static void set_bit(struct nd_tree_pipe *p, int k, int on)
{
	uint64_t bit = 1ULL << (k % 64);
	if (on)
		__atomic_fetch_or(&p->holders[k / 64], bit, __ATOMIC_ACQ_REL);
	else
		__atomic_fetch_and(&p->holders[k / 64], ~bit, __ATOMIC_ACQ_REL);
}

static int has_bit(struct nd_tree_pipe *p, int k)
{
	return (__atomic_load_n(&p->holders[k / 64], __ATOMIC_ACQUIRE) >> (k % 64)) & 1;
}

/* --order-writes, the tree root's setting: off, nothing is registered and
 * every write goes as before (reported when writers race). */
static int on(void)
{
	return nd_member_me >= 0 && __atomic_load_n(&nd_tree->order_writes, __ATOMIC_RELAXED);
}

/* A member other than this one holds entry p. */
static int others(struct nd_tree_pipe *p)
{
	return nd_pipes_held(p, nd_member_me);
}

/* The entry of the channel fd can write into, made if need be, or NULL. */
static struct nd_tree_pipe *writable(int fd)
{
	int named = 0;
	long fl = nd_sys(SYS_fcntl, fd, F_GETFL, 0, 0, 0, 0);
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
		return NULL;
	uint64_t key = nd_pipes_write_key(fd, &named);
	return key && !named ? nd_pipes_entry(key, 1) : NULL;
}

/* This process lets go of entry p. Whether another member's write is
 * ordered depends on it, so while others hold p too it happens at this
 * process's turn: in the tree's order, not at a moment of real time. */
static void let_go(struct nd_tree_pipe *p)
{
	if (nd_member_me < 0 || !has_bit(p, nd_member_me))
		return;
	if (!nd_passthrough() && others(p))
		nd_member_turn();
	set_bit(p, nd_member_me, 0);
}

struct scan {
	int child; /* a slot to register too, or -1 */
	int own;   /* rebuild this process's counts */
};

static void hold_fd(int fd, void *arg)
{
	const struct scan *s = arg;
	if (nd_tree_fd_is(fd))
		return;
	/* A vfork child's descriptors are its own, its memory its parent's:
	 * what it learns of fd must not stay as what the parent's fd is (a
	 * child's key cached for the parent's descriptor made asyncio's loop
	 * read one pipe as another, and wait 5 s on writes it had long read:
	 * every subprocess under --order-writes stalled). */
	int vforked = nd_process_in_vfork_child();
	if (vforked)
		nd_pipes_forget(fd);
	struct nd_tree_pipe *p = writable(fd);
	if (vforked)
		nd_pipes_forget(fd);
	if (!p)
		return;
	unsigned i = (unsigned)(p - nd_tree->pipes);
	if (s->own) {
		fd_entry[fd] = (uint16_t)(i + 1);
		held[i]++;
	}
	if (s->own && nd_member_me >= 0)
		set_bit(p, nd_member_me, 1);
	if (s->child >= 0)
		set_bit(p, s->child, 1);
}

/* Registers what this process holds now: for itself (own) and for child. */
static void scan(int child, int own)
{
	struct scan s = { child, own };
	if (child >= 0)
		for (unsigned i = 0; i < ND_TREE_PIPES; i++)
			set_bit(&nd_tree->pipes[i], child, 0); /* a slot's earlier holder's */
	if (own) {
		__builtin_memset(held, 0, sizeof(held));
		__builtin_memset(fd_entry, 0, sizeof(fd_entry));
	}
	nd_device_each_fd(hold_fd, &s);
	if (own && nd_member_me >= 0)
		for (unsigned i = 0; i < ND_TREE_PIPES; i++)
			if (!held[i])
				let_go(&nd_tree->pipes[i]); /* closed by an exec, or unseen */
}

void nd_writers_start(void)
{
	if (on())
		scan(-1, 1);
}

void nd_writers_spawning(int child)
{
	if (!on() || child < 0)
		return;
	if (nd_process_in_vfork_child())
		scan(child, 0); /* the parent's counts are this memory */
	else
		scan(child, 1);
}

void nd_writers_closed(int fd)
{
	if ((unsigned)fd >= ND_FD_MAX || !fd_entry[fd] || nd_process_in_vfork_child())
		return;
	unsigned i = fd_entry[fd] - 1u;
	fd_entry[fd] = 0;
	if (held[i] && --held[i] == 0)
		let_go(&nd_tree->pipes[i]);
}

void nd_writers_copied(int from, int to)
{
	nd_writers_closed(to);
	if ((unsigned)from >= ND_FD_MAX || (unsigned)to >= ND_FD_MAX || !fd_entry[from] ||
	    nd_process_in_vfork_child())
		return;
	fd_entry[to] = fd_entry[from];
	held[fd_entry[from] - 1u]++;
}

void nd_writers_end(int at_turn)
{
	if (!on())
		return;
	if (at_turn && nd_writers_any())
		nd_member_turn();
	for (unsigned i = 0; i < ND_TREE_PIPES; i++)
		if (held[i] || has_bit(&nd_tree->pipes[i], nd_member_me))
			set_bit(&nd_tree->pipes[i], nd_member_me, 0);
}

/* Another member holds the channel fd writes into. */
static int shared(int fd)
{
	int named = 0;
	uint64_t key = nd_pipes_write_key(fd, &named);
	if (!key)
		return 0;
	if (named)
		return 1;
	struct nd_tree_pipe *p = nd_pipes_entry(key, 0);
	return p && others(p);
}

/* Shared now in real time, then again at the turn, where every holder
 * ahead of this process in the order has let go or not: only the second
 * answer decides, so whether the write is ordered, and counted, repeats. A
 * sole holder needs no turn: nobody else can become one before its own
 * next fork. */
int nd_writers_turn(int fd)
{
	if (!on() || nd_passthrough() || !shared(fd))
		return 0;
	nd_member_turn();
	if (!shared(fd))
		return 0;
	/* How many times a non-blocking writer tries follows its reader's
	 * pace: its writes are ordered, not counted. */
	long fl = nd_sys(SYS_fcntl, fd, F_GETFL, 0, 0, 0, 0);
	return fl >= 0 && !(fl & O_NONBLOCK) ? ND_WRITE_COUNTED : ND_WRITE_ORDERED;
}

void nd_writers_done(int ordered)
{
	if (ordered == ND_WRITE_COUNTED)
		nd_member_turn_done();
}

int nd_writers_turn_any(void)
{
	if (nd_passthrough() || !nd_writers_any())
		return 0;
	nd_member_turn();
	return nd_writers_any();
}

int nd_writers_any(void)
{
	if (!on())
		return 0;
	for (unsigned i = 0; i < ND_TREE_PIPES; i++)
		if (held[i] && others(&nd_tree->pipes[i]))
			return 1;
	return 0;
}
