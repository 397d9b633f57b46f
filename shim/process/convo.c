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
 */
#include "nodice.h"
#include "carry.h"
#include "devices.h"
#include "listeners.h"
#include "members.h"
#include "vclock.h"

#include <poll.h>

static struct convo {
	uint64_t sent;  /* 1 + this process's clock at its last write; 0: none */
	uint64_t got;   /* the reading thread's own time at its last read */
	uintptr_t who;  /* that thread; 0: none */
	uint64_t name;  /* the listener's name it connected to (listeners.c); 0: none */
} convo[ND_FD_MAX];

static uintptr_t this_thread(void)
{
	return (uintptr_t)&nd_vt_thread_slept; /* a thread's own while it lives */
}

uint64_t nd_convo_sending(int fd)
{
	if ((unsigned)fd >= ND_FD_MAX)
		return 0;
	struct convo *c = &convo[fd];
	uint64_t own = nd_vclock_thread_own(), got = __atomic_load_n(&c->got, __ATOMIC_RELAXED);
	uint64_t took = __atomic_load_n(&c->who, __ATOMIC_RELAXED) == this_thread() && own > got ? own - got : 0;
	__atomic_store_n(&c->sent, nd_vclock_now() + 1, __ATOMIC_RELAXED);
	return took;
}

void nd_convo_got(int fd, int found, uint64_t took)
{
	if ((unsigned)fd >= ND_FD_MAX)
		return;
	struct convo *c = &convo[fd];
	uint64_t sent = __atomic_load_n(&c->sent, __ATOMIC_RELAXED);
	if (found && sent)
		nd_vclock_advance_to(sent - 1 + took);
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
	uint64_t name = (unsigned)fd < ND_FD_MAX && (events & POLLIN) ? __atomic_load_n(&convo[fd].name, __ATOMIC_RELAXED) : 0;
	nd_member_block_on(name ? nd_listener_member(name) : -1);
	return 1;
}
