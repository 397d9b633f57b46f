/*
 * Process-shared objects of the tree (objects.h): their identity across
 * processes, and the line of threads waiting for one.
 *
 * Identity: the device, inode and file offset of the shared mapping the
 * object lives in, read once per page from /proc/self/maps (raw system
 * calls, a stack buffer) and cached: a fork child, which has the same
 * mappings, and a spawned process that opened the same semaphore by name at
 * another address find the same key.
 */
#include "nodice.h"
#include "objects.h"
#include "members.h"
#include "tree.h"
#include "procstate.h"
#include "signals.h"

#include <fcntl.h>
#include <signal.h>
#include <linux/futex.h>
#include <sys/syscall.h>

#define CACHED 32
static struct {
	uintptr_t page; /* 0: free; 1: forgotten (never matches) */
	uint64_t base;
} cache[CACHED];

static uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ULL;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dULL;
	return x ^ (x >> 33);
}

static uint64_t hexnum(const char **p, const char *end)
{
	uint64_t v = 0;
	for (; *p < end; (*p)++) {
		char c = **p;
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			break;
		v = v << 4 | (uint64_t)d;
	}
	return v;
}

static uint64_t decnum(const char **p, const char *end)
{
	uint64_t v = 0;
	for (; *p < end && **p >= '0' && **p <= '9'; (*p)++)
		v = v * 10 + (uint64_t)(**p - '0');
	return v;
}

/* One line of the map: the key of page when it is shared and holds it. */
static int parse(const char *s, const char *eol, uintptr_t page, uint64_t *base)
{
	uint64_t start = hexnum(&s, eol);
	s++;
	uint64_t end = hexnum(&s, eol);
	if (page < start || page >= end || eol - s < 6)
		return 0;
	int shared = s[4] == 's';
	s += 6;
	uint64_t off = hexnum(&s, eol);
	s++;
	uint64_t major = hexnum(&s, eol);
	s++;
	uint64_t minor = hexnum(&s, eol);
	s++;
	uint64_t ino = decnum(&s, eol);
	*base = shared ? mix(major << 44 ^ minor << 24 ^ mix(ino)) + off + (page - start) : 0;
	return 1;
}

static uint64_t locate(uintptr_t page)
{
	int fd = (int)nd_sys(SYS_openat, AT_FDCWD, (long)"/proc/self/maps", O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return 0;
	char buf[4096];
	size_t have = 0;
	uint64_t base = 0;
	int found = 0;
	while (!found) {
		long n = nd_sys(SYS_read, fd, (long)(buf + have), (long)(sizeof(buf) - have), 0, 0, 0);
		if (n <= 0)
			break;
		have += (size_t)n;
		size_t at = 0;
		for (size_t i = 0; i < have && !found; i++)
			if (buf[i] == '\n') {
				found = parse(buf + at, buf + i, page, &base);
				at = i + 1;
			}
		if (at == 0 && have == sizeof(buf))
			break; /* a line longer than the buffer: give up */
		for (size_t i = at; i < have; i++)
			buf[i - at] = buf[i];
		have -= at;
	}
	nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
	return base;
}

uint64_t nd_object_key(const void *addr)
{
	uintptr_t a = (uintptr_t)addr, page = a & ~(uintptr_t)4095;
	for (int i = 0; i < CACHED; i++)
		if (__atomic_load_n(&cache[i].page, __ATOMIC_ACQUIRE) == page)
			return cache[i].base ? cache[i].base + (a - page) : 0;
	uint64_t base = locate(page);
	for (int i = 0; i < CACHED; i++) {
		uintptr_t free_ = 0;
		if (__atomic_load_n(&cache[i].page, __ATOMIC_RELAXED) == 0) {
			cache[i].base = base;
			if (__atomic_compare_exchange_n(&cache[i].page, &free_, page, 0, __ATOMIC_RELEASE,
							__ATOMIC_RELAXED))
				break;
		}
	}
	return base ? base + (a - page) : 0;
}

void nd_object_forget(const void *addr)
{
	uintptr_t page = (uintptr_t)addr & ~(uintptr_t)4095;
	for (int i = 0; i < CACHED; i++)
		if (__atomic_load_n(&cache[i].page, __ATOMIC_ACQUIRE) == page)
			__atomic_store_n(&cache[i].page, 1, __ATOMIC_RELEASE);
}

/* A lock word of the tree's region, with the caller's signals blocked while
 * it is held (a handler that posts the same semaphore must not find it
 * held; not the shim's own signals: SIGSYS carries its traps). */
static void lock_word(uint32_t *word, sigset_t *saved_mask)
{
	sigset_t all;
	nd_signals_all_unowned(&all);
	nd_sys(SYS_rt_sigprocmask, SIG_BLOCK, (long)&all, (long)saved_mask, 8, 0, 0);
	for (unsigned spins = 0; __atomic_exchange_n(word, 1, __ATOMIC_ACQUIRE); spins++)
		if (spins > 64)
			nd_sys0(SYS_sched_yield);
}

static void unlock_word(uint32_t *word, const sigset_t *saved_mask)
{
	__atomic_store_n(word, 0, __ATOMIC_RELEASE);
	nd_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)saved_mask, 0, 8, 0, 0);
}

