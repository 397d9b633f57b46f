/*
 * The process tree's shared region (tree.c): one page every process of the
 * run maps, inherited across fork as a shared mapping and across exec as a
 * descriptor the shim keeps open (NODICE_TREE names it). State that must be
 * one for the whole tree lives here, never in a process's own memory.
 *
 * Layout changes bump ND_TREE_VERSION; a process that finds another version
 * (a child of an older nodice) starts a tree of its own and logs it.
 */
#ifndef ND_TREE_H
#define ND_TREE_H

#include <stdint.h>

#define ND_TREE_VERSION 21
#define ND_PIDS_TAKEN_WORDS (32768 / 64)

/* The virtual NTP state that adjtimex(2) and its relatives read and write
 * (settime.c). Starts as a kernel that never synchronized. */
struct nd_tree_ntp {
	int64_t offset, freq, maxerror, esterror, constant, tick, tai;
	int32_t status;
};

/* Where a process's time line ended, for the parent that reaps it: slot
 * pid % ND_TREE_EXITS, written at exit, read and cleared at the reap. Two
 * unreaped processes whose pids share a slot lose the older end (the parent
 * then keeps its own time: deterministic only if the pids are). */
#define ND_TREE_EXITS 8192
struct nd_tree_exit {
	int32_t pid;  /* 0: empty */
	uint32_t seq; /* odd while being written */
	uint64_t vt;
	uint64_t id;  /* the member's id (its pid outside the tree): ties between ends */
	uint64_t ev;  /* its event count at the end: the reaper goes on after it */
};

/* A member of the tree: one process (members.c). Written by its owner, read
 * by every member that orders a timed event against it; two cache lines. */
#define ND_MEMBERS 1024
enum { ND_NOT_LINED, ND_LINED, ND_HANDED };
enum { ND_M_FREE, ND_M_CLAIMING, ND_M_RUN, ND_M_WAIT, ND_M_BLOCKED, ND_M_OUTSIDE, ND_M_EXITING };
struct nd_member {
	uint64_t vt;       /* its time line: the process's virtual clock lives here */
	uint64_t deadline; /* ND_M_WAIT: the time of its next event */
	uint64_t id;       /* breaks ties between equal times: same in every run */
	uint64_t exec_at;  /* real ns an exec began, until the new image adopts the slot */
	uint64_t signal_vt; /* the latest time a member signalled it at */
	int32_t pid;       /* 0: a child claimed by its parent, not started yet */
	uint32_t state;
	uint32_t change;   /* bumped at every change of state */
	uint32_t children; /* members it claimed (ids of its children) */
	uint64_t born_vt;  /* its time line when it was claimed: the process's start */
	uint64_t known_seq; /* the tree's writes ordered before its present (sources/pipes.c) */
	uint64_t ev;       /* the communication events it performed (order.c) */
	uint32_t turn_wait; /* it waits for its turn, or pauses in real time itself: asleep, yet about to act */
	uint32_t lined;    /* ND_LINED: asleep in a semaphore's line; ND_HANDED: woken from it */
	int32_t cpu;       /* the CPU it last went running on: a waiter spins for one on another */
	/* Blocked or waiting on member pipes (process/deliver.c): the least
	 * count it can act at once woken — a write to one of them stamped c
	 * lowers it to c + 1 before its writer goes on. ND_NO_FLOOR: none. */
	uint64_t floor;
	/* Signals other members sent it, or its children's ends (kill, exit):
	 * counted before they are sent, so one in flight is seen (order.c). */
	uint32_t signals;
	/* In a wait only a signal can end early (a sleep of a process with one
	 * thread): 1 + its signals and the tree's group_signals at its start;
	 * 0: in no such wait. */
	uint32_t quiet;
	/* ND_M_WAIT: 1 when the wait ends at the tree's order alone (order.c:
	 * a sleep, a timed wait on the tree's descriptors, a scheduler's jump),
	 * 0 when its deadline elapses in real time (a wait on the outside
	 * world). A member whose clock has passed an ordered wait's deadline
	 * performs no event by count after that waiter's until it has woken
	 * (holder.c). */
	uint32_t ordered;
	/* While it waits for the tree (order.c): 1 + the slot of the member
	 * its last look found ahead of it, 0 when none or not waiting. Read
	 * along to find a cycle of waits (holder.c, wakes_first). */
	int32_t held_by;
	/* ND_M_BLOCKED in a read of a named Unix connection: 1 + the slot of
	 * the member listening on its name, whose answer it waits for (process/
	 * listeners.c, holder.c); 0 otherwise. */
	int32_t answer_from;
	/* ... and that connection's streams in the tree's pipes (keys): what
	 * it writes (0: not known) and what it reads; whether it has written
	 * on it. */
	uint32_t answer_wrote;
	uint64_t answer_out, answer_in;
	/* Threads of it that read a request on a named connection and have
	 * neither answered it nor waited since (process/convo.c). */
	uint32_t serving;
	/* ND_M_WAIT: the id its next event is ordered by, with deadline: its
	 * own, or a reaped child's (a reap comes at the child's end, process/
	 * reap.c). Until 2026-12-07 the others read its own id there: two
	 * waits at one time, each ordered by an id the other did not see,
	 * held each other until the 5 s bound (`xargs -P3` of shell
	 * pipelines: 10 s, natively 0.3 s). */
	uint64_t wait_id;
} __attribute__((aligned(64)));
#define ND_NO_FLOOR UINT64_MAX

