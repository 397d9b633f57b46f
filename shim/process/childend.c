/*
 * A child's end, waited for by a thread of a scheduled process (issue 14).
 * asyncio's child watcher and `subprocess` from a thread pool wait for one
 * child each in waitpid, in a thread of their own. That thread used to leave
 * its process's turn for the kernel's wait and rejoin wherever the other
 * threads had got to; while it was outside, the others' waits on pipes of
 * the tree went to the kernel's order too (treeread.c), and `nodice verify`
 * of an asyncio program that ran two subprocesses reported event logs that
 * differed though its output repeated.
 *
 * Now the end is a write like any other: the waiter opens a pidfd for the
 * child (readable once it has ended) and waits on it as on a pipe of the
 * tree (sched/treeread.c, process/deliver.c). The pidfd reads an entry of
 * the tree's pipe table keyed by the child's member id, whose one mark the
 * child makes as it ends, stamped with its count there, before it leaves
 * the order: a waiter lined on it has its floor lowered then, as by a write.
 * So the wait ends at its process's turn of the tree past the end's count,
 * at the same point of the other threads on every run. A child that ended
 * before the entry was made is marked by the waiter, from the exits table
 * (the same stamp). A child killed by SIGKILL leaves no mark: its end is
 * the kernel's order, as an end of file is. Raw system calls only.
 */
#include "nodice.h"
#include "childend.h"
#include "deliver.h"
#include "devices.h"
#include "members.h"
#include "process.h"
#include "tree.h"
#include "vclock.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* An entry no descriptor's device and inode gives (pipes.c's keys). */
static uint64_t key_of(uint64_t id)
{
	return (id ^ 0xc41d0e4d00000000ULL) | 3;
}

/* The end's one write: idempotent, the child and a waiter may both make it. */
static void mark(struct nd_tree_pipe *p, uint64_t ev, uint64_t vt, uint64_t id)
{
	struct nd_pipe_mark *m = &p->marks[0];
	__atomic_store_n(&m->ev, ev, __ATOMIC_RELAXED);
	__atomic_store_n(&m->vt, vt, __ATOMIC_RELAXED);
	__atomic_store_n(&m->id, id, __ATOMIC_RELAXED);
	__atomic_store_n(&m->start, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&p->written, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&p->nmarks, 1, __ATOMIC_RELEASE);
}

void nd_childend_leave(uint64_t id, uint64_t ev)
{
	if (!id)
		return;
	/* the exits table is written: a waiter that makes the entry after this
	 * look finds the end there */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	struct nd_tree_pipe *p = nd_pipes_entry(key_of(id), 0);
	if (!p)
		return;
	mark(p, ev, nd_vclock_now(), id);
	nd_deliver_wrote(p, ev);
}

/* The entry fd reads as (nd_pipes_as), if it has one. */
static struct nd_tree_pipe *entry_of(int fd)
{
	uint64_t key = fd >= 0 ? nd_pipes_as_key(fd) : 0;
	return key ? nd_pipes_entry(key, 0) : NULL;
}

int nd_childend_end_of(int fd, uint64_t *ev, uint64_t *id)
{
	struct nd_tree_pipe *p = entry_of(fd);
	if (!p || !__atomic_load_n(&p->nmarks, __ATOMIC_ACQUIRE))
		return 0;
	*ev = __atomic_load_n(&p->marks[0].ev, __ATOMIC_RELAXED);
	*id = __atomic_load_n(&p->marks[0].id, __ATOMIC_RELAXED);
	return 1;
}

static int readable(void *arg)
{
	struct pollfd q = { *(int *)arg, POLLIN, 0 };
	return nd_sys(SYS_poll, (long)&q, 1, 0, 0, 0, 0) != 0;
}

/* An end marked before the order's point is in the past: the child is in
 * its last instructions, and its pidfd is about to be readable (at most
 * about a second: an exit stuck after the shim's destructor is left to the
 * kernel). Without this wait a look made in between found it not ready,
 * and the waiter woke later on real time (the watch, watch.c). */
void nd_childend_settle(const struct pollfd *fds, int n, uint64_t at)
{
	if (!nd_pipes_as_any())
		return;
	uint64_t self = nd_member_id(nd_member_me);
	for (int i = 0; i < n; i++) {
		int fd = fds[i].fd;
		uint64_t ev, id;
		if (nd_childend_end_of(fd, &ev, &id) && nd_member_before(ev, id, at, self))
			nd_member_await(readable, &fd);
	}
}

void nd_childend_start(void)
{
	__atomic_store_n(&nd_process_end_mark, nd_childend_leave, __ATOMIC_RELEASE);
}

static void hold(struct nd_tree_pipe *p, int on)
{
	uint64_t bit = 1ULL << (nd_member_me % 64), *w = &p->holders[nd_member_me / 64];
	if (on)
		__atomic_fetch_or(w, bit, __ATOMIC_ACQ_REL); /* spared by pipes.c's claim while waited on */
	else
		__atomic_fetch_and(w, ~bit, __ATOMIC_ACQ_REL);
}

