/*
 * CPython's subprocess starts each child with vfork and then reads a pipe
 * whose writing end the child holds close-on-exec: its end of file says the
 * exec succeeded. The kernel resumes a vfork parent when the child's exec
 * has released the parent's memory, a few instructions before it closes
 * the child's close-on-exec descriptors. On an idle machine the end of file
 * is there by the time the parent reads; under load the child can be
 * preempted in between, the parent's thread waits for it as for any pipe
 * (sched/treeread.c), and the end of file came while another thread of the
 * process ran: where that thread rejoined followed real time (CI reported
 * `tree-order` at subprocess.py's `os.read(errpipe_read, ...)`; here 5 runs
 * in 32 under load).
 *
 * So the child, right before it executes, names itself "nodice:exec" (a
 * thread's name is its own, and a vfork child is a task of its own); the
 * kernel renames it to the new program right after closing those
 * descriptors. The parent, resumed, waits until the name is gone, keeping
 * its process's turn (order.c's nd_member_await): the end of file is in the
 * kernel before any thread of the parent runs on, on every run. A child
 * that exits instead (its exec failed) puts its name back first. A child of
 * posix_spawn (a vfork too, whose exec glibc makes without the shim) keeps
 * the spawning thread's name until the same moment: the parent waits for it
 * to change, unless the program's would read the same. Raw system calls and
 * stack buffers only: the child side runs on the parent's memory.
 */
#include "nodice.h"
#include "execdone.h"
#include "fmt.h"
#include "members.h"

#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static const char executing[] = "nodice:exec";

void nd_execdone_begin(char *was)
{
	was[0] = 0;
	if (nd_sys(SYS_prctl, PR_GET_NAME, (long)was, 0, 0, 0, 0) == 0)
		nd_sys(SYS_prctl, PR_SET_NAME, (long)executing, 0, 0, 0, 0);
}

void nd_execdone_failed(const char *was)
{
	if (was[0])
		nd_sys(SYS_prctl, PR_SET_NAME, (long)was, 0, 0, 0, 0);
}

struct child {
	pid_t pid;
	const char *was; /* its name before the exec */
};

/* 1 once the child's name is no longer `was` (or cannot be read: gone). */
static int past_exec(void *arg)
{
	const struct child *c = arg;
	char path[40], name[32];
	struct nd_buf b = ND_BUF(path);
	nd_fmt_str(&b, "/proc/");
	nd_fmt_u64(&b, (uint64_t)c->pid);
	nd_fmt_str(&b, "/comm");
	if (b.overflow || nd_sys_read_file(path, name, sizeof name) <= 0)
		return 1;
	size_t n = strlen(c->was);
	return strncmp(name, c->was, n) != 0 || name[n] != '\n';
}

void nd_execdone_await(pid_t child)
{
	struct child c = { child, executing };
	if (child > 0 && !nd_passthrough())
		nd_member_await(past_exec, &c);
}

void nd_execdone_spawned(pid_t child, const char *file)
{
	char was[16] = "";
	const char *base = file ? strrchr(file, '/') : NULL;
	base = base ? base + 1 : file;
	if (child <= 0 || !base || nd_passthrough() || nd_sys(SYS_prctl, PR_GET_NAME, (long)was, 0, 0, 0, 0) != 0)
		return;
	if (!was[0] || strncmp(base, was, sizeof was - 1) == 0)
		return; /* the new name would read as the old one */
	struct child c = { child, was };
	nd_member_await(past_exec, &c);
}
