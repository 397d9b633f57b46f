/*
 * Start-up: the whole order in one function, nd_init_slow().
 *
 *   1. resolve the real libc functions (real.c) — nothing else works before;
 *   2. read and validate NODICE_* (config.c) — a value it cannot honour stops
 *      the program here, before main, with one line and status 125;
 *   3. key the streams from the seed and place the virtual clock where the
 *      parent image left it;
 *   4. derive this image's lineage (process.c);
 *   5. adopt descriptors inherited already open on a random device.
 * Between 2 and 3 it maps the tree's shared region (tree.c), or creates it at
 * the root of the tree and installs the clock guard there (guard.c).
 *
 * Any interposed function may be the first call (other libraries'
 * constructors run before ours), so every one goes through nd_ready(), whose
 * fast path is one acquire load. Start-up allocates nothing and takes no lock;
 * a second thread arriving meanwhile waits, and the initialising thread
 * re-entering from a signal handler is passed through to libc.
 *
 * The constructor then turns address randomization off (aslr.c: this may
 * re-execute the program once), and does what may allocate: registering the
 * fork hooks, seeding the libc generators, exporting thread-pool defaults.
 */
#include "nodice.h"
#include "settime.h"
#include "tree.h"

#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct nd_config nd_cfg;
int nd_state;
int nd_exempt;

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
static long init_tid;

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

static const char *env_get(const char *name)
{
	return getenv(name);
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

	nd_sites_on = nd_cfg.log_path[0] != 0;
	nd_exempt = nd_cfg.exempt[0] && exempted();
	if (nd_tree_start(getenv("NODICE_TREE")))
		nd_guard_start();
	nd_stream_setup(nd_cfg.seed);
	nd_vclock_start(nd_cfg.clock_ns);
	nd_process_start();
	if (!nd_exempt)
		nd_device_scan_inherited();

	__atomic_store_n(&nd_state, 2, __ATOMIC_RELEASE);
	return 1;
}

/* glibc passes (argc, argv, envp) to constructors. */
__attribute__((constructor)) static void nd_constructor(int argc, char **argv)
{
	nd_ready();
	if (nd_exempt) {
		/* Left to libc entirely, and said so in the log. */
		nd_log_uncontrolled("exempt", "NODICE_EXEMPT: this program runs with real randomness and time");
		return;
	}
	nd_aslr_off(argv);
	nd_auxv_start();
	nd_sites_start();
	nd_signals_start();
	nd_tsc_start();
	nd_cpuid_start();
	if (nd_vdso_start() <= 0)
		nd_log_uncontrolled("vdso", "the vDSO could not be patched: its direct callers read the real clock");
	nd_dispatch_start();
	nd_stdio_adopt_stdin();
	nd_process_register_atfork();
	nd_prng_seed_once();
	nd_cpu_export_env();
}

__attribute__((destructor)) static void nd_destructor(void)
{
	nd_log_flush("exit");
	nd_tree_exit();
}
