/*
 * Process and thread ids that repeat.
 *
 * In a PID namespace the kernel hands out ids in order after the last one
 * it gave (`/proc/sys/kernel/ns_last_pid`, writable with CAP_SYS_ADMIN over
 * the namespace, as CRIU uses it). Order alone does not repeat: two
 * processes of the tree that fork at the same moment race for the next id.
 * So each new process or thread is placed: its id in the tree (derived from
 * its creator's and how many the creator started before it, the same in
 * every run) picks a pid in [ND_PID_LO, ND_PID_HI), the kernel is pointed
 * just before it, and the tree's pid lock is held from that write until the
 * kernel has given the id, so no other member's placement comes between.
 *
 * If that pid is in use (by a live process or thread: a chance of about
 * live/31768 per creation), the kernel gives the next free one; that is
 * logged (`pid-moved`), since it depends on what else is alive. Ids are
 * taken from a fixed range, not from pid_max, so a run repeats on machines
 * whose pid_max differs.
 *
 * The lock is a futex word in the tree's region; waiting for it is bounded
 * (a holder killed in the middle): after LOCK_NS the waiter takes it and
 * logs it. Raw system calls, no allocation.
 */
#include "nodice.h"
#include "pids.h"
#include "tree.h"
#include "stream.h"
#include "fmt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#define ND_PID_LO 1000
#define ND_PID_HI 32768
#define LOCK_NS 1000000000ull

static int placed;     /* in nodice's namespace, and the kernel took our writes */
static uint32_t hi = ND_PID_HI;

void nd_pids_start(void)
{
	const char *want = getenv("NODICE_PIDNS");
	char link[64], expect[64];
	struct nd_buf b = ND_BUF(expect);
	nd_fmt_str(&b, "pid:[");
	nd_fmt_str(&b, want ? want : "");
	nd_fmt_str(&b, "]");
	long n = nd_sys(SYS_readlinkat, AT_FDCWD, (long)"/proc/self/ns/pid", (long)link, sizeof(link) - 1, 0, 0);
	if (!want || !*want || b.overflow || n <= 0)
		return;
	link[n] = 0;
	if (strcmp(link, expect) != 0)
		return; /* the variable leaked out of the namespace it names */
	char max[32];
	if (nd_sys_read_file("/proc/sys/kernel/pid_max", max, sizeof(max)) > 0) {
		unsigned long m = strtoul(max, NULL, 10);
		if (m > ND_PID_LO + 1 && m < hi)
			hi = (uint32_t)m;
	}
	placed = 1;
}

int nd_pids_placed(void)
{
	return placed;
}

uint32_t nd_pids_token(void)
{
	return 0x80000000u | (uint32_t)nd_sys0(SYS_gettid);
}