/* A process-shared object the tree orders (objects.c): keyed by the device,
 * inode and offset of the memory it lives in, so a sem_open by name in a
 * spawned process finds the same entry as the forked ones. */
#define ND_TREE_OBJECTS 1024
#define ND_OBJECT_STAMPS 16
struct nd_tree_object {
	uint64_t key;      /* 0: free */
	uint64_t post_seq; /* write_seq at its last release (pipes.c's known) */
	uint32_t lock;     /* held for the few loads and stores of a try or a release */
	uint32_t nrel;     /* releases so far: the next stamp's place is nrel % ND_OBJECT_STAMPS */
	/* Seen with two units free or more: several can hold it at once, so its
	 * releases to a line are made at the releaser's turn (treesem.c). */
	uint32_t counting, unused;
	/* The last releases' stamps: the releaser's (event count, id). A try at
	 * (c, id) does not count a release stamped after it (sched/treesem.c). */
	uint64_t rel_ev[ND_OBJECT_STAMPS], rel_id[ND_OBJECT_STAMPS];
};

#define ND_TREE_LOCKWAITS 128
#define ND_TREE_LISTENERS 64

/* A thread waiting for a process-shared semaphore to be handed to it. */
#define ND_TREE_WAITERS 128
struct nd_tree_waiter {
	uint64_t key;   /* the object; 0: free */
	uint64_t seq;   /* its place in line (the tree's wait_seq) */
	uint32_t woken; /* futex word: 1 once a release handed the object over */
	int32_t pid;
	uint64_t join;  /* handed: the count it goes on from (the release's + 1) */
	int32_t member; /* its process's slot */
	uint32_t sched; /* 1: a thread of a scheduled process, waiting in its scheduler (sched/treeline.c) */
};

/* A pipe or socket written by processes of the run (sources/pipes.c). */
#define ND_TREE_PIPES 256
#define ND_PIPE_MARKS 32
struct nd_tree_pipe {
	uint64_t key;   /* device and inode, mixed; 0: free */
	uint64_t seq;   /* the number of its last write (write_seq) */
	int32_t writer; /* the pid that wrote it last */
	uint32_t nmarks;
	/* A pipe's or FIFO's bytes carry their writers' event counts and
	 * virtual times to the reader (process/carry.c): bytes written and read
	 * so far, the last writes' first byte, count and time, and the largest
	 * count and time of older writes. */
	uint64_t written, readpos, evicted_ev, evicted_vt;
	/* The latest virtual time a member closed a descriptor that writes
	 * this pipe at (a close, or its end): a reader that meets the end of
	 * file continues from there (carry.c). */
	uint64_t closed_vt;
	/* The members that hold a descriptor that writes it (sources/
	 * writers.c): with two or more, its writes are made in the tree's
	 * order. last_ordered: its last write was. */
	uint64_t holders[ND_MEMBERS / 64];
	uint32_t last_ordered;
	/* Members waiting to read it (process/deliver.c): a write lowers their
	 * floors. nlined: how many bits are set. */
	uint32_t nlined;
	uint64_t lined[ND_MEMBERS / 64];
	struct nd_pipe_mark {
		uint64_t start, ev, vt, id; /* id: the writer's (members.h) */
	} marks[ND_PIPE_MARKS];
};

