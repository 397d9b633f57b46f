/*
 * The event log's in-process side: one counter pair per interposed symbol,
 * indexed by the enum that symbols.def generates. Counting is a relaxed atomic
 * add, so a hot clock read costs a counter, not a write; records reach
 * NODICE_LOG when the process exits, execs or calls _exit (log.c).
 * The record format is documented in docs/log-format.md.
 */
#ifndef ND_LOG_H
#define ND_LOG_H

#include <stdint.h>

#include "sites.h"
#include "symbols.h"


struct nd_counter {
	uint64_t served; /* answered from the seeded state */
	uint64_t passed; /* handed to libc unchanged: not controlled */
	uint64_t bytes;
	uint64_t first;  /* order of first use in this process, 1-based */
};

extern struct nd_counter nd_counters[ND_SYM_COUNT];
extern uint64_t nd_first_seq;

static inline void nd_log_mark_first(enum nd_sym s)
{
	if (__builtin_expect(!__atomic_load_n(&nd_counters[s].first, __ATOMIC_RELAXED), 0)) {
		uint64_t zero = 0, seq = __atomic_add_fetch(&nd_first_seq, 1, __ATOMIC_RELAXED);
		__atomic_compare_exchange_n(&nd_counters[s].first, &zero, seq, 0,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
}

/* With the log on, a call is counted once, at its site (sites.c folds the
 * site counts into these totals when the log is flushed). */
static inline void nd_log_served_at(enum nd_sym s, uint64_t bytes, void *caller)
{
	nd_log_mark_first(s);
	if (bytes)
		nd_add(&nd_counters[s].bytes, bytes);
	if (caller)
		nd_site_note(s, caller);
	else
		nd_add(&nd_counters[s].served, 1);
}

static inline void nd_log_passed_at(enum nd_sym s, void *caller)
{
	nd_log_mark_first(s);
	if (caller)
		nd_site_note((int)s | ND_SITE_PASSED, caller);
	else
		nd_add(&nd_counters[s].passed, 1);
}

/* The caller is found only when the log is on (sites.h). */
#define nd_log_served(s, bytes) nd_log_served_at((s), (bytes), nd_sites_on ? nd_caller() : NULL)
#define nd_log_passed(s) nd_log_passed_at((s), nd_sites_on ? nd_caller() : NULL)
/* A wait the tree decided (served) or the kernel did (passed through). */
#define nd_log_decided(s, decided)                  \
	do {                                        \
		if (decided)                        \
			nd_log_served((s), 0);      \
		else                                \
			nd_log_passed(s);           \
	} while (0)

/* Sources served by a trap rather than an interposed symbol: an instruction
 * or a system call caught on its way (tsc.c, dispatch.c, vdso.c). They are
 * written as "source" records of family "trap". */
enum nd_trap { ND_TRAP_RDTSC, ND_TRAP_RDTSCP, ND_TRAP_SYSCALL, ND_TRAP_VDSO, ND_TRAP_COUNT };
extern uint64_t nd_trap_counts[ND_TRAP_COUNT];
static inline void nd_log_trap(enum nd_trap t)
{
	nd_add(&nd_trap_counts[t], 1);
}
/* Marks a trap as armed in this process (the process record lists them). */
void nd_log_trap_active(enum nd_trap t);

/* Something nodice could not control, with what it was (log.c). Up to 64
 * distinct (kind, detail) pairs per process are kept with counts; more are
 * counted under kind "events-dropped". */
void nd_log_uncontrolled(const char *kind, const char *detail);
/* The same, written to the log at once rather than at exit: for a process
 * that may never exit (a stall). The flush writes only later counts. */
void nd_log_uncontrolled_now(const char *kind, const char *detail);
/* A determinism switch of a framework and who chose its value ("nodice" or
 * "user"), written to the log at once (process/knobs.c). */
void nd_log_knob(const char *name, const char *value, const char *set_by);

/* Zeroes the counters (a fork child starts its own record). */
void nd_log_reset(void);

/* log.c writes the process's records at exit, exec, _exit and on a fatal
 * signal (through nd_process_flush_log, which hands it the facts below). */
struct nd_log_process {
	uint64_t vtime_ns, forks, spawns;
	int aslr_on;
};
void nd_log_flush(const char *end, const struct nd_log_process *p);
struct nd_buf;
/* Opens a record: type, pid, lineage, exe, argv0 (no closing brace). */
void nd_log_head(struct nd_buf *b, const char *type);

#endif
