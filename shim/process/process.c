/*
 * Lineage: how each process gets its own streams, derived from where it sits in
 * the process tree rather than from timing.
 *
 * An image (one execve of one program) starts from the value V its parent put
 * in NODICE_LINEAGE (0 at the root) and takes L = derive(V, IMAGE) as its
 * lineage. Its k-th fork child continues with derive(L, FORK|k); its n-th exec
 * or spawn hands derive(L, EXEC|n) to the new image. Counters live in shared
 * memory during vfork, so a vfork child's exec advances the parent's count
 * exactly as a fork would.
 *
 * Children get the shim, the configuration, their lineage and the virtual
 * clock through the environment. nd_process_child_env() builds that
 * environment on the caller's stack, so exec stays async-signal-safe; a child
 * whose environment was scrubbed (`env -i`) gets the shim and the
 * configuration back.
 */
#include "nodice.h"
#include "vclock.h"
#include "stream.h"
#include "process.h"
#include "aslr.h"
#include "fmt.h"
#include "tree.h"
#include "members.h"
#include "writers.h"
#include "filetime.h"

#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

static uint64_t forks, spawns;
static uint64_t fork_pending;

/* The rank a launcher gave this process (torchrun, SLURM, Open MPI, PMI),
 * or -1. Only digits are accepted. */
static long launcher_rank(void)
{
	static const char *const vars[] = { "RANK", "SLURM_PROCID", "OMPI_COMM_WORLD_RANK", "PMI_RANK" };
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);
		uint64_t r = 0;
		if (!v || !*v)
			continue;
		const char *p = v;
		for (; *p >= '0' && *p <= '9' && r < 1000000000; p++)
			r = r * 10 + (uint64_t)(*p - '0');
		if (!*p)
			return (long)r;
	}
	return -1;
}

static long my_rank = -1; /* the launcher rank this process holds, or -1 */

void nd_process_start(void)
{
	uint64_t v = nd_cfg.has_lineage ? nd_cfg.lineage : 0;
	long rank = launcher_rank();
	const char *root = getenv("NODICE_RANK_ROOT");
	uint64_t seen = 0;
	/* A rank root is the first process that sees its rank: its lineage and
	 * clock come from the rank, not from the order the launcher started the
	 * ranks in. Its descendants carry NODICE_RANK_ROOT and derive as usual. */
	if (rank >= 0 && !(root && !nd_config_parse_hex64(root, &seen) && seen == (uint64_t)rank)) {
		v = nd_stream_derive((uint64_t)rank, ND_TAG(ND_TAG_RANK));
		nd_vclock_start(0);
		my_rank = rank;
	} else if (rank >= 0) {
		my_rank = rank;
	}
	nd_lineage = nd_stream_derive(v, ND_TAG(ND_TAG_IMAGE));
	nd_pid = (int)nd_sys0(SYS_getpid);
	nd_stream_set_lineage(nd_lineage);
}

void nd_process_before_fork(void)
{
	fork_pending = __atomic_add_fetch(&forks, 1, __ATOMIC_RELAXED);
}

void nd_process_fork_child(void)
{
	nd_lineage = nd_stream_derive(nd_lineage, ND_TAG(ND_TAG_FORK) | fork_pending);
	forks = spawns = 0;
	nd_pid = (int)nd_sys0(SYS_getpid);
	nd_log_reset();
	nd_stream_set_lineage(nd_lineage);
}

/* Children started by this image: fork children (same image) and new
 * images (exec in place, posix_spawn, system, popen). Each writes a record,
 * so a reader can tell when records are missing. */
uint64_t nd_process_forks(void)
{
	return __atomic_load_n(&forks, __ATOMIC_RELAXED);
}

uint64_t nd_process_spawns(void)
{
	return __atomic_load_n(&spawns, __ATOMIC_RELAXED);
}

void nd_process_spawn_failed(void)
{
	__atomic_sub_fetch(&spawns, 1, __ATOMIC_RELAXED);
}

int nd_process_in_vfork_child(void)
{
	return nd_sys0(SYS_getpid) != nd_pid;
}

size_t nd_process_env_count(char *const envp[])
{
	size_t n = 0;
	while (envp && envp[n])
		n++;
	return n;
}

static int has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static const char *find(char *const envp[], const char *prefix)
{
	for (size_t i = 0; envp && envp[i]; i++)
		if (has_prefix(envp[i], prefix))
			return envp[i];
	return NULL;
}