/* The least count a member has now (members.h): every event still to come
 * in the tree, a future child's included, is at this count or later. */
static uint64_t least_count(void)
{
	uint64_t least = UINT64_MAX;
	uint32_t hi = __atomic_load_n(&nd_tree->members_hi, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < hi && i < ND_MEMBERS; i++) {
		struct nd_member *m = &nd_tree->members[i];
		if (__atomic_load_n(&m->state, __ATOMIC_ACQUIRE) == ND_M_FREE)
			continue;
		uint64_t c = nd_member_count(m);
		if (c < least)
			least = c;
	}
	return least;
}

/* Under o's lock: nothing in o can change an event to come. No thread is
 * in its line, and every release stamped in it comes before every try
 * still to be made (treesem.c's later() would count it for each): the
 * entry can serve another key, and a new entry for this one would decide
 * every try alike. */
static int spent(const struct nd_tree_object *o, uint64_t least)
{
	if (nd_waiter_queued(o->key))
		return 0;
	uint32_t n = o->nrel < ND_OBJECT_STAMPS ? o->nrel : ND_OBJECT_STAMPS;
	for (uint32_t i = 0; i < n; i++)
		if (o->rel_ev[i] >= least)
			return 0;
	return 1;
}

static struct nd_tree_object *entry(uint64_t key, unsigned probe)
{
	return &nd_tree->objects[(mix(key) + probe) % ND_TREE_OBJECTS];
}

/* The table is full along key's probes: an entry that is spent (a queue of
 * a pool closed long ago: a run of DataLoader epochs or of executors makes
 * new semaphores without end, and tmpfs does not reuse their inodes) is
 * given to key. One at a time, so that two processes do not give key two
 * entries; entries never become free, so a key found nowhere before is in
 * none. */
static struct nd_tree_object *reclaim(uint64_t key)
{
	sigset_t saved;
	lock_word(&nd_tree->objects_lock, &saved);
	struct nd_tree_object *got = NULL;
	for (unsigned probe = 0; probe < 16 && !got; probe++)
		if (__atomic_load_n(&entry(key, probe)->key, __ATOMIC_ACQUIRE) == key)
			got = entry(key, probe);
	uint64_t least = got ? 0 : least_count();
	for (unsigned probe = 0; probe < 16 && !got; probe++) {
		struct nd_tree_object *o = entry(key, probe);
		if (__atomic_exchange_n(&o->lock, 1, __ATOMIC_ACQUIRE))
			continue; /* in use this moment */
		if (spent(o, least)) {
			o->nrel = 0;
			o->counting = 0;
			o->post_seq = 0;
			__atomic_store_n(&o->key, key, __ATOMIC_RELEASE);
			got = o;
		}
		__atomic_store_n(&o->lock, 0, __ATOMIC_RELEASE);
	}
	unlock_word(&nd_tree->objects_lock, &saved);
	return got;
}

struct nd_tree_object *nd_object(uint64_t key)
{
	if (!key)
		return NULL;
	for (unsigned probe = 0; probe < 16; probe++) {
		struct nd_tree_object *o = entry(key, probe);
		uint64_t have = __atomic_load_n(&o->key, __ATOMIC_ACQUIRE);
		if (have == key)
			return o;
		if (have == 0 && (__atomic_compare_exchange_n(&o->key, &have, key, 0, __ATOMIC_ACQ_REL,
							      __ATOMIC_ACQUIRE) ||
				  have == key))
			return o;
	}
	struct nd_tree_object *o = reclaim(key);
	if (!o) {
		__atomic_store_n(&nd_tree->objects_overflow, 1, __ATOMIC_RELEASE);
		nd_log_uncontrolled("tree-order", "more process-shared semaphores and locks in use than the tree's "
						  "table holds (1024, each still waited for or released ahead of a "
						  "member): this one is left to the kernel, unordered, and from now on "
						  "every try counts every release made");
	}
	return o;
}

struct nd_tree_object *nd_object_find(uint64_t key)
{
	for (unsigned probe = 0; key && probe < 16; probe++)
		if (__atomic_load_n(&entry(key, probe)->key, __ATOMIC_ACQUIRE) == key)
			return entry(key, probe);
	return NULL;
}

