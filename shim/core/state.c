/*
 * Start-up state and the one-time start, nd_init_slow().
 *
 * Any interposed function may be the first call (other libraries'
 * constructors run before ours), so every one goes through nd_ready(), whose
 * fast path is one acquire load of nd_state. The first caller resolves the
 * real libc functions (real.c: nothing else works before), reads and
 * validates NODICE_* (config.c: a value it cannot honour stops the program
 * here, before main, with one line and status 125), and then runs the start
 * steps above the core: the functions the composition root (init.c)
 * registers in the nd_start section with ND_START. The core names none of
 * them, so it depends on nothing above it; the order lives in init.c.
 *
 * Start-up allocates nothing and takes no lock; a second thread arriving
 * meanwhile waits, and the initialising thread re-entering from a signal
 * handler is passed through to libc.
 */
#include "nodice.h"

#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

struct nd_config nd_cfg;
int nd_state;
int nd_exempt;
int nd_threaded;
int nd_sched_parallel;
ND_TLS int nd_sched_depth;
const struct nd_ordered_ops *nd_ordered;
uint64_t nd_lineage;
int nd_pid;
static long init_tid;

/* The linker places every ND_START entry between these two symbols. */
extern void (*const __start_nd_start[])(void);
extern void (*const __stop_nd_start[])(void);

static void say(const char *s)
{
	nd_sys(SYS_write, 2, (long)s, (long)strlen(s), 0, 0, 0);
}

void nd_fatal(const char *name, const char *value, const char *reason)
{
	say("nodice: fatal: ");
	say(name);
	say("=\"");
	say(value);
	say("\": ");
	say(reason);
	say("\n");
	for (;;)
		nd_sys(SYS_exit_group, 125, 0, 0, 0, 0, 0);
}

/* getenv before libc has run its constructors: the environment is set up by
 * then (it comes from the stack), and getenv neither allocates nor locks. */
static const char *env_get(const char *name)
{
	return getenv(name);
}

/* Whether this program's name (argv[0]'s or /proc/self/exe's base name) is in
 * NODICE_EXEMPT. */
static int exempted(void)
{
	char exe[4096];
	long n = nd_sys(SYS_readlink, (long)"/proc/self/exe", (long)exe, sizeof(exe) - 1, 0, 0, 0);
	exe[n > 0 ? n : 0] = 0;
	const char *names[2] = { strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe, program_invocation_short_name };
	for (const char *p = nd_cfg.exempt; *p;) {
		size_t len = strcspn(p, ",");
		for (int i = 0; i < 2; i++)
			if (names[i] && len && strlen(names[i]) == len && !strncmp(names[i], p, len))
				return 1;
		p += len + (p[len] == ',');
	}
	return 0;
}

int nd_init_slow(void)
{
	int expected = 0;
	if (!__atomic_compare_exchange_n(&nd_state, &expected, 1, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		if (expected == 2)
			return 1;
		if (nd_sys0(SYS_gettid) == __atomic_load_n(&init_tid, __ATOMIC_RELAXED))
			return 0;
		while (__atomic_load_n(&nd_state, __ATOMIC_ACQUIRE) != 2)
			nd_sys0(SYS_sched_yield);
		return 1;
	}
	__atomic_store_n(&init_tid, nd_sys0(SYS_gettid), __ATOMIC_RELAXED);

	const char *missing = NULL;
	if (nd_real_resolve(&missing) < 0)
		nd_fatal("LD_PRELOAD", nd_real_self_path(), "libc symbol not found");

	struct nd_config_error err;
	if (nd_config_load(&nd_cfg, env_get, &err) < 0)
		nd_fatal(err.name, err.value, err.reason);
	nd_exempt = nd_cfg.exempt[0] && exempted();

	for (void (*const *step)(void) = __start_nd_start; step < __stop_nd_start; step++)
		(*step)();

	__atomic_store_n(&nd_state, 2, __ATOMIC_RELEASE);
	return 1;
}