/* LD_PRELOAD with this library in it: kept as it is when it is already there,
 * otherwise this library first and the program's own list after it. */
static const char *preload(char *const envp[], char *buf, size_t size)
{
	const char *self = nd_real_self_path();
	const char *cur = find(envp, "LD_PRELOAD=");
	if (!self[0] || (cur && strstr(cur, self)))
		return cur;
	struct nd_buf b = { buf, buf + size, 0 };
	nd_fmt_str(&b, "LD_PRELOAD=");
	nd_fmt_str(&b, self);
	if (cur && cur[11]) {
		nd_fmt_str(&b, ":");
		nd_fmt_str(&b, cur + 11);
	}
	return b.overflow ? cur : buf;
}

/* The configuration as this image read it, for a child that lost it. */
static const char *config_var(int i, char *buf, size_t size)
{
	struct nd_buf b = { buf, buf + size, 0 };
	switch (i) {
	case 0: nd_fmt_str(&b, "NODICE_SEED="); nd_fmt_u64(&b, nd_cfg.seed); break;
	case 1: nd_fmt_str(&b, "NODICE_EPOCH="); nd_fmt_i64(&b, nd_cfg.epoch); break;
	case 2: nd_fmt_str(&b, "NODICE_TICK_NS="); nd_fmt_u64(&b, nd_cfg.tick_ns); break;
	case 3: nd_fmt_str(&b, "NODICE_CPUS="); nd_fmt_u64(&b, nd_cfg.cpus); break;
	case 4:
		if (!nd_cfg.log_path[0])
			return NULL;
		nd_fmt_str(&b, "NODICE_LOG=");
		nd_fmt_str(&b, nd_cfg.log_path);
		break;
	case 5:
		if (!nd_cfg.keep_aslr)
			return NULL;
		nd_fmt_str(&b, "NODICE_ASLR=on");
		break;
	case 6:
		if (!nd_cfg.native_tsc)
			return NULL;
		nd_fmt_str(&b, "NODICE_RDTSC=native");
		break;
	case 7:
		if (!nd_cfg.native_dirs)
			return NULL;
		nd_fmt_str(&b, "NODICE_DIRS=native");
		break;
	case 9:
		if (!nd_cfg.exempt[0])
			return NULL;
		nd_fmt_str(&b, "NODICE_EXEMPT=");
		nd_fmt_str(&b, nd_cfg.exempt);
		break;
	case 10:
		if (!nd_cfg.host[0])
			return NULL;
		nd_fmt_str(&b, "NODICE_HOST=");
		nd_fmt_str(&b, nd_cfg.host);
		break;
	case 8:
		if (my_rank < 0)
			return NULL;
		nd_fmt_str(&b, "NODICE_RANK_ROOT=");
		nd_fmt_hexmin(&b, (uint64_t)my_rank);
		break;
	default: return NULL;
	}
	return b.overflow ? NULL : buf;
}