static void take(uint32_t token)
{
	uint32_t *w = &nd_tree->pid_lock;
	unsigned long long start = 0;
	for (;;) {
		uint32_t seen = 0;
		if (__atomic_compare_exchange_n(w, &seen, token, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		unsigned long long now = nd_sys_monotonic_ns();
		if (!start)
			start = now;
		if (now - start > LOCK_NS) {
			nd_log_uncontrolled("pid-moved", "the tree's pid lock was held for 1 s (its holder was killed "
							 "or stopped): taken over");
			__atomic_store_n(w, token, __ATOMIC_RELEASE);
			return;
		}
		struct timespec slice = { 0, 10000000 };
		nd_sys(SYS_futex, (long)w, FUTEX_WAIT, seen, (long)&slice, 0, 0);
	}
}

static void drop(uint32_t token)
{
	uint32_t *w = &nd_tree->pid_lock, held = token;
	if (__atomic_compare_exchange_n(w, &held, 0, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		nd_sys(SYS_futex, (long)w, FUTEX_WAKE, INT_MAX, 0, 0, 0);
}

/* Points the kernel's next id at pid: 0, or -errno. */
static long aim(uint32_t pid)
{
	char text[16];
	struct nd_buf b = ND_BUF(text);
	nd_fmt_u64(&b, pid - 1);
	long fd = nd_sys(SYS_openat, AT_FDCWD, (long)"/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return fd;
	long r = nd_sys(SYS_write, fd, (long)text, (long)(b.p - text), 0, 0, 0);
	nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
	return r < 0 ? r : 0;
}

static void moved(int target, int got)
{
	char detail[96];
	struct nd_buf b = ND_BUF(detail);
	nd_fmt_str(&b, "pid ");
	nd_fmt_u64(&b, (uint64_t)target);
	nd_fmt_str(&b, " was in use: the new process or thread is ");
	nd_fmt_u64(&b, (uint64_t)got);
	nd_log_uncontrolled("pid-moved", detail);
}

static int taken(uint32_t pid)
{
	uint64_t bit = 1ull << (pid % 64);
	return ((nd_tree->pids_taken[0][pid / 64] | nd_tree->pids_taken[1][pid / 64]) & bit) != 0;
}

static void mark_taken(uint32_t pid)
{
	if (pid >= ND_PIDS_TAKEN_WORDS * 64 || taken(pid))
		return;
	nd_tree->pids_taken[nd_tree->pids_gen & 1][pid / 64] |= 1ull << (pid % 64);
	nd_tree->pids_taken_count++;
}

/* The pid for identity id: the first of its sequence of candidates not
 * given lately (the kernel never gives an id back before its range wraps,
 * and programs key their children by pid: a ProcessPoolExecutor whose new
 * worker took the pid of one that had just exited joined the wrong process
 * and hung). Once the current generation holds half the range, it becomes
 * the one before and the oldest is forgotten, so the two never hold the
 * whole range. A candidate passed over while its holder still lives
 * depends on what runs beside: logged. Lock held. */
static uint32_t pick(uint64_t id)
{
	uint32_t span = hi - ND_PID_LO;
	if (nd_tree->pids_taken_count >= span / 2) {
		nd_tree->pids_gen++;
		memset(nd_tree->pids_taken[nd_tree->pids_gen & 1], 0, sizeof(nd_tree->pids_taken[0]));
		nd_tree->pids_taken_count = 0;
	}
	/* the creator's own id may not have been placed (the tree's root):
	 * marked once per process and generation, without a system call */
	static int marked_pid;
	static uint32_t marked_gen;
	if (marked_pid != nd_pid || marked_gen != nd_tree->pids_gen) {
		mark_taken((uint32_t)nd_pid);
		marked_pid = nd_pid;
		marked_gen = nd_tree->pids_gen;
	}
	uint64_t h = nd_stream_derive(id, ND_TAG(ND_TAG_PID));
	uint32_t first = ND_PID_LO + (uint32_t)(h % span), pid = first;
	for (uint64_t k = 1; taken(pid) && k <= 32; k++)
		pid = ND_PID_LO + (uint32_t)(nd_stream_derive(h + k, ND_TAG(ND_TAG_PID)) % span);
	for (uint32_t n = 0; taken(pid) && n < span; n++)
		pid = pid + 1 < hi ? pid + 1 : ND_PID_LO;
	if (pid != first && nd_sys(SYS_kill, first, 0, 0, 0, 0, 0) != -ESRCH)
		moved((int)first, (int)pid);
	mark_taken(pid);
	return pid;
}

int nd_pids_before(uint64_t id, uint32_t token)
{
	if (!placed)
		return 0;
	take(token);
	uint32_t pid = pick(id);
	if (aim(pid) < 0) {
		drop(token);
		placed = 0;
		nd_log_uncontrolled("pid-moved", "the kernel refused to place process ids (no CAP_SYS_ADMIN over the "
						 "PID namespace): new ids follow the order of creation");
		return 0;
	}
	return (int)pid;
}

void nd_pids_after(uint32_t token, int target, int got)
{
	if (!target)
		return;
	if (got > 0 && got != target)
		mark_taken((uint32_t)got);
	drop(token);
	if (got > 0 && got != target)
		moved(target, got);
}

void nd_pids_child_started(int k)
{
	if (k >= 0)
		drop(ND_PIDS_CHILD_TOKEN(k));
}

void nd_pids_check_self(int target)
{
	int got = (int)nd_sys0(SYS_gettid);
	if (target && got != target)
		moved(target, got);
}
