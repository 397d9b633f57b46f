/*
 * The time a named Unix listener's connections carry: a conversation's, not
 * a clock's. A multiprocessing Manager serves every proxy of the run from
 * one process, one thread per connection; its clock at an answer is the
 * merge of every client's requests in the real-time order they reached it
 * (and of its own 1 s housekeeping waits, due whenever real time let
 * them). Carried as it was (the reader's clock moved to the server's at the
 * write), that order reached the clients: a Pool worker's first proxy
 * (an incref at its start) set its clock a few ticks apart from run to run,
 * its sleeps ended at other points, and the first two tasks went to the
 * other worker (`tree_managers` in CI; 3 outputs in 8 runs with a 1 ms
 * tick, fixtures/python/manager_pool.py).
 *
 * A write on such a connection carries how long its writer took since it
 * last read that connection, in the writing thread's own time (what its
 * timeouts moved the clock by: vclock.h), and a read moves the reader's
 * clock to at least its own last write there plus that: an answer comes
 * after its request by the time the server waited on it. Both are the
 * conversation's own, the same in every run whatever else the server did
 * meanwhile. A client's `Condition.wait_for(timeout)` over a Manager still
 * sees each server-side timed wait pass (CPython's test_waitfor_timeout
 * asked again for ever when nothing was carried). The thread's clock reads
 * are left out: a DataLoader worker's resource-sharer thread read the clock
 * a varying number of times between a request and its answer, waiting for
 * the GIL while the worker's main thread ran. What is lost: a reader's
 * clock is not moved past the writer's clock itself (the server's clock,
 * where it ran ahead of the conversation), nor by the server's computation
 * (its ticks); the first write of a connection carries nothing (nothing was
 * read before it), nor one by a thread other than the one that last read
 * (a separate writer thread).
 *
 * And what the order needs to know of a conversation (holder.c): a client
 * blocked in its read publishes the listener it waits for and the two
 * streams (nd_convo_block), and a listener's threads count while they
 * serve a request (serving), so that the others wait for a client whose
 * answer is on its way, and not for one whose server waits on something
 * else.
 */
#include "nodice.h"
#include "carry.h"
#include "devices.h"
#include "listeners.h"
#include "members.h"
#include "tree.h"
#include "vclock.h"

#include <poll.h>

static struct convo {
	uint64_t sent;  /* 1 + this process's clock at its last write; 0: none */
	uint64_t got;   /* the reading thread's own time at its last read */
	uintptr_t who;  /* that thread; 0: none */
	uint64_t name;  /* the listener's name it connected to (listeners.c); 0: none */
} convo[ND_FD_MAX];

static void serve_start(void);

static uintptr_t this_thread(void)
{
	return (uintptr_t)&nd_vt_thread_slept; /* a thread's own while it lives */
}

/* The latest time carried into this process (vclock.h) when this thread
 * last read a named connection. */
static ND_TLS uint64_t carried_at_read;

uint64_t nd_convo_sending(int fd, uint64_t *causal)
{
	*causal = 0;
	if ((unsigned)fd >= ND_FD_MAX)
		return 0;
	struct convo *c = &convo[fd];
	uint64_t own = nd_vclock_thread_own(), got = __atomic_load_n(&c->got, __ATOMIC_RELAXED);
	int mine = __atomic_load_n(&c->who, __ATOMIC_RELAXED) == this_thread();
	uint64_t took = mine && own > got ? own - got : 0;
	uint64_t in = __atomic_load_n(&nd_vt_carried, __ATOMIC_RELAXED);
	if (mine && in > carried_at_read)
		*causal = in;
	__atomic_store_n(&c->sent, nd_vclock_now() + 1, __ATOMIC_RELAXED);
	nd_convo_serve_end();
	return took;
}