struct nd_tree_object *nd_object_hold(uint64_t key, sigset_t *saved_mask)
{
	for (;;) {
		struct nd_tree_object *o = nd_object(key);
		if (!o)
			return NULL;
		nd_object_lock(o, saved_mask);
		if (__atomic_load_n(&o->key, __ATOMIC_ACQUIRE) == key)
			return o;
		nd_object_unlock(o, saved_mask); /* given to another key meanwhile */
	}
}

/* The line: entries are taken and changed at the tree's turn, so their
 * numbers follow the order of events; the woken word is also a futex. */
struct nd_tree_waiter *nd_waiter_enqueue(uint64_t key)
{
	for (int i = 0; i < ND_TREE_WAITERS; i++) {
		struct nd_tree_waiter *w = &nd_tree->waiters[i];
		uint64_t free_ = 0;
		if (__atomic_load_n(&w->key, __ATOMIC_RELAXED) == 0 &&
		    __atomic_compare_exchange_n(&w->key, &free_, key, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			w->seq = __atomic_add_fetch(&nd_tree->wait_seq, 1, __ATOMIC_RELAXED);
			w->pid = nd_pid;
			w->member = nd_member_me;
			w->sched = 0;
			__atomic_store_n(&w->woken, 0, __ATOMIC_RELEASE);
			return w;
		}
	}
	return NULL;
}

void nd_waiter_dequeue(struct nd_tree_waiter *w)
{
	__atomic_store_n(&w->key, 0, __ATOMIC_RELEASE);
}

int nd_waiter_hand(uint64_t key, uint64_t join)
{
	struct nd_tree_waiter *first = NULL;
	for (int i = 0; i < ND_TREE_WAITERS; i++) {
		struct nd_tree_waiter *w = &nd_tree->waiters[i];
		if (__atomic_load_n(&w->key, __ATOMIC_ACQUIRE) == key && !__atomic_load_n(&w->woken, __ATOMIC_ACQUIRE) &&
		    (!first || w->seq < first->seq))
			first = w;
	}
	if (!first)
		return 0;
	first->join = join;
	__atomic_store_n(&first->woken, 1, __ATOMIC_RELEASE);
	/* A scheduled process wakes it at its turn at the join (treeline.c):
	 * idle, it acts there, and the others wait for it from there. */
	if (first->member >= 0 && __atomic_load_n(&first->sched, __ATOMIC_ACQUIRE))
		nd_member_floor_lower(first->member, join);
	/* Its process acts again: the others wait for it from now on, not from
	 * when the kernel shows it running. */
	if (first->member >= 0) {
		uint32_t lined = ND_LINED;
		__atomic_compare_exchange_n(&nd_tree->members[first->member].lined, &lined, ND_HANDED, 0,
					    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	}
	nd_sys(SYS_futex, (long)&first->woken, FUTEX_WAKE, 1, 0, 0, 0);
	return 1;
}

int nd_waiter_drop_dead(uint64_t key)
{
	int n = 0;
	for (int i = 0; i < ND_TREE_WAITERS; i++) {
		struct nd_tree_waiter *w = &nd_tree->waiters[i];
		if (__atomic_load_n(&w->key, __ATOMIC_ACQUIRE) == key && !__atomic_load_n(&w->woken, __ATOMIC_ACQUIRE) &&
		    w->pid > 0 && w->pid != nd_pid && nd_proc_gone(w->pid)) {
			nd_waiter_dequeue(w);
			n++;
		}
	}
	return n;
}

int nd_waiter_sleeping(uint64_t key)
{
	for (int i = 0; i < ND_TREE_WAITERS; i++)
		if (__atomic_load_n(&nd_tree->waiters[i].key, __ATOMIC_ACQUIRE) == key &&
		    !__atomic_load_n(&nd_tree->waiters[i].woken, __ATOMIC_ACQUIRE))
			return 1;
	return 0;
}

int nd_waiter_queued(uint64_t key)
{
	for (int i = 0; i < ND_TREE_WAITERS; i++)
		if (__atomic_load_n(&nd_tree->waiters[i].key, __ATOMIC_ACQUIRE) == key)
			return 1;
	return 0;
}

void nd_object_lock(struct nd_tree_object *o, sigset_t *saved_mask)
{
	lock_word(&o->lock, saved_mask);
}

void nd_object_unlock(struct nd_tree_object *o, const sigset_t *saved_mask)
{
	unlock_word(&o->lock, saved_mask);
}

int nd_waiter_pending(uint64_t key)
{
	int any = 0;
	for (int i = 0; i < ND_TREE_WAITERS; i++) {
		struct nd_tree_waiter *w = &nd_tree->waiters[i];
		if (__atomic_load_n(&w->key, __ATOMIC_ACQUIRE) != key || !__atomic_load_n(&w->woken, __ATOMIC_ACQUIRE))
			continue;
		if (w->pid > 0 && nd_proc_gone(w->pid))
			nd_waiter_dequeue(w); /* woken, but it died before it could take it */
		else
			any = 1;
	}
	return any;
}
