/*
 * Several processes of the run writing one pipe, socket or file without an
 * order between them (multiprocessing's Queue with two producers, Pool
 * workers returning results, two background jobs on one stdout, make -j's
 * recipes): what the reader gets first, or the order of the lines, follows
 * real time. Writes into a channel two members hold are made at the
 * writer's turn (writers.c); what still races — a file or FIFO opened by
 * name in each process, a descriptor passed over a socket — is reported as
 * `tree-order` (issue 17), so inspect --strict and verify name it.
 *
 * The order is an approximation of the causal one: every tracked write takes
 * the next number of a counter in the tree's region, and each process
 * counts as known the numbers issued before its parent forked or spawned it
 * (an exec keeps them) and before each child it reaped. A write whose pipe
 * was last written by another process at a number this process does not
 * know is unordered: a sibling's, or a running child's. A shell's commands
 * one after another, and a parent that writes after reaping its child, are
 * ordered; so is a process writing after its parent wrote. The approximation errs one way:
 * a process forked after another's write counts that write as known even
 * when nothing ordered the two (the run where two jobs happened not to
 * overlap is not reported; the run where they did is). Each process reports
 * a pipe once.
 *
 * A write costs a load of the descriptor's key (its fstat is made once, at
 * its first write), an increment of the shared counter and two exchanges on
 * the pipe's entry.
 */
#include "nodice.h"
#include "carry.h"
#include "devices.h"
#include "members.h"
#include "tree.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

enum { UNKNOWN, OTHER }; /* else the descriptor's key */
static uint64_t fd_key[ND_FD_MAX];
enum { KIND_FILE, KIND_FIFO, KIND_SOCKET }; /* what the key is of */
static uint8_t fd_kind[ND_FD_MAX];
/* A FIFO's: 0 not asked yet, 1 a pipe, 2 a FIFO with a name. */
static uint8_t fd_named[ND_FD_MAX];
/* A socket's peer for carried counts: 0 not asked yet, OTHER none (not a
 * connected Unix stream socket), else the key of the end that reads what
 * this one writes (sockpeer.c). */
static uint64_t fd_peer[ND_FD_MAX];
/* 1 when the socket is a named listener's connection: it carries time (not
 * counts: carry.c), but its peer may be outside the run, so it is not of the tree
 * (no decided waits, no ordered writes). Its reads carry whatever its peer
 * marked. A client's end has no peer inode until the server accepts: a
 * write before that goes unmarked, and so does every later write of that
 * descriptor (a stream whose first bytes went unmarked would misplace every
 * later mark); an earlier look by a receive or a poll asks again. */
static uint8_t fd_conn[ND_FD_MAX];
static uint64_t reported[ND_TREE_PIPES / 64];

/* This process's count of known writes lives in its member slot, so an exec
 * keeps it: the new image knows what the old one knew, not what happened by
 * the time it started (make -j's two recipe shells, each forked before the
 * other wrote, exec at real times of their own). */
static uint64_t *known(void)
{
	return &nd_tree->members[nd_member_me].known_seq;
}

void nd_pipes_joined(void)
{
	if (nd_member_me < 0)
		return;
	uint64_t now = __atomic_load_n(&nd_tree->write_seq, __ATOMIC_ACQUIRE);
	if (now > __atomic_load_n(known(), __ATOMIC_RELAXED))
		__atomic_store_n(known(), now, __ATOMIC_RELAXED);
}

void nd_pipes_known(uint64_t seq)
{
	if (nd_member_me >= 0 && seq > __atomic_load_n(known(), __ATOMIC_RELAXED))
		__atomic_store_n(known(), seq, __ATOMIC_RELAXED);
}

void nd_pipes_forget(int fd)
{
	if ((unsigned)fd < ND_FD_MAX) {
		fd_key[fd] = UNKNOWN;
		fd_kind[fd] = KIND_FILE;
		fd_peer[fd] = 0;
		fd_conn[fd] = 0;
		fd_named[fd] = 0;
		nd_convo_forget(fd);
	}
}

/* Descriptors that read an entry of their own (nd_pipes_as), kept apart:
 * a vfork child closing the parent's descriptors before its exec forgets
 * them in the parent's tables too (the same memory). One per thread waiting
 * for one child, one per child and one more for a wait for any child, at
 * most AS_MAX at once (more: the kernel's order). */
#define AS_MAX 64
static struct {
	int fd;
	uint64_t key;
} as[AS_MAX];
static int nas; /* how many are set */

