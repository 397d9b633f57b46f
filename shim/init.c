/*
 * The composition root: the one file that knows every module and the order
 * they start in. Nothing calls into it; it only calls down.
 *
 * start() runs inside the first interposed call (core/state.c, after the
 * real libc functions and the configuration): it maps the tree's shared
 * region (tree.c), or creates it at the root of the tree and installs the
 * clock guard there (guard.c); keys the streams from the seed and places the
 * virtual clock where the parent image left it; derives this image's lineage
 * (process.c); learns whether its ids are placed (pids.c); takes its member
 * slot (members.c); adopts descriptors inherited already open on a random
 * device.
 * Nothing in it allocates or locks.
 *
 * The constructor then turns address randomization off (aslr.c: this may
 * re-execute the program once), and does what may allocate: arming the
 * traps, registering the fork hooks, seeding the libc generators, exporting
 * thread-pool defaults.
 */
#include "nodice.h"
#include "stdmark.h"
#include "vdso.h"
#include "vclock.h"
#include "tsc.h"
#include "stream.h"
#include "signals.h"
#include "process.h"
#include "prng.h"
#include "dispatch.h"
#include "devices.h"
#include "cpuid_fault.h"
#include "cpu.h"
#include "auxv.h"
#include "aslr.h"
#include "itimer.h"
#include "scheduler.h"
#include "settime.h"
#include "tree.h"
#include "members.h"
#include "fork.h"
#include "knobs.h"
#include "pids.h"
#include "owed.h"
#include "writers.h"
#include "childend.h"

#include <pthread.h>

#include <stdlib.h>

static void start(void)
{
	nd_sites_on = nd_cfg.log_path[0] != 0;
	if (nd_tree_start(getenv("NODICE_TREE")))
		nd_guard_start();
	nd_stream_setup(nd_cfg.seed);
	nd_vclock_start(nd_cfg.clock_ns);
	nd_process_start();
	nd_pids_start();
	nd_member_start();
	nd_writers_start();
	nd_owed_start();
	nd_childend_start();
	if (!nd_exempt)
		nd_device_scan_inherited();
}
ND_START(start);

/* A fork child is a new process: its member slot, lineage and pid first, then a
 * scheduler with one thread, no virtual alarm, CPU clocks at zero. */
static void fork_child(void)
{
	nd_fork_child_member();
	nd_pipes_as_fork_child();
	nd_process_fork_child();
	nd_sched_fork_child();
	nd_itimer_fork_child();
	nd_vclock_fork_child();
}

static void before_fork(void)
{
	nd_process_before_fork();
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
	pthread_atfork(before_fork, NULL, fork_child);
	nd_prng_seed_once();
	nd_knobs_export();
	nd_cpu_export_env();
	nd_process_export_env();
}

__attribute__((destructor)) static void nd_destructor(void)
{
	/* What stdio still buffers for a channel other members write into
	 * leaves at this process's turn, not at exit's own flush after this. */
	if (nd_state == 2 && !nd_process_in_vfork_child() && nd_writers_any())
		fflush(NULL);
	/* What stdout still buffers for a pipe of the tree leaves marked
	 * (stdmark.c), not through exit's own flush after this. */
	if (nd_state == 2 && !nd_process_in_vfork_child() && nd_stdmark_pending(&_IO_2_1_stdout_))
		fflush(&_IO_2_1_stdout_);
	nd_process_end("exit");
}
