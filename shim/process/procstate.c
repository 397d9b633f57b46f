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

struct asleep {
	int pid, all;
};

static int thread_asleep(const char *name, void *arg)
{
	struct asleep *a = arg;
	int tid = 0;
	for (const char *c = name; *c >= '0' && *c <= '9'; c++)
		tid = tid * 10 + (*c - '0');
	if (tid > 0 && !sleeping(nd_proc_state(a->pid, tid)))
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
