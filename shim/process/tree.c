/*
 * The tree's shared region: the memory every process of one run shares.
 *
 * The root of the tree (a process whose environment names no region) makes a
 * memfd of one page, maps it shared, and keeps the descriptor open without
 * close-on-exec at a high number. Fork children inherit the mapping; a new
 * image finds the descriptor through NODICE_TREE, which every exec path
 * writes into the child's environment (process.c), scrubbed or not, and maps
 * it again. Nothing is named in the file system, so nothing is left behind:
 * the region goes when the last process holding it goes, SIGKILL included.
 *
 * The descriptor is the one thing a program can take away, so io.c keeps it:
 * close() of it reports success and leaves it open, close_range/closefrom
 * step around it, a dup2/dup3 onto its number moves it first. A process that
 * still loses it (a program outside the shim closed it, then executed one
 * under it) starts a region of its own and logs `tree-lost`.
 *
 * Start-up only: no allocation, raw system calls, no lock.
 */
#include "nodice.h"
#include "tree.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#define ND_TREE_MAGIC 0x4545525445434944ULL /* "DICETREE" */
#define ND_TREE_SIZE (((sizeof(struct nd_tree) + 4095) / 4096) * 4096)

static struct nd_tree own;
struct nd_tree *nd_tree = &own;
int nd_tree_fd = -1;

/* A new tree's state: the clock as configured, the NTP state of a kernel
 * that never synchronized (what an idle machine reports). */
static void fresh(struct nd_tree *t)
{
	t->magic = ND_TREE_MAGIC;
	t->version = ND_TREE_VERSION;
	t->size = ND_TREE_SIZE;
	t->ntp = (struct nd_tree_ntp){ .maxerror = 16000000, .esterror = 16000000, .constant = 2,
				       .tick = 10000, .status = 0x0040 /* STA_UNSYNC */ };
	/* The clock the kernel stamps files with: a file changed after this
	 * instant never carries an earlier time (the fine clock can run a tick
	 * ahead of it). */
	struct timespec now;
	nd_sys(SYS_clock_gettime, CLOCK_REALTIME_COARSE, (long)&now, 0, 0, 0, 0);
	t->real_start_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	t->order_writes = (uint32_t)nd_cfg.order_writes;
}

/* The number the descriptor is kept at: high, below the soft limit and
 * below FD_SETSIZE, out of the range programs number their own. */
static int high_slot(void)
{
	struct rlimit rl;
	long lim = 1024;
	if (nd_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&rl, 0, 0) == 0 && rl.rlim_cur < 1024)
		lim = (long)rl.rlim_cur;
	return lim > 16 ? (int)lim - 3 : 3;
}

static int park(int fd)
{
	long to = nd_sys(SYS_fcntl, fd, F_DUPFD, high_slot(), 0, 0, 0);
	if (to < 0)
		return fd;
	nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
	return (int)to;
}

static struct nd_tree *map(int fd)
{
	void *p = (void *)nd_sys(SYS_mmap, 0, ND_TREE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return (unsigned long)p > -4096UL ? NULL : p;
}

static int adopt(const char *env)
{
	long fd = 0;
	for (const char *p = env; *p; p++) {
		if (*p < '0' || *p > '9' || fd > 1 << 20)
			return -1;
		fd = fd * 10 + (*p - '0');
	}
	struct stat st;
	if (!*env || nd_sys(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) < 0 || st.st_size < (off_t)ND_TREE_SIZE)
		return -1;
	struct nd_tree *t = map((int)fd);
	if (!t)
		return -1;
	if (t->magic != ND_TREE_MAGIC || t->version != ND_TREE_VERSION) {
		nd_sys(SYS_munmap, (long)t, ND_TREE_SIZE, 0, 0, 0, 0);
		return -1;
	}
	nd_tree = t;
	nd_tree_fd = (int)fd;
	return 0;
}

static int create(void)
{
	long fd = nd_sys(SYS_memfd_create, (long)"nodice-tree", 0, 0, 0, 0, 0);
	if (fd < 0)
		return -1;
	struct nd_tree *t = NULL;
	if (nd_sys(SYS_ftruncate, fd, ND_TREE_SIZE, 0, 0, 0, 0) < 0 || !(t = map((int)fd))) {
		nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
		return -1;
	}
	fresh(t);
	nd_tree = t;
	nd_tree_fd = park((int)fd);
	return 0;
}

int nd_tree_start(const char *env)
{
	if (env && adopt(env) == 0)
		return 0;
	if (create() < 0) {
		fresh(&own);
		nd_log_uncontrolled("tree-lost", "no shared region could be made (memfd_create or mmap failed): "
						 "this process keeps the tree's state to itself");
		return 0;
	}
	if (env)
		nd_log_uncontrolled("tree-lost", "the tree's shared region was not inherited (its descriptor was "
						 "closed outside the shim): this process started a tree of its own");
	return !env;
}

void nd_tree_fd_move(void)
{
	long to = nd_sys(SYS_fcntl, nd_tree_fd, F_DUPFD, nd_tree_fd + 1, 0, 0, 0);
	if (to < 0)
		to = nd_sys(SYS_fcntl, nd_tree_fd, F_DUPFD, 3, 0, 0, 0);
	if (to < 0)
		return;
	nd_sys(SYS_close, nd_tree_fd, 0, 0, 0, 0, 0);
	nd_tree_fd = (int)to;
}
