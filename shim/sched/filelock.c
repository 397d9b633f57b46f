/*
 * File locks as communication events of the tree (issue 14): flock(2),
 * fcntl's record and open-file-description locks, and lockf(3). Which of
 * two processes takes a lock first decides the order of whatever the lock
 * guards (`flock f cmd` in two make jobs, workers appending to one file
 * under fcntl.flock): natively a race, here the same in every run.
 *
 * A file's locks are one object of the tree (objects.h), keyed by its device
 * and inode, and go through the order process-shared mutexes go through
 * (treeobj.h): a lock or a try is made at the member's turn, a release is
 * stamped with the releaser's count and hands the file to the first in its
 * line, which goes on from that count. A lock found taken waits in line, not
 * in the kernel; nobody takes a file someone waits for ahead of them.
 *
 * Releases the shim does not see as calls are stamped too, once a process
 * of the tree has locked a file: a close of a descriptor that holds a lock
 * (its fdinfo lists it), and the end of a process, which closes such
 * descriptors itself before the kernel would. The close is made under the
 * file's entry lock and stamped only when it freed the file (a probe
 * through another open file takes the lock), so a flock whose open file
 * another process still shares (`( flock 9; cmd ) 9>f`: flock(1) ends,
 * the subshell still holds it) is stamped by the last one to close it. A
 * stamp where no lock was freed would hand the file to a waiter that cannot
 * take it, and move its count by real time; for the same reason a take is
 * never passed on to the next in line (treeobj.h's exclusive objects).
 *
 * Left to the kernel, and reported (tree-order): a process outside the
 * tree, the release by an image that executed after locking (the shim
 * starts afresh; the waiter notices the free file after 100 ms), and a lock
 * when the tree's tables are full. A wait is not interrupted by a handler
 * (it waits on, as with SA_RESTART); a deadlock of record locks gets
 * EDEADLK (lockcycle.c).
 */
#include "nodice.h"
#include "block.h"
#include "filelock.h"
#include "fmt.h"
#include "lockcycle.h"
#include "members.h"
#include "objects.h"
#include "process.h"
#include "tree.h"
#include "treeobj.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum kind { FLOCK, RECORD, OFD };

struct lock_call {
	int fd;
	enum kind kind;
	int op;            /* FLOCK: LOCK_SH or LOCK_EX */
	struct flock64 fl; /* RECORD, OFD: the range and type asked */
	uint64_t key;      /* the file's, or 0: the tree does not order this call (key_for) */
};

void nd_block_lock_contended(void)
{
	if (nd_member_me >= 0)
		nd_log_uncontrolled("tree-order", "a process waited for a file lock (flock, fcntl, lockf) another "
						  "holder had: which of several takes it first follows real time");
}

/* The file's key: device and inode, in a space of their own; 0 for a
 * descriptor that is not a regular file or directory. */