char **nd_process_child_env(char *const envp[], char **out, size_t cap, struct nd_child_env *b,
			    int without_shim, int member)
{
	uint64_t n = __atomic_add_fetch(&spawns, 1, __ATOMIC_RELAXED);
	uint64_t child = nd_stream_derive(nd_lineage, ND_TAG(ND_TAG_EXEC) | n);
	size_t k = 0;

	for (size_t i = 0; envp && envp[i] && k + ND_ENV_EXTRA < cap; i++)
		if (!has_prefix(envp[i], "NODICE_LINEAGE=") && !has_prefix(envp[i], "NODICE_CLOCK=") &&
		    !has_prefix(envp[i], "NODICE_WALL=") &&
		    !has_prefix(envp[i], "LD_PRELOAD=") && !has_prefix(envp[i], "NODICE_RANK_ROOT=") &&
		    !has_prefix(envp[i], "NODICE_TREE=") && !has_prefix(envp[i], "NODICE_MEMBER="))
			out[k++] = envp[i];
	for (int i = 0; i < 11; i++) {
		const char *v = i == 4 ? config_var(i, b->log, sizeof(b->log))
				: i == 9 ? config_var(i, b->exempt, sizeof(b->exempt))
				: i == 10 ? config_var(i, b->host, sizeof(b->host))
					 : config_var(i, b->config[i < 4 ? i : i - 1], sizeof(b->config[0]));
		size_t eq = v ? (size_t)(strchr(v, '=') - v) + 1 : 0;
		char prefix[32];
		if (!v || eq >= sizeof(prefix))
			continue;
		memcpy(prefix, v, eq);
		prefix[eq] = 0;
		/* The rank marker is always this image's (it was not copied above). */
		if (i == 8 || !find(envp, prefix))
			out[k++] = (char *)v;
	}
	/* A child that cannot load the shim keeps the program's own LD_PRELOAD. */
	const char *pre = without_shim ? find(envp, "LD_PRELOAD=") : preload(envp, b->preload, sizeof(b->preload));
	if (without_shim && pre && strstr(pre, nd_real_self_path()))
		pre = NULL;
	if (pre)
		out[k++] = (char *)pre;
	struct nd_buf lb = ND_BUF(b->lineage), cb = ND_BUF(b->clock);
	nd_fmt_str(&lb, "NODICE_LINEAGE=");
	nd_fmt_hex(&lb, child, 16);
	nd_fmt_str(&cb, "NODICE_CLOCK=");
	nd_fmt_hex(&cb, nd_vclock_now(), 16);
	out[k++] = b->lineage;
	out[k++] = b->clock;
	if (nd_vclock_wall_joined()) {
		struct nd_buf wb = ND_BUF(b->wall);
		nd_fmt_str(&wb, "NODICE_WALL=");
		nd_fmt_hex(&wb, nd_vclock_wall_joined(), 16);
		out[k++] = b->wall;
	}
	if (nd_tree_fd >= 0 && !without_shim) {
		struct nd_buf tb = ND_BUF(b->tree);
		nd_fmt_str(&tb, "NODICE_TREE=");
		nd_fmt_u64(&tb, (uint64_t)nd_tree_fd);
		out[k++] = b->tree;
	}
	if (member >= 0) {
		struct nd_buf mb = ND_BUF(b->member);
		nd_fmt_str(&mb, "NODICE_MEMBER=");
		nd_fmt_u64(&mb, (uint64_t)member);
		out[k++] = b->member;
	}
	out[k] = NULL;
	return out;
}

/* Reproducible-builds convention: tools that stamp their output with a
 * date (py_compile's hash-based .pyc, gcc's __DATE__, sphinx, man pages)
 * take SOURCE_DATE_EPOCH instead of the clock. The virtual epoch, unless the
 * program's environment already names one; set by the root of the run only
 * (the image no parent under the shim started), so a program that removes
 * it for a child (CPython's tests of timestamp-based .pyc) is obeyed. */
void nd_process_export_env(void)
{
	char v[24];
	struct nd_buf b = ND_BUF(v);
	if (nd_cfg.epoch < 0 || nd_cfg.has_lineage)
		return;
	nd_fmt_u64(&b, (uint64_t)nd_cfg.epoch);
	if (!b.overflow && b.p < v + sizeof(v)) {
		*b.p = 0;
		setenv("SOURCE_DATE_EPOCH", v, 0);
	}
}

void nd_process_flush_log(const char *end)
{
	if (nd_process_in_vfork_child())
		return;
	struct nd_log_process p = { .vtime_ns = nd_vclock_now(), .forks = forks, .spawns = spawns,
				    .aslr_on = nd_aslr_on };
	nd_log_flush(end, &p);
}

void (*nd_process_locks_end)(void);
void (*nd_process_end_mark)(uint64_t id, uint64_t ev);
void (*nd_process_pipes_end)(void);

void nd_process_end(const char *end)
{
	if (nd_state != 2 || nd_process_in_vfork_child())
		return;
	nd_filetime_settle_all();
	nd_process_flush_log(end);
	uint64_t ev = nd_member_me >= 0 ? nd_member_count(&nd_tree->members[nd_member_me]) : 0;
	nd_vclock_leave(nd_pid, nd_member_id(nd_member_me), ev);
	void (*end_mark)(uint64_t, uint64_t) = __atomic_load_n(&nd_process_end_mark, __ATOMIC_ACQUIRE);
	if (end_mark)
		end_mark(nd_member_id(nd_member_me), ev);
	void (*pipes_end)(void) = __atomic_load_n(&nd_process_pipes_end, __ATOMIC_ACQUIRE);
	if (pipes_end)
		pipes_end();
	nd_writers_end(strcmp(end, "signal") != 0);
	void (*locks_end)(void) = __atomic_load_n(&nd_process_locks_end, __ATOMIC_ACQUIRE);
	if (locks_end)
		locks_end();
	nd_member_end();
}
