/*
 * /proc's view of a process: its threads' state letters. Used where a
 * process must know whether another can still act (members.c) and by the
 * scheduler's watch on a holder asleep in the kernel (sched/watch.c).
 */
#include "nodice.h"
#include "procstate.h"
#include "fmt.h"

#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>

static void task_dir(struct nd_buf *b, int pid)
{
	nd_fmt_str(b, "/proc/");
	if (pid)
		nd_fmt_u64(b, (uint64_t)pid);
	else
		nd_fmt_str(b, "self");
	nd_fmt_str(b, "/task/");
}

char nd_proc_state(int pid, int tid)
{
	char path[64], buf[512];
	struct nd_buf b = ND_BUF(path);
	task_dir(&b, pid);
	nd_fmt_u64(&b, (uint64_t)tid);
	nd_fmt_str(&b, "/stat");
	if (b.overflow)
		return '?';
	if (nd_sys_read_file(path, buf, sizeof(buf)) <= 0)
		return '?';
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

static int sleeping(char st)
{
	return st == 'S' || st == 'T' || st == 't' || st == 'Z' || st == 'X' || st == 'I' || st == '?';
}

/* Whether the kernel names where the thread waits: "0" when it is on a run
 * queue. The state letter alone says 'S' from the moment a wait loop marks
 * the thread sleeping until it calls schedule(): a thread woken and
 * preempted inside its recheck — a parent in wait4 reaping the child that
 * woke it, a reader rechecking its pipe — shows 'S' while it is about to
 * return, for as long as the machine's load keeps it off a CPU (seen: a
 * bash `read -t 1` timed out against a writer whose parent was reaping its
 * `sleep 0.05`, 3 runs in 400 on two busy cores). A kernel that never names
 * one (wchan hidden) leaves the letter to decide: wchan counts only once
 * it has named a wait. */
static int wchan_named;

static int on_runqueue(int pid, int tid)
{
	char path[64], buf[64];
	struct nd_buf b = ND_BUF(path);
	task_dir(&b, pid);
	nd_fmt_u64(&b, (uint64_t)tid);
	nd_fmt_str(&b, "/wchan");
	if (b.overflow || nd_sys_read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	if (buf[0] != '0' || buf[1]) {
		__atomic_store_n(&wchan_named, 1, __ATOMIC_RELAXED);
		return 0;
	}
	return __atomic_load_n(&wchan_named, __ATOMIC_RELAXED);
}

int nd_proc_thread_waits(int pid, int tid)
{
	char st = nd_proc_state(pid, tid);
	return st == 'S' && !on_runqueue(pid, tid);
}

struct asleep {
	int pid, all;
};

static int thread_asleep(const char *name, void *arg)
{
	struct asleep *a = arg;
	int tid = 0;
	for (const char *c = name; *c >= '0' && *c <= '9'; c++)
		tid = tid * 10 + (*c - '0');
	char st = tid > 0 ? nd_proc_state(a->pid, tid) : '?';
	if (!sleeping(st) || (st == 'S' && on_runqueue(a->pid, tid)))
		a->all = 0;
	return !a->all;
}

int nd_proc_asleep(int pid)
{
	char path[48];
	struct nd_buf b = ND_BUF(path);
	task_dir(&b, pid);
	struct asleep a = { pid, 1 };
	if (b.overflow || nd_sys_listdir(path, thread_asleep, &a) < 0)
		return 1; /* gone */
	return a.all;
}

int nd_proc_gone(int pid)
{
	char st = nd_proc_state(pid, pid);
	return st == '?' || st == 'Z' || st == 'X';
}