struct nd_tree {
	uint64_t magic;
	uint32_t version, size;
	/* Nanoseconds added to the wall clocks (REALTIME, TAI) by clock_settime,
	 * settimeofday, adjtimex(ADJ_SETOFFSET) and adjtime: the program's view of
	 * "setting the clock", shared by every process of the tree. */
	int64_t wall_offset;
	int32_t tz_minuteswest, tz_dsttime; /* settimeofday's timezone */
	struct nd_tree_ntp ntp;
	struct nd_tree_exit exits[ND_TREE_EXITS];
	/* Futex word bumped at a change of state while someone waits on it. */
	uint32_t epoch, waiting;
	/* Signals sent to a group (kill with pid 0 or below, killpg): they may
	 * reach any member (holder.c, quiet waits). */
	uint32_t group_signals;
	uint32_t members_hi; /* slots in use are below it */
	/* Held from pointing the kernel at a new process's or thread's id until
	 * the kernel has given it (pids.c): who holds it, or 0. */
	uint32_t pid_lock;
	/* The process and thread ids placed lately, one bit each, in two
	 * generations (the current one, pids_gen, and the one before) and how
	 * many the current one holds: an id is not given again until at least
	 * half the range has been given since, as the kernel's order never
	 * gives one back before it wraps (pids.c). Written under pid_lock. */
	uint32_t pids_gen, pids_taken_count;
	uint64_t pids_taken[2][ND_PIDS_TAKEN_WORDS];
	/* NODICE_ORDER_WRITES of the tree's root: one setting for the run. */
	uint32_t order_writes;
	/* The real wall time the tree started at (ns): a file whose ctime is
	 * later was changed during the run (filetime.c). */
	int64_t real_start_ns;
	uint64_t write_seq; /* numbers the writes to tracked channels (pipes.c) */
	struct nd_tree_pipe pipes[ND_TREE_PIPES];
	uint64_t wait_seq; /* numbers the waiters, in the order of events */
	uint32_t objects_lock; /* held to give an entry no longer needed to another key (objects.c) */
	/* Set once an object found no entry (objects.c): from then on some
	 * objects are the kernel's, causality through them is not carried in
	 * counts, and a try counts every release made (treesem.c). */
	uint32_t objects_overflow;
	/* Set once a process of the tree locked a file through the order: from
	 * then on closes and ends announce the releases they make
	 * (sched/filelock.c). */
	uint32_t file_locks;
	/* Processes waiting in a file's line for a record lock, and the holder
	 * the kernel named (F_GETLK): a wait that would close a cycle gets
	 * EDEADLK, as the kernel answers a blocking request (filelock.c). */
	uint32_t lockwaits_lock;
	struct nd_tree_lockwait {
		int32_t pid, blocker;
	} lockwaits[ND_TREE_LOCKWAITS];
	/* Named Unix listeners of members (process/listeners.c): the name's
	 * key, the listening member's slot and pid. */
	struct nd_tree_listener {
		uint64_t key; /* 0: free */
		int32_t member, pid;
	} listeners[ND_TREE_LISTENERS];
	struct nd_tree_object objects[ND_TREE_OBJECTS];
	struct nd_tree_waiter waiters[ND_TREE_WAITERS];
	struct nd_member members[ND_MEMBERS];
};

/* Never NULL once the shim is ready: the shared region, or this process's
 * own copy when no region could be had (logged as tree-lost). */
extern struct nd_tree *nd_tree;

/* The descriptor that carries the region across exec, or -1. io.c keeps it
 * open and out of the way of the program's close, close_range, closefrom,
 * dup2 and dup3. */
extern int nd_tree_fd;

/* Start-up: adopt the region named by NODICE_TREE (its value, or NULL), or
 * create one when this process is the tree's root. 1 when it created it. */
int nd_tree_start(const char *env);

/* io.c's protections. nd_tree_fd_is(fd) says whether fd is the tree's;
 * nd_tree_fd_move() moves it out of the way of a dup2/dup3 onto its number. */
static inline int nd_tree_fd_is(int fd)
{
	return fd >= 0 && fd == nd_tree_fd;
}
void nd_tree_fd_move(void);

#endif