void nd_pipes_as(int fd, uint64_t key)
{
	if ((unsigned)fd >= ND_FD_MAX)
		return;
	nd_pipes_forget(fd);
	for (int i = 0; i < AS_MAX; i++) {
		uint64_t have = __atomic_load_n(&as[i].key, __ATOMIC_ACQUIRE);
		if (key && !have && __atomic_compare_exchange_n(&as[i].key, &have, key, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&as[i].fd, fd, __ATOMIC_RELEASE);
			__atomic_add_fetch(&nas, 1, __ATOMIC_RELEASE);
			return;
		}
		if (!key && have && __atomic_load_n(&as[i].fd, __ATOMIC_ACQUIRE) == fd) {
			__atomic_store_n(&as[i].fd, -1, __ATOMIC_RELAXED);
			__atomic_store_n(&as[i].key, 0, __ATOMIC_RELEASE);
			__atomic_sub_fetch(&nas, 1, __ATOMIC_RELEASE);
			return;
		}
	}
}

void nd_pipes_as_fork_child(void)
{
	for (int i = 0; i < AS_MAX; i++)
		if (as[i].key) {
			nd_sys(SYS_close, as[i].fd, 0, 0, 0, 0, 0);
			as[i].fd = -1;
			as[i].key = 0;
		}
	nas = 0;
}

int nd_pipes_as_any(void)
{
	return __atomic_load_n(&nas, __ATOMIC_ACQUIRE) > 0;
}

uint64_t nd_pipes_as_key(int fd)
{
	for (int i = 0; i < AS_MAX; i++) {
		uint64_t k = __atomic_load_n(&as[i].key, __ATOMIC_ACQUIRE);
		if (k && __atomic_load_n(&as[i].fd, __ATOMIC_ACQUIRE) == fd && k == __atomic_load_n(&as[i].key, __ATOMIC_ACQUIRE))
			return k;
	}
	return 0;
}

static uint64_t key_from(uint64_t dev, uint64_t ino)
{
	uint64_t key = (dev << 40) ^ ino;
	return key + (key <= OTHER ? 2 : 0);
}

/* The descriptor's key, computed at its first use: device and inode of a
 * pipe, FIFO, socket or regular file; OTHER for anything else. */
static uint64_t key_of(int fd)
{
	uint64_t key = fd_key[fd];
	if (key != UNKNOWN)
		return key;
	if ((key = nd_pipes_as_key(fd)) != 0) {
		fd_kind[fd] = KIND_FIFO;
		fd_named[fd] = 1;
		return fd_key[fd] = key;
	}
	struct stat st;
	if (nd_sys(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) != 0 ||
	    !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISREG(st.st_mode)))
		return fd_key[fd] = OTHER;
	fd_kind[fd] = S_ISFIFO(st.st_mode) ? KIND_FIFO : S_ISSOCK(st.st_mode) ? KIND_SOCKET : KIND_FILE;
	return fd_key[fd] = key_from(st.st_dev, st.st_ino);
}

/* A new descriptor from open: its number's earlier file may have closed
 * inside glibc (fclose, closedir), unseen. A file it made (O_EXCL, a
 * O_TMPFILE) is a new file, though its inode may be one a file deleted
 * before had: the earlier file's last writer is not its (tempfile's test
 * file, made and deleted by two DataLoader workers on one inode, was
 * reported as written by both in some runs). */
void nd_pipes_opened(int fd, int flags)
{
	nd_pipes_forget(fd);
	if (fd < 0 || nd_member_me < 0 || !((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL) ||
					    (flags & __O_TMPFILE) == __O_TMPFILE))
		return;
	uint64_t key = key_of(fd);
	struct nd_tree_pipe *p = key == OTHER ? NULL : nd_pipes_entry(key, 0);
	if (p) {
		__atomic_store_n(&p->writer, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&p->last_ordered, 0, __ATOMIC_RELEASE);
	}
}

/* The key that reads what fd writes: a pipe's own; a connected Unix
 * stream socket's peer's (asked of the kernel once it is known); OTHER for
 * anything else. */
static uint64_t receiving_key(int fd, uint64_t key, int writing)
{
	if (fd_kind[fd] == KIND_FIFO)
		return key;
	if (fd_kind[fd] != KIND_SOCKET)
		return OTHER;
	if (!fd_peer[fd]) {
		struct stat st;
		uint64_t peer = 0;
		int named = 0;
		if (nd_sys(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) == 0 && S_ISSOCK(st.st_mode))
			peer = nd_sockpeer_inode(fd, (uint64_t)st.st_ino, &named);
		fd_conn[fd] = (uint8_t)named;
		if (peer)
			fd_peer[fd] = key_from(st.st_dev, peer);
		else if (writing || !named)
			fd_peer[fd] = OTHER;
		else
			return OTHER; /* not accepted yet: asked again */
	}
	return fd_peer[fd];
}

