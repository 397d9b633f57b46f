/*
 * What every file of the shim needs: start-up state (state.c), the
 * process's identity, and the edge helpers every interposed function uses.
 * Each module's own interface is in its own header, next to it.
 *
 * Rules every file keeps: internals return 0 or -errno and never print; an
 * interposed function decides passthrough, makes one call into a module and
 * converts the result at the edge with nd_ret(); nothing here allocates.
 */
#ifndef ND_NODICE_H
#define ND_NODICE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "log.h"
#include "real.h"
#include "sys.h"

#include <signal.h>

#define ND_EXPORT __attribute__((visibility("default")))
#define ND_TLS __thread __attribute__((tls_model("initial-exec")))
#define ND_LIKELY(x) __builtin_expect(!!(x), 1)
#define ND_UNLIKELY(x) __builtin_expect(!!(x), 0)

extern struct nd_config nd_cfg;
extern int nd_state; /* 0 fresh, 1 initialising, 2 ready */

/* state.c: runs the start-up order once; 1 when the shim may serve, 0 when
 * the caller must pass through (a signal handler re-entering during
 * start-up). */
int nd_init_slow(void);
/* Registers fn as a start step, run by nd_init_slow after the configuration
 * is read (init.c registers the one that starts the modules, in order). */
#define ND_START(fn)                                                                         \
	static void (*const nd_start_##fn)(void) __attribute__((used, section("nd_start"))) = fn

static inline int nd_ready(void)
{
	if (ND_LIKELY(__atomic_load_n(&nd_state, __ATOMIC_ACQUIRE) == 2))
		return 1;
	return nd_init_slow();
}

/* An exempt program (NODICE_EXEMPT) gets libc's functions throughout. */
extern int nd_exempt;
#define nd_passthrough() (!nd_ready() || nd_exempt)

/* Parallel mode (NODICE_THREADS=parallel, parallel.c): a scheduled thread
 * holds the turn only for an intercepted call, not for the computation
 * between its calls. ND_ORDERED() at the top of an interposed function waits
 * for the caller's turn and, when the function returns (a cleanup, so every
 * return path), passes the turn on without waiting for it to come back:
 * the calls of all threads keep one order, decided by the calls themselves
 * as in serial mode, while the threads compute at once. Nested calls (one
 * interposed function calling another) pass once, at the outermost return.
 * The scheduler installs both ends when it starts in parallel mode
 * (nd_ordered_install, parallel.c); the core only holds them, so every
 * interposed function depends on the core, not on the scheduler. In serial
 * mode both ends cost one load of a null pointer. nd_sched_parallel is the
 * mode, for the few places whose behaviour differs (rdtsc, sched_yield). */
extern int nd_sched_parallel;
/* Non-zero while the calling thread runs the scheduler, or code the shim
 * calls for itself (libunwind taking a call site's stack): what such code
 * calls is not the program's, so the scheduler neither orders nor counts it
 * (sched/scheduler.h, nd_sched_managed). */
extern __thread int nd_sched_depth __attribute__((tls_model("initial-exec")));
struct nd_ordered_ops {
	int (*begin)(void); /* 1 when the matching end must run */
	void (*end)(void);
	void (*before_fork)(void); /* inside fork's ordered call, before the fork */
};
extern const struct nd_ordered_ops *nd_ordered;
static inline int nd_sched_ordered_begin(void)
{
	const struct nd_ordered_ops *o = __atomic_load_n(&nd_ordered, __ATOMIC_ACQUIRE);
	return o ? o->begin() : 0;
}
static inline void nd_sched_ordered_end(int *counted)
{
	if (*counted)
		nd_ordered->end();
}
static inline void nd_sched_ordered_before_fork(void)
{
	const struct nd_ordered_ops *o = __atomic_load_n(&nd_ordered, __ATOMIC_ACQUIRE);
	if (o)
		o->before_fork();
}
#define ND_ORDERED() \
	int nd_ordered_ __attribute__((cleanup(nd_sched_ordered_end), unused)) = nd_sched_ordered_begin()

static inline long nd_ret(long r)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* Prints `nodice: fatal: NAME="value": reason` on stderr and exits 125. */
__attribute__((noreturn)) void nd_fatal(const char *name, const char *value, const char *reason);

/* This process's identity (state.c), set by process.c at start and fork:
 * its lineage (where it sits in the tree) and its pid as the shim knows it. */
extern uint64_t nd_lineage;
extern int nd_pid;

#endif