static uint64_t file_key(int fd)
{
	struct stat st;
	if (nd_sys(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) != 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
		return 0;
	uint64_t k = ((uint64_t)st.st_dev * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)st.st_ino ^ 0x666c6f636b000000ULL;
	k ^= k >> 31;
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 29;
	return k | 1;
}

static int set_cmd(enum kind k, int wait)
{
	if (k == OFD)
		return wait ? F_OFD_SETLKW : F_OFD_SETLK;
	return wait ? F_SETLKW : F_SETLK;
}

static int as_errno(long r)
{
	return r == 0 ? 0 : (r == -EWOULDBLOCK || r == -EACCES) ? EAGAIN : (int)-r;
}

static int take(void *obj)
{
	struct lock_call *c = obj;
	if (c->kind == FLOCK)
		return as_errno(nd_sys(SYS_flock, c->fd, c->op | LOCK_NB, 0, 0, 0, 0));
	return as_errno(nd_sys(SYS_fcntl, c->fd, set_cmd(c->kind, 0), (long)&c->fl, 0, 0, 0));
}

/* "/proc/self/<dir>/<fd>" in path. */
static void fd_path(char *path, size_t size, const char *dir, int fd)
{
	struct nd_buf b = { path, path + size, 0 };
	nd_fmt_str(&b, "/proc/self/");
	nd_fmt_str(&b, dir);
	nd_fmt_str(&b, "/");
	nd_fmt_i64(&b, fd);
}

enum { HOLDS_FLOCK = 1, HOLDS_RECORD = 2, HOLDS_OFD = 4, FLOCK_WRITE = 8 };

/* The locks this open file holds, as its fdinfo lists them. */
static int holds(int fd)
{
	char path[48];
	fd_path(path, sizeof(path), "fdinfo", fd);
	int f = (int)nd_sys(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (f < 0)
		return 0;
	char buf[1024];
	long n = nd_sys(SYS_read, f, (long)buf, sizeof(buf) - 1, 0, 0, 0);
	nd_sys(SYS_close, f, 0, 0, 0, 0, 0);
	buf[n > 0 ? n : 0] = 0;
	int h = 0;
	for (char *p = buf; (p = strstr(p, "lock:")); p++) {
		char *kind = p + 5;
		while (*kind == '\t' || *kind == ' ' || (*kind >= '0' && *kind <= '9') || *kind == ':')
			kind++;
		h |= !strncmp(kind, "FLOCK", 5) ? HOLDS_FLOCK : !strncmp(kind, "POSIX", 5) ? HOLDS_RECORD
			: !strncmp(kind, "OFDLCK", 6) ? HOLDS_OFD : 0;
		char *eol = strchr(kind, '\n');
		char *w = strstr(kind, "WRITE");
		if (!strncmp(kind, "FLOCK", 5) && w && (!eol || w < eol))
			h |= FLOCK_WRITE;
	}
	return h;
}

/* 1 when the lock asked could be had now, 0 when another holder has it. */
static int units(void *obj)
{
	struct lock_call *c = obj;
	if (c->kind != FLOCK) {
		struct flock64 probe = c->fl;
		long r = nd_sys(SYS_fcntl, c->fd, c->kind == OFD ? F_OFD_GETLK : F_GETLK, (long)&probe, 0, 0, 0);
		return r != 0 || probe.l_type == F_UNLCK;
	}
	char path[48];
	fd_path(path, sizeof(path), "fd", c->fd);
	int f = (int)nd_sys(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0, 0, 0);
	if (f < 0)
		return 1; /* cannot look: the try decides */
	int free_ = nd_sys(SYS_flock, f, c->op | LOCK_NB, 0, 0, 0, 0) == 0;
	nd_sys(SYS_close, f, 0, 0, 0, 0, 0); /* drops the probe's lock */
	return free_; /* the caller holds none on this open file: convert() released it */
}

static int give(void *obj)
{
	struct lock_call *c = obj;
	if (c->kind == FLOCK)
		return as_errno(nd_sys(SYS_flock, c->fd, LOCK_UN, 0, 0, 0, 0));
	struct flock64 un = c->fl;
	un.l_type = F_UNLCK;
	return as_errno(nd_sys(SYS_fcntl, c->fd, set_cmd(c->kind, 0), (long)&un, 0, 0, 0));
}

static const struct nd_tree_ops lock_ops = { take, units, give, 1 };

/* Whether the tree orders this call: a process of the run, a file. */
static uint64_t key_for(int fd)
{
	if (nd_member_me < 0 || nd_passthrough() || nd_tree_fd_is(fd))
		return 0;
	return file_key(fd);
}

/* The process holding what a record lock asks for (F_GETLK), or 0. */
static int record_holder(const struct lock_call *c)
{
	struct flock64 probe = c->fl;
	if (c->kind != RECORD || nd_sys(SYS_fcntl, c->fd, F_GETLK, (long)&probe, 0, 0, 0) != 0 ||
	    probe.l_type == F_UNLCK)
		return 0;
	return probe.l_pid;
}


/* The wait for a lock at the turn: 0, an error number, or -1 when the tree
 * cannot order it (the caller makes the call itself). */
static int wait_lock(struct lock_call *c, int try)
{
	if (!c->key)
		return -1;
	struct nd_tree_lockwait *mine = NULL;
	if (c->kind == RECORD && !try) { /* at a turn, so that whether it is held repeats */
		nd_member_turn();
		int holder = record_holder(c), dead = holder > 0 ? nd_lockcycle_note(holder, &mine) : 0;
		nd_member_turn_done();
		if (dead)
			return dead;
	}
	if (!__atomic_load_n(&nd_tree->file_locks, __ATOMIC_RELAXED))
		__atomic_store_n(&nd_tree->file_locks, 1, __ATOMIC_RELEASE);
	int r;
	do
		r = nd_treeobj_wait(&lock_ops, c, c->key, ND_NO_DEADLINE, try);
	while (r == -EINTR); /* a handler ran: the wait goes on, as under SA_RESTART */
	if (mine)
		nd_lockcycle_done(mine);
	return r > 0 ? -1 : -r;
}

static int unlock(struct lock_call *c)
{
	return c->key ? nd_treeobj_post(&lock_ops, c, c->key) : -1;
}

/* The result as the call returns it: -1 and errno, or 0. */
static int done(int err)
{
	if (err == 0)
		return 0;
	errno = err;
	return -1;
}

/* Whether a blocking lock the tree does not order waits outside the turn
 * (a process of the run without scheduled threads is blocked for the
 * others meanwhile: `flock f -c 'sleep 1'` beside `flock f -c true`). */
static int lock_waits_here(void)
{
	return nd_sched_managed() || nd_member_me >= 0;
}

/* A flock on an open file that holds one already: the same kind again is
 * nothing (as the kernel answers it); a conversion first releases the old
 * one (the kernel removes it before it tries the new one, and a failed try
 * leaves none): that release is the order's, stamped and handed on. */
static int convert(struct lock_call *c)
{
	int h = c->key ? holds(c->fd) : 0;
	if (!(h & HOLDS_FLOCK))
		return -1;
	if (!(h & FLOCK_WRITE) == (c->op == LOCK_SH))
		return 0;
	unlock(c); /* the unlock uses only the descriptor */
	return -1;
}

ND_EXPORT int flock(int fd, int op)
{
	ND_ORDERED();
	struct lock_call c = { fd, FLOCK, op & (LOCK_SH | LOCK_EX), { 0 }, key_for(fd) };
	int r = -1;
	if (op & LOCK_UN)
		r = unlock(&c);
	else if ((c.op == LOCK_SH || c.op == LOCK_EX) && (r = convert(&c)) < 0)
		r = wait_lock(&c, (op & LOCK_NB) != 0);
	if (r >= 0)
		return done(r == EAGAIN ? EWOULDBLOCK : r);
	/* not ordered: a blocking lock tries first, then waits outside */
	if ((op & LOCK_NB) || (op & LOCK_UN) || !lock_waits_here())
		return nd_real.flock(fd, op);
	int e = errno;
	if (nd_real.flock(fd, op | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return -1;
	errno = e;
	nd_block_lock_contended();
	return ND_OUTSIDE(-1, 0, nd_real.flock(fd, op));
}

int nd_filelock_fcntl(int fd, int cmd, struct flock64 *fl)
{
	int wait = cmd == F_SETLKW || cmd == F_OFD_SETLKW;
	if (!fl || !(wait || cmd == F_SETLK || cmd == F_OFD_SETLK))
		return -2;
	struct lock_call c = { fd, cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW ? OFD : RECORD, 0, *fl, key_for(fd) };
	int r = fl->l_type == F_UNLCK ? unlock(&c)
		: fl->l_type == F_RDLCK || fl->l_type == F_WRLCK ? wait_lock(&c, !wait)
		: -1;
	if (r < 0)
		return -2;
	return done(r); /* a try found taken: EAGAIN, as Linux answers */
}

/* lockf(3) is fcntl on the range from the current offset (glibc's lockf
 * reaches fcntl inside libc, where the interposer cannot see it). */
static int lockf_either(int fd, int cmd, off64_t len, int wide)
{
	struct flock64 fl = { .l_type = F_WRLCK, .l_whence = SEEK_CUR, .l_start = 0, .l_len = len };
	int fc = cmd == F_LOCK ? F_SETLKW : cmd == F_TLOCK ? F_SETLK : cmd == F_ULOCK ? F_SETLK : -1;
	if (cmd == F_ULOCK)
		fl.l_type = F_UNLCK;
	int r = fc < 0 ? -2 : nd_filelock_fcntl(fd, fc, &fl);
	if (r != -2)
		return r;
	if (cmd != F_LOCK || !lock_waits_here())
		return wide ? nd_real.lockf64(fd, cmd, len) : nd_real.lockf(fd, cmd, (off_t)len);
	/* not ordered: try first, then wait outside */
	int e = errno;
	if ((wide ? nd_real.lockf64(fd, F_TLOCK, len) : nd_real.lockf(fd, F_TLOCK, (off_t)len)) == 0)
		return 0;
	if (errno != EAGAIN && errno != EACCES)
		return -1;
	errno = e;
	nd_block_lock_contended();
	return ND_OUTSIDE(-1, 0, wide ? nd_real.lockf64(fd, cmd, len) : nd_real.lockf(fd, cmd, (off_t)len));
}

ND_EXPORT int lockf(int fd, int cmd, off_t len)
{
	ND_ORDERED();
	return lockf_either(fd, cmd, len, 0);
}

ND_EXPORT int lockf64(int fd, int cmd, off64_t len)
{
	ND_ORDERED();
	return lockf_either(fd, cmd, len, 1);
}

static int anyone_locks(void)
{
	return nd_member_me >= 0 && __atomic_load_n(&nd_tree->file_locks, __ATOMIC_ACQUIRE);
}

/* Another open file of fd's file, to tell after the close whether it freed
 * the file: -1 when none could be had. */
static int reopen(int fd)
{
	char path[48];
	fd_path(path, sizeof(path), "fd", fd);
	return (int)nd_sys(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0, 0, 0);
}

/* A close of a descriptor that holds locks, as the order sees a release. */
struct closing {
	int fd, held, probe;
	int (*close_fn)(int);
	int result, err;
};

/* Whether the file is free now, seen through the probe. A record lock dies
 * with any close of the file by its process. */
static int freed(const struct closing *c)
{
	if (c->held & HOLDS_RECORD)
		return 1;
	if (c->probe < 0)
		return 0;
	if (c->held & HOLDS_FLOCK) {
		if (nd_sys(SYS_flock, c->probe, LOCK_EX | LOCK_NB, 0, 0, 0, 0) != 0)
			return 0;
		nd_sys(SYS_flock, c->probe, LOCK_UN, 0, 0, 0, 0);
	}
	if (c->held & HOLDS_OFD) {
		struct flock64 all = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		if (nd_sys(SYS_fcntl, c->probe, F_OFD_GETLK, (long)&all, 0, 0, 0) != 0 || all.l_type != F_UNLCK)
			return 0;
	}
	return 1;
}

/* The close, made under the file's entry lock as any release: a try at a
 * turn sees the file either held or freed and stamped, never freed and not
 * yet stamped. EAGAIN (nothing stamped) when another open file still holds
 * the lock. */
static int close_give(void *obj)
{
	struct closing *c = obj;
	c->result = c->close_fn(c->fd);
	c->err = errno;
	return c->result == 0 && freed(c) ? 0 : EAGAIN;
}

/* Nothing is left free by a close for a try to count (units are asked of
 * objects several can hold: never of this one's releases). */
static int no_units(void *obj)
{
	(void)obj;
	return 0;
}

static const struct nd_tree_ops close_ops = { take, no_units, close_give, 1 };

/* The key of fd's file when fd holds a lock of a file the tree has seen
 * locked (an entry of the tree's objects): *held, its kinds. Else 0. A
 * close of any other file costs one fstat once the tree has seen a lock. */
static uint64_t locked_key(int fd, int *held)
{
	uint64_t key;
	*held = 0;
	if (!anyone_locks() || nd_tree_fd_is(fd) || !(key = file_key(fd)) || !nd_object_find(key) ||
	    !(*held = holds(fd)))
		return 0;
	return key;
}

int nd_filelock_close(int fd, int (*close_fn)(int))
{
	struct closing c = { fd, 0, -1, close_fn, 0, 0 };
	uint64_t key = locked_key(fd, &c.held);
	if (!key)
		return close_fn(fd);
	if (c.held & (HOLDS_FLOCK | HOLDS_OFD))
		c.probe = reopen(fd);
	nd_treeobj_post(&close_ops, &c, key);
	if (c.probe >= 0)
		nd_sys(SYS_close, c.probe, 0, 0, 0, 0, 0);
	errno = c.err;
	return c.result;
}

static int raw_close(int fd)
{
	long r = nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
	return r == 0 ? 0 : (errno = (int)-r, -1);
}

void nd_filelock_replaced(int fd)
{
	int held;
	if (locked_key(fd, &held))
		nd_filelock_close(fd, raw_close);
}

/* The end of a process: its descriptors that hold locks are closed here, so
 * that their releases are stamped (after the shim's last word the kernel
 * would close them unseen). */
void nd_filelock_end(void)
{
	if (!anyone_locks())
		return;
	int dir = (int)nd_sys(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, 0, 0);
	if (dir < 0)
		return;
	char buf[2048];
	long n;
	int e = errno;
	while ((n = nd_sys(SYS_getdents64, dir, (long)buf, sizeof(buf), 0, 0, 0)) > 0)
		for (long at = 0; at < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + at);
			at += d->d_reclen;
			int fd = atoi(d->d_name);
			int held;
			if (d->d_name[0] >= '0' && d->d_name[0] <= '9' && fd != dir && locked_key(fd, &held))
				nd_filelock_close(fd, raw_close);
		}
	nd_sys(SYS_close, dir, 0, 0, 0, 0, 0);
	errno = e;
}

__attribute__((constructor)) static void filelock_hook(void)
{
	__atomic_store_n(&nd_process_locks_end, nd_filelock_end, __ATOMIC_RELEASE);
}
