/*
 * Several processes of the run writing one pipe, socket or file at the same
 * time (multiprocessing's Queue with two producers, Pool workers returning
 * results, workers logging to one file): what the reader gets first, or
 * the order of the lines, follows real time, and the tree does not order it
 * yet (issue 14). Reported as `tree-order` (issue 17), so inspect --strict
 * and verify name it.
 *
 * The tree's region keeps, per pipe, socket or regular file (device and
 * inode), the last process that wrote it. A write by another process is concurrent when that
 * writer is still alive (not a zombie) and is not an ancestor of the new one:
 * a shell's commands run one after another, and a parent that waits for its
 * child before writing again, are not reported; siblings that overlap, and a
 * parent writing while a child that wrote is still running, are. The check
 * reads /proc only when the writer changes; each process reports a pipe once.
 *
 * Writes cost a load of the descriptor's key (its fstat is made once, at its
 * first write) and an exchange on the shared entry.
 */
#include "nodice.h"
#include "devices.h"
#include "fmt.h"
#include "members.h"
#include "tree.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

enum { UNKNOWN, OTHER }; /* else the descriptor's key */
static uint64_t fd_key[ND_FD_MAX];
static uint64_t reported[ND_TREE_PIPES / 64];

void nd_pipes_forget(int fd)
{
	if ((unsigned)fd < ND_FD_MAX)
		fd_key[fd] = UNKNOWN;
}

/* The state letter and parent of pid from /proc/<pid>/stat; 0 when gone. */
static char proc_state(int pid, int *ppid)
{
	char path[32], line[512];
	struct nd_buf b = ND_BUF(path);
	nd_fmt_str(&b, "/proc/");
	nd_fmt_i64(&b, pid);
	nd_fmt_str(&b, "/stat");
	*b.p = 0;
	if (nd_sys_read_file(path, line, sizeof(line)) <= 0)
		return 0;
	char *close = strrchr(line, ')');
	if (!close || close[1] != ' ')
		return 0;
	*ppid = 0;
	for (const char *p = close + 4; *p >= '0' && *p <= '9'; p++)
		*ppid = *ppid * 10 + (*p - '0');
	return close[2];
}

/* Whether pid wrote and may still write at the same time as this process. */
static int concurrent(int pid)
{
	int ppid;
	char st = proc_state(pid, &ppid);
	if (!st || st == 'Z' || st == 'X')
		return 0;
	int up = (int)nd_sys0(SYS_getppid);
	for (int depth = 0; up > 1 && depth < 64; depth++) {
		if (up == pid)
			return 0; /* an ancestor, waiting for us or done with the pipe */
		if (!proc_state(up, &up))
			break;
	}
	return 1;
}

void nd_pipes_wrote(int fd)
{
	if (nd_member_me < 0 || (unsigned)fd >= ND_FD_MAX || fd_key[fd] == OTHER)
		return;
	uint64_t key = fd_key[fd];
	if (key == UNKNOWN) {
		struct stat st;
		if (nd_sys(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) != 0 ||
		    !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISREG(st.st_mode))) {
			fd_key[fd] = OTHER;
			return;
		}
		key = ((uint64_t)st.st_dev << 40) ^ (uint64_t)st.st_ino;
		key += key <= OTHER ? 2 : 0;
		fd_key[fd] = key;
	}
	int me = nd_pid; /* the kernel's, kept by process.c across fork */
	for (unsigned probe = 0; probe < 8; probe++) {
		unsigned i = (unsigned)((key * 0x9e3779b97f4a7c15ULL) >> 56) % ND_TREE_PIPES;
		i = (i + probe) % ND_TREE_PIPES;
		struct nd_tree_pipe *p = &nd_tree->pipes[i];
		uint64_t have = __atomic_load_n(&p->key, __ATOMIC_ACQUIRE);
		if (have == 0) {
			if (!__atomic_compare_exchange_n(&p->key, &have, key, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) &&
			    have != key)
				continue;
		} else if (have != key) {
			continue;
		}
		int last = __atomic_exchange_n(&p->writer, me, __ATOMIC_ACQ_REL);
		if (last && last != me && !(reported[i / 64] & (1ULL << (i % 64))) && concurrent(last)) {
			reported[i / 64] |= 1ULL << (i % 64);
			nd_log_uncontrolled("tree-order", "several processes of the run wrote one pipe, socket or file "
							  "at the same time: the order of their data follows real time");
		}
		return;
	}
}