int nd_childend_open(pid_t pid)
{
	uint64_t vt, id, ev, was;
	if (nd_member_me < 0 || pid <= 0)
		return -1;
	if (!nd_vclock_ended(pid, &vt, &id) && !nd_member_now_of(pid, &vt, &id))
		return -1;
	long fd = nd_sys(SYS_pidfd_open, pid, 0, 0, 0, 0, 0);
	if (fd < 0)
		return -1;
	struct nd_tree_pipe *p = fd < ND_FD_MAX ? nd_pipes_entry(key_of(id), 1) : NULL;
	if (!p) {
		nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
		return -1;
	}
	hold(p, 1);
	nd_pipes_as((int)fd, key_of(id));
	__atomic_store_n(&nd_deliver_settle, nd_childend_settle, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (nd_vclock_ended_count(pid, &vt, &was, &ev) && was == id)
		mark(p, ev, vt, id);
	return (int)fd;
}

void nd_childend_close(int fd)
{
	struct nd_tree_pipe *p = entry_of(fd);
	if (p)
		hold(p, 0);
	nd_pipes_as(fd, 0);
	nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
}

/*
 * While a thread waits for any child, another thread of the process may
 * start one, which natively the wait could reap. The waiter also waits on
 * an eventfd read as an entry of the tree like a pidfd (its key new for each
 * wait); a start in this process writes it and marks the entry at the
 * starter's count, a write of the process to itself (seen at once), so the
 * wait looks at its children again at that point of the order. One waiter
 * at a time has it (another waits the old way); `users` keeps the
 * descriptor open while a starter writes it. A child forked meanwhile has
 * the variables, not the waiter: `pid` tells them apart (the number may
 * be another file of the child's by then).
 */
static int started_fd = -1, started_users;
static long started_pid;
static uint64_t started_seq;

int nd_childend_started_open(void)
{
	long me = nd_sys(SYS_getpid, 0, 0, 0, 0, 0, 0);
	int have = __atomic_load_n(&started_fd, __ATOMIC_ACQUIRE);
	if (nd_member_me < 0 || (have >= 0 && __atomic_load_n(&started_pid, __ATOMIC_ACQUIRE) == me))
		return -1;
	if (have >= 0 && __atomic_compare_exchange_n(&started_fd, &have, -1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		__atomic_store_n(&started_users, 0, __ATOMIC_RELEASE); /* a parent's waiter's, inherited */
	long fd = nd_sys(SYS_eventfd2, 0, EFD_CLOEXEC | EFD_NONBLOCK, 0, 0, 0, 0);
	if (fd < 0)
		return -1;
	__atomic_store_n(&started_pid, me, __ATOMIC_RELEASE);
	uint64_t seq = __atomic_add_fetch(&started_seq, 1, __ATOMIC_RELAXED);
	uint64_t key = key_of(nd_member_id(nd_member_me) ^ (0x9e3779b97f4a7c15ULL * seq));
	struct nd_tree_pipe *p = fd < ND_FD_MAX ? nd_pipes_entry(key, 1) : NULL;
	int none = -1;
	if (!p || !__atomic_compare_exchange_n(&started_fd, &none, (int)fd, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
		return -1;
	}
	hold(p, 1);
	nd_pipes_as((int)fd, key);
	return (int)fd;
}

int nd_childend_started(void)
{
	if (__atomic_load_n(&started_fd, __ATOMIC_ACQUIRE) < 0)
		return 0;
	__atomic_add_fetch(&started_users, 1, __ATOMIC_SEQ_CST);
	int fd = __atomic_load_n(&started_fd, __ATOMIC_SEQ_CST);
	if (fd >= 0 && __atomic_load_n(&started_pid, __ATOMIC_ACQUIRE) != nd_sys(SYS_getpid, 0, 0, 0, 0, 0, 0))
		fd = -1;
	struct nd_tree_pipe *p = entry_of(fd);
	if (p && !__atomic_load_n(&p->nmarks, __ATOMIC_ACQUIRE)) {
		uint64_t one = 1, ev = nd_member_count(&nd_tree->members[nd_member_me]);
		nd_sys(SYS_write, fd, (long)&one, sizeof one, 0, 0, 0);
		mark(p, ev, nd_vclock_now(), nd_member_id(nd_member_me));
		nd_deliver_wrote(p, ev);
	}
	__atomic_sub_fetch(&started_users, 1, __ATOMIC_RELEASE);
	return p != NULL;
}

void nd_childend_started_close(int fd)
{
	int was = fd;
	if (__atomic_compare_exchange_n(&started_fd, &was, -1, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
		while (__atomic_load_n(&started_users, __ATOMIC_SEQ_CST))
			nd_sys(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
	nd_childend_close(fd);
}