/* The same, for the tree's own channels only: OTHER for a named listener's
 * connection. */
static uint64_t tree_key(int fd, uint64_t key)
{
	if (fd_conn[fd])
		return OTHER;
	uint64_t r = receiving_key(fd, key, 0);
	return fd_conn[fd] ? OTHER : r;
}

int nd_pipes_named_conn(int fd)
{
	if ((unsigned)fd >= ND_FD_MAX || key_of(fd) == OTHER || fd_kind[fd] != KIND_SOCKET)
		return 0;
	tree_key(fd, fd_key[fd]); /* asks the kernel once, as a receive would */
	return fd_conn[fd];
}

void nd_pipes_conn_keys(int fd, uint64_t *out, uint64_t *in)
{
	*out = *in = 0;
	if ((unsigned)fd >= ND_FD_MAX || key_of(fd) == OTHER || fd_kind[fd] != KIND_SOCKET)
		return;
	*in = fd_key[fd];
	if (fd_peer[fd] != OTHER) /* asked of the kernel at its first write: never here */
		*out = fd_peer[fd];
}

int nd_pipes_paired(int fd)
{
	if ((unsigned)fd >= ND_FD_MAX)
		return 0;
	uint64_t key = key_of(fd);
	return key != OTHER && fd_kind[fd] == KIND_SOCKET && tree_key(fd, key) != OTHER;
}

int nd_pipes_held(struct nd_tree_pipe *p, int except)
{
	for (unsigned w = 0; w < ND_MEMBERS / 64; w++) {
		uint64_t bits = __atomic_load_n(&p->holders[w], __ATOMIC_ACQUIRE);
		if (except >= 0 && w == (unsigned)except / 64)
			bits &= ~(1ULL << (except % 64));
		if (bits)
			return 1;
	}
	return 0;
}

/* How much an entry is still needed: held by members (writers.c), then
 * with bytes written that no read has consumed (their marks are what a
 * reader joins) or readers lined up on it (deliver.c). */
static int needed(struct nd_tree_pipe *p)
{
	int unread = __atomic_load_n(&p->written, __ATOMIC_RELAXED) != __atomic_load_n(&p->readpos, __ATOMIC_RELAXED);
	return nd_pipes_held(p, -1) * 2 + (unread || __atomic_load_n(&p->nlined, __ATOMIC_RELAXED));
}

/* A full table gives the entry least needed and, among those, written
 * longest ago (its pipe is most likely closed) to the new channel. A new
 * entry counts as written now: one made by a close's end-of-file stamp
 * (carry.c) kept the age of the entry it replaced, and the next exit's
 * stamps of a process holding many pipes took it first, before its reader
 * saw the end of file (test_wait_integer, 2 full runs in 8). */