void nd_convo_got(int fd, int found, uint64_t took, uint64_t causal)
{
	if ((unsigned)fd >= ND_FD_MAX)
		return;
	struct convo *c = &convo[fd];
	uint64_t sent = __atomic_load_n(&c->sent, __ATOMIC_RELAXED);
	uint64_t to = sent ? sent - 1 + took : 0;
	if (found)
		nd_vclock_advance_to(causal > to ? causal : to);
	carried_at_read = __atomic_load_n(&nd_vt_carried, __ATOMIC_RELAXED);
	if (!__atomic_load_n(&c->name, __ATOMIC_RELAXED)) /* a listener's end: a request */
		serve_start();
	__atomic_store_n(&c->got, nd_vclock_thread_own(), __ATOMIC_RELAXED);
	__atomic_store_n(&c->who, this_thread(), __ATOMIC_RELAXED);
}

void nd_convo_forget(int fd)
{
	if ((unsigned)fd < ND_FD_MAX) {
		struct convo *c = &convo[fd];
		__atomic_store_n(&c->sent, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&c->who, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&c->name, 0, __ATOMIC_RELAXED);
	}
}

void nd_convo_connected(int fd, const struct sockaddr *addr, socklen_t len)
{
	if (nd_member_me >= 0 && (unsigned)fd < ND_FD_MAX)
		__atomic_store_n(&convo[fd].name, nd_listener_key(addr, len), __ATOMIC_RELAXED);
}

int nd_convo_block(int fd, short events)
{
	nd_convo_serve_end();
	uint64_t name = (unsigned)fd < ND_FD_MAX && (events & POLLIN) ? __atomic_load_n(&convo[fd].name, __ATOMIC_RELAXED) : 0;
	int server = name ? nd_listener_member(name) : -1;
	uint64_t out = 0, in = 0;
	if (server >= 0)
		nd_pipes_conn_keys(fd, &out, &in);
	nd_member_block_on(server, out, in, server >= 0 && __atomic_load_n(&convo[fd].sent, __ATOMIC_RELAXED) != 0);
	return 1;
}

/* A thread serving a request (read one on a named connection, not yet
 * answered nor waited since) counts in its member's `serving` (holder.c:
 * its client waits for it as for a running member). While it blocks in its
 * process (a lock, a condition: what it waits for may be another process's)
 * it does not count; an answer or a wait outside ends it. Counted in the
 * slot it was counted in (a fork child's copy of the flag is not its). */
enum { IDLE, SERVING, PAUSED };
static ND_TLS int serve_state, serve_slot;

static void serving_add(int by)
{
	if (serve_slot == nd_member_me && nd_member_me >= 0)
		__atomic_add_fetch(&nd_tree->members[serve_slot].serving, (uint32_t)by, __ATOMIC_RELEASE);
}

static void serve_start(void)
{
	if (serve_state != IDLE || nd_member_me < 0)
		return;
	serve_slot = nd_member_me;
	serve_state = SERVING;
	serving_add(1);
}

void nd_convo_serve_end(void)
{
	if (serve_state == SERVING)
		serving_add(-1);
	serve_state = IDLE;
}

/* Where this thread's last block in its scheduler began and until when: a
 * timeout the line jumped to is its own time slept (vclock.h); one that
 * other threads' clock reads passed is not (a GIL's timed wait while
 * another thread ran: how many expired followed the interleaving). */
static ND_TLS uint64_t begun_vt, begun_deadline;

void nd_convo_block_begin(uint64_t deadline)
{
	begun_vt = nd_vclock_now();
	begun_deadline = deadline;
	if (serve_state == SERVING) {
		serving_add(-1);
		serve_state = PAUSED;
	}
}

void nd_convo_block_end(int jumped)
{
	if (jumped && begun_deadline != ND_NO_DEADLINE && begun_deadline > begun_vt)
		nd_vt_thread_slept += begun_deadline - begun_vt;
	if (serve_state == PAUSED) {
		serve_state = SERVING;
		serving_add(1);
	}
}