static struct nd_tree_pipe *claim(uint64_t key, unsigned first)
{
	struct nd_tree_pipe *oldest = NULL;
	int oldest_need = 0;
	for (unsigned probe = 0; probe < 8; probe++) {
		struct nd_tree_pipe *p = &nd_tree->pipes[(first + probe) % ND_TREE_PIPES];
		int need = needed(p);
		if (!oldest || need < oldest_need ||
		    (need == oldest_need && __atomic_load_n(&p->seq, __ATOMIC_RELAXED) < __atomic_load_n(&oldest->seq, __ATOMIC_RELAXED))) {
			oldest = p;
			oldest_need = need;
		}
	}
	uint64_t have = __atomic_load_n(&oldest->key, __ATOMIC_ACQUIRE);
	if (have == key || !__atomic_compare_exchange_n(&oldest->key, &have, key, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return have == key ? oldest : NULL;
	__atomic_store_n(&oldest->writer, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&oldest->nmarks, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&oldest->written, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&oldest->readpos, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&oldest->last_ordered, 0, __ATOMIC_RELAXED);
	for (unsigned w = 0; w < ND_MEMBERS / 64; w++) {
		__atomic_store_n(&oldest->holders[w], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&oldest->lined[w], 0, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&oldest->nlined, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&oldest->closed_vt, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&oldest->seq, __atomic_load_n(&nd_tree->write_seq, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
	__atomic_store_n(&oldest->evicted_vt, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&oldest->evicted_ev, 0, __ATOMIC_RELEASE);
	return oldest;
}

struct nd_tree_pipe *nd_pipes_entry(uint64_t key, int create)
{
	unsigned first = (unsigned)((key * 0x9e3779b97f4a7c15ULL) >> 56) % ND_TREE_PIPES;
	for (unsigned probe = 0; probe < 8; probe++) {
		struct nd_tree_pipe *p = &nd_tree->pipes[(first + probe) % ND_TREE_PIPES];
		uint64_t have = __atomic_load_n(&p->key, __ATOMIC_ACQUIRE);
		if (have == key)
			return p;
		if (have == 0 && create &&
		    (__atomic_compare_exchange_n(&p->key, &have, key, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) || have == key))
			return p;
	}
	return create ? claim(key, first) : NULL;
}

struct nd_tree_pipe *nd_pipes_carrier(int fd, int writing)
{
	if (nd_member_me < 0 || (unsigned)fd >= ND_FD_MAX)
		return NULL;
	uint64_t key = key_of(fd);
	if (key == OTHER || fd_kind[fd] == KIND_FILE || (!writing && fd_peer[fd] == OTHER && !fd_conn[fd]))
		return NULL;
	if (writing && (key = receiving_key(fd, key, 1)) == OTHER)
		return NULL;
	return nd_pipes_entry(key, writing);
}

/* An anonymous pipe (not a FIFO with a name: new writers can open one
 * after its end of file). */
static int anonymous_pipe(int fd)
{
	if (fd_kind[fd] != KIND_FIFO)
		return 0;
	if (!fd_named[fd]) {
		struct statfs sf;
		fd_named[fd] = nd_sys(SYS_fstatfs, fd, (long)&sf, 0, 0, 0, 0) == 0 && sf.f_type != PIPEFS_MAGIC ? 2 : 1;
	}
	return fd_named[fd] == 1;
}

struct nd_tree_pipe *nd_pipes_ending(int fd, int closing)
{
	if (nd_member_me < 0 || (unsigned)fd >= ND_FD_MAX || key_of(fd) == OTHER || !anonymous_pipe(fd))
		return NULL;
	if (closing && (nd_sys(SYS_fcntl, fd, F_GETFL, 0, 0, 0, 0) & O_ACCMODE) == O_RDONLY)
		return NULL;
	return nd_pipes_entry(fd_key[fd], closing);
}

struct nd_tree_pipe *nd_pipes_reading(int fd)
{
	if (nd_member_me < 0 || (unsigned)fd >= ND_FD_MAX)
		return NULL;
	uint64_t key = key_of(fd);
	if (key == OTHER || fd_kind[fd] == KIND_FILE || tree_key(fd, key) == OTHER)
		return NULL;
	return nd_pipes_entry(key, 1);
}

uint64_t nd_pipes_write_key(int fd, int *named)
{
	if ((unsigned)fd >= ND_FD_MAX)
		return 0;
	uint64_t key = key_of(fd);
	if (key == OTHER)
		return 0;
	*named = fd_kind[fd] == KIND_FIFO && !anonymous_pipe(fd);
	if (fd_kind[fd] == KIND_SOCKET && (key = tree_key(fd, key)) == OTHER)
		return 0;
	return key;
}

void nd_pipes_wrote(int fd, int ordered)
{
	if (nd_member_me < 0 || (unsigned)fd >= ND_FD_MAX)
		return;
	uint64_t key = key_of(fd);
	struct nd_tree_pipe *p = key == OTHER ? NULL : nd_pipes_entry(key, 1);
	if (!p)
		return;
	unsigned i = (unsigned)(p - nd_tree->pipes);
	int me = nd_pid; /* the kernel's, kept by process.c across fork */
	uint64_t seq = __atomic_add_fetch(&nd_tree->write_seq, 1, __ATOMIC_ACQ_REL);
	int last = __atomic_exchange_n(&p->writer, me, __ATOMIC_ACQ_REL);
	uint64_t then = __atomic_exchange_n(&p->seq, seq, __ATOMIC_ACQ_REL);
	/* Ordered writes are in the tree's order; so is the first write of a
	 * sole holder after them (writers.c): only two unordered ones race. */
	uint32_t before = __atomic_exchange_n(&p->last_ordered, (uint32_t)ordered, __ATOMIC_ACQ_REL);
	if (!ordered && !before && last && last != me && then > __atomic_load_n(known(), __ATOMIC_RELAXED) &&
	    !(reported[i / 64] & (1ULL << (i % 64)))) {
		reported[i / 64] |= 1ULL << (i % 64);
		nd_log_uncontrolled("tree-order", "several processes of the run wrote one pipe, socket or file "
						  "without an order between them: the order of their data "
						  "follows real time (run with --order-writes to order it)");
	}
}
