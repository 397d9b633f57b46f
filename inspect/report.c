/*
 * The inspect report. Every kind of uncontrolled entry has one line of advice
 * and a decision on --strict, in the table below: what happened in this run
 * and could change its result fails --strict (a child that dropped the shim,
 * ASLR on, network input, a thread nodice did not start, a device read it
 * could not serve); what only informs does not (pid reads, real waits on
 * descriptors, instructions present in loaded code whose execution nodice
 * cannot observe until it traps them).
 */
#include "report.h"
#include "families.h"
#include "jsonget.h"
#include "knobs_report.h"
#include "pylines.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *kind;
	int strict;
	const char *advice;
} catalogue[] = {
	{ "command-not-coverable", 1, "the command itself never loads the shim: nothing it does is controlled" },
	{ "static-child", 1, "a statically linked program never loads the shim: link it dynamically or keep it out of the measured step" },
	{ "setuid-child", 1, "the loader drops LD_PRELOAD for set-user/group-ID programs: keep them out of the measured step" },
	{ "32bit-child", 1, "libnodice.so is x86-64 only: a 32-bit program runs uncontrolled" },
	{ "aslr", 1, "addresses differ between runs: use `nodice run`, or do not set NODICE_ASLR=on" },
	{ "real-timer", 1, "an interval timer fires after real time: what its signal handler or event does lands at a timing-dependent point" },
	{ "external", 1, "network input comes from outside the run: record it to a file and replay it" },
	{ "foreign-thread", 1, "a thread nodice did not start (glibc-internal, or from before start-up) drew randomness in order of first draw" },
	{ "schedule-preempted", 1, "a thread held the turn on real time (asleep in the kernel outside the scheduler, or spinning): from there the interleaving followed the machine's timing" },
	{ "schedule-stall", 1, "every thread of a process waited and none could run (a deadlock): each thread's wait is listed; the program would hang natively too, unless the stall came from outside the scheduler's view" },
	{ "schedule-stall-broken", 0, "every thread waited and none could run; nodice woke a condition waiter (POSIX allows spurious wake-ups): a lost wake-up that natively would hang" },
	{ "schedule-unscheduled", 1, "more threads than the scheduler's 512 slots: the rest ran in parallel, unscheduled" },
	{ "schedule-parallel", 0, "threads computed in parallel (--threads parallel): their intercepted calls keep one order, but a program that synchronizes through memory alone (a spin on a flag, atomics, a futex protocol of its own) is not ordered; when runs differ, run it with --threads serial" },
	{ "schedule-outside", 0, "a thread waited for the outside world (pipe, socket, child, futex) and rejoined the turn order when it returned: output that depends on which thread ran first may follow real time" },
	{ "passed-through", 1, "a call nodice could not serve went to libc (a device opened write-only or via freopen, a descriptor beyond 65535)" },
	{ "clock-set", 0, "the program set the clock: nodice moved the virtual clock of the whole run, or refused as the kernel would without CAP_SYS_TIME; the machine's clock is untouched" },
	{ "clock-guard", 0, "no seccomp guard (needs CAP_SYS_ADMIN): a clock-setting call the shim cannot see (a static child) reaches the kernel, which refuses it unless the run has CAP_SYS_TIME" },
	{ "tree-preempted", 1, "a process of the run waited 5 s of real time for another that neither waited nor read a clock (a long computation, or a spin on shared memory): its timed event went ahead on real time" },
	{ "tree-asleep", 1, "a process of the run waited in the kernel in a call nodice does not see: the others' timed events went ahead without it, on real time" },
	{ "tree-outside", 1, "a process of the run executed a program the shim could not enter: its events are outside the run's order" },
	{ "tree-full", 1, "more than 1024 processes of the run at once: the rest are outside the order of timed events" },
	{ "member-lost", 0, "a process of the run was killed without leaving the run's order (SIGKILL, or a signal whose default action kills): the others went on without it" },
	{ "tree-lost", 1, "a process lost the run's shared state (its descriptor was closed outside the shim) and started its own: the clock it sets and the order of its events are its own" },
	{ "gpu", 1, "a GPU runtime was loaded: GPU kernels (atomics, autotuning, collective algorithms) are outside nodice's control beyond the framework knobs, which make the frameworks pick deterministic kernels where they have them (docs/gpu.md)" },
	{ "framework-knobs", 0, "PyTorch's determinism switches could not be turned on from outside (the hook beside libnodice.so is missing): call torch.use_deterministic_algorithms(True) in the program" },
	{ "exempt", 1, "NODICE_EXEMPT (--exempt) left this program uncontrolled on purpose: its randomness and time are real" },
	{ "tree-order", 1, "an exchange between processes of the run that the tree does not order yet followed real time: several processes writing one pipe, socket or file (ordered with --order-writes), a wait on a process-shared rwlock, a robust, PI or recursive mutex (or a condition used with one) or on a file lock, a thread back from a wait on another process while another thread of its process ran, a semaphore released from outside the tree; task assignment, completion order and the order of output may differ between runs (process-shared semaphores, mutexes, conditions and barriers themselves are ordered; a program that reorders results, as DataLoader does, still gives the same output)" },
	{ "pid", 1, "the kernel's process ids reached the program and differ between runs: run as root (the run's PID namespace places them) or with --pid-ns" },
	{ "disk-space", 1, "free disk space was read (statvfs, df, shutil.disk_usage, joblib's choice of /dev/shm): it is the machine's, and changes between runs" },
	{ "proc-counter", 1, "a /proc file of counters nodice does not serve (memory use, context switches, I/O, interrupts, network and disk statistics) was read: its contents differ between runs" },
	{ "predictable-keys", 0, "KEYS MADE UNDER NODICE ARE PREDICTABLE from the seed: never use them outside a test; run key generators with --exempt NAME" },
	{ "records-missing", 1, "some processes left no record: the report is incomplete for them (a SIGKILL, or an unwritable or full log)" },
	{ "sites-dropped", 0, "the call-site table was full: counts are complete, some sites are not named" },
	{ "python-frames", 0, "this Python's frame layout is not known to nodice (CPython 3.8 to 3.13 are): its call sites show C frames only" },
	{ "events-dropped", 0, "more than 64 distinct events in one process: the rest are counted only" },
	{ "identity", 0, "host names differ between machines, not between runs: do not let them into results, or fix them with --host NAME" },
	{ "pid-moved", 1, "a new process or thread could not have the id meant for it (another process held it, or the kernel refused to place ids): its id, and any id after it, may differ between runs" },
	{ "real-wait", 0, "waited on real descriptors in real time; a timeout moved the virtual clock by its length" },
	{ "rdrand", 0, "hardware randomness outside std::random_device: not interceptable without CPUID faulting (this machine has none)" },
	{ "rdseed", 0, "hardware randomness: not intercepted on this machine (no CPUID faulting)" },
	{ "rdtsc", 0, "reads the time-stamp counter without the trap (NODICE_RDTSC=native, PR_SET_TSC unavailable, or a hypervisor that ignores it)" },
	{ "rdtscp", 0, "reads the time-stamp counter without the trap (NODICE_RDTSC=native, PR_SET_TSC unavailable, or a hypervisor that ignores it)" },
	{ "vdso", 0, "the vDSO could not be patched: code that calls it directly reads the real clock" },
	{ "cpuid", 0, "CPU feature detection: results can differ between machines, not between runs" },
	{ "syscall", 0, "an inline system call inside libc (dispatch allows libc's own range) or with dispatch unavailable: reaches the kernel" },
};

json_object *uncontrolled_add(json_object *model, const char *kind, const char *detail, int64_t count, int observed)
{
	json_object *list = json_object_object_get(model, "uncontrolled");
	size_t n = json_object_array_length(list);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(list, i);
		if (!strcmp(str(e, "kind"), kind) && !strcmp(str(e, "detail"), detail)) {
			json_object_object_add(e, "count", json_object_new_int64(num(e, "count") + count));
			return e;
		}
	}
	int strict = 0;
	const char *advice = "";
	for (size_t i = 0; i < sizeof(catalogue) / sizeof(catalogue[0]); i++)
		if (!strcmp(catalogue[i].kind, kind)) {
			strict = catalogue[i].strict;
			advice = catalogue[i].advice;
		}
	json_object *e = json_object_new_object();
	json_object_object_add(e, "kind", json_object_new_string(kind));
	json_object_object_add(e, "detail", json_object_new_string(detail));
	json_object_object_add(e, "count", json_object_new_int64(count));
	json_object_object_add(e, "observed", json_object_new_boolean(observed));
	json_object_object_add(e, "strict", json_object_new_boolean(strict && observed));
	json_object_object_add(e, "advice", json_object_new_string(advice));
	json_object_array_add(list, e);
	return e;
}

const char *report_kind_of_family(const char *fam, const char *symbol)
{
	/* the kernel's process ids (no PID namespace) differ on every run */
	if (!strcmp(fam, "identity") && (!strcmp(symbol, "getpid") || !strcmp(symbol, "getppid") ||
					 !strcmp(symbol, "gettid")))
		return "pid";
	enum nd_family f = nd_family_named(fam);
	if (f == ND_FAM_COUNT)
		return "passed-through"; /* a family of another nodice version */
	return *nd_families[f].passed_kind ? nd_families[f].passed_kind : NULL;
}

int report_strict_findings(json_object *model)
{
	json_object *list = json_object_object_get(model, "uncontrolled");
	int n = 0;
	for (size_t i = 0; i < json_object_array_length(list); i++)
		n += flag(json_object_array_get_idx(list, i), "strict");
	return n;
}

/* A source's sites: for Python code, by the line that speaks for them
 * (pylines.h: the user's first, then libraries', then the standard
 * library's), then the sites with no Python code by C function. */
static void print_sites(FILE *out, json_object *sites, int max)
{
	size_t shown = 0, more = 0;
	json_object *groups = pylines_group(sites);
	for (size_t i = 0; i < json_object_array_length(groups); i++) {
		json_object *g = json_object_array_get_idx(groups, i);
		if ((int)shown++ >= max + 2) {
			more++;
			continue;
		}
		fprintf(out, "      %6lld  %s\n", (long long)num(g, "count"), str(g, "line"));
		if (*str(g, "through"))
			fprintf(out, "              through %s\n", str(g, "through"));
	}
	json_object_put(groups);
	size_t n = sites ? json_object_array_length(sites) : 0, c = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(sites, i);
		if (json_object_object_get_ex(s, "python", NULL))
			continue;
		if ((int)c++ >= max) {
			more++;
			continue;
		}
		fprintf(out, "      %6lld  %s: %s\n", (long long)num(s, "count"), str(s, "object"), str(s, "function"));
		if (*str(s, "via"))
			fprintf(out, "              via %s\n", str(s, "via"));
	}
	if (more)
		fprintf(out, "              (%zu more sites)\n", more);
}

static int by_kind(const void *a, const void *b)
{
	json_object *x = *(json_object *const *)a, *y = *(json_object *const *)b;
	if (flag(x, "observed") != flag(y, "observed"))
		return flag(y, "observed") - flag(x, "observed");
	return strcmp(str(x, "kind"), str(y, "kind"));
}

static int by_family(const void *a, const void *b)
{
	json_object *x = *(json_object *const *)a, *y = *(json_object *const *)b;
	int c = strcmp(str(x, "family"), str(y, "family"));
	return c ? c : strcmp(str(x, "symbol"), str(y, "symbol"));
}

/* "head name<between>value, …" for a non-empty object. */
static void print_pairs(FILE *out, const char *head, json_object *pairs, const char *between)
{
	if (!json_object_object_length(pairs))
		return;
	const char *sep = head;
	json_object_object_foreach(pairs, name, value)
	{
		fprintf(out, "%s%s%s%s", sep, name, between, json_object_get_string(value));
		sep = ", ";
	}
	fprintf(out, "\n");
}

/* The environment record in three lines: machine, Python, variables. */
static void print_environment(FILE *out, json_object *model)
{
	json_object *e, *libs, *vars;
	if (!json_object_object_get_ex(model, "environment", &e))
		return;
	fprintf(out, "Environment: nodice %s (%.12s), Linux %s %s, %s (%s), glibc %s\n", str(e, "nodice"),
		str(e, "commit"), str(e, "kernel"), str(e, "machine"), str(e, "cpu"), str(e, "isa"), str(e, "glibc"));
	if (json_object_object_get_ex(e, "libraries", &libs))
		print_pairs(out, "  loaded: ", libs, " ");
	if (json_object_object_get_ex(e, "variables", &vars))
		print_pairs(out, "  variables: ", vars, "=");
	fprintf(out, "\n");
}

void report_print(FILE *out, json_object *model, int status, const char *command)
{
	json_object *sources = json_object_object_get(model, "sources");
	json_object *unc = json_object_object_get(model, "uncontrolled");
	json_object *procs = json_object_object_get(model, "processes");
	json_object_array_sort(sources, by_family);
	json_object_array_sort(unc, by_kind);

	fprintf(out, "nodice inspect: %s\n", command);
	fprintf(out, "seed %s, %zu process%s, exit status %d\n", str(model, "seed"),
		json_object_array_length(procs), json_object_array_length(procs) == 1 ? "" : "es", status);
	print_environment(out, model);
	fprintf(out, "Sources\n  %-9s %-24s %10s  %-10s  call sites (calls  object: function)\n", "family",
		"symbol", "calls", "controlled");
	for (size_t i = 0; i < json_object_array_length(sources); i++) {
		json_object *s = json_object_array_get_idx(sources, i);
		enum nd_family f = nd_family_named(str(s, "family"));
		if (f != ND_FAM_COUNT && !nd_families[f].listed)
			continue;
		fprintf(out, "  %-9s %-24s %10lld  %-10s\n", str(s, "family"), str(s, "symbol"),
			(long long)num(s, "count"), flag(s, "controlled") ? "yes" : "NO");
		json_object *sites;
		if (json_object_object_get_ex(s, "sites", &sites))
			print_sites(out, sites, 3);
	}

	json_object *traps = json_object_object_get(model, "traps");
	fprintf(out, "\nTraps armed:");
	for (size_t i = 0; traps && i < json_object_array_length(traps); i++)
		fprintf(out, " %s", json_object_get_string(json_object_array_get_idx(traps, i)));
	fprintf(out, "%s\n", traps && json_object_array_length(traps) ? "" : " none");
	fprintf(out, "\nProcesses\n");
	for (size_t i = 0; i < json_object_array_length(procs); i++) {
		json_object *p = json_object_array_get_idx(procs, i);
		fprintf(out, "  %s  pid %-7s %s (%s)\n", str(p, "lineage"), str(p, "pid"), str(p, "exe"), str(p, "end"));
	}

	knobs_print(out, model);

	int observed = 0, possible = 0;
	for (size_t i = 0; i < json_object_array_length(unc); i++)
		flag(json_object_array_get_idx(unc, i), "observed") ? observed++ : possible++;
	fprintf(out, "\nUncontrolled in this run:%s\n", observed ? "" : " nothing");
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			fprintf(out, "\nPresent in loaded code, not observed (bypasses the shim if it runs):%s\n",
				possible ? "" : " nothing");
		const char *last_kind = "";
		for (size_t i = 0; i < json_object_array_length(unc); i++) {
			json_object *e = json_object_array_get_idx(unc, i);
			if (flag(e, "observed") != (pass == 0))
				continue;
			if (strcmp(last_kind, str(e, "kind"))) {
				last_kind = str(e, "kind");
				fprintf(out, "  %s%s: %s\n", last_kind, flag(e, "strict") ? " [fails --strict]" : "",
					str(e, "advice"));
			}
			fprintf(out, "    - %s (%lld)\n", str(e, "detail"), (long long)num(e, "count"));
			json_object *python;
			if (json_object_object_get_ex(e, "python", &python) && json_object_array_length(python)) {
				char line[1200];
				pylines_format(pylines_frame(python, NULL), line, sizeof(line));
				fprintf(out, "      at %s\n", line);
			}
			json_object *sites;
			if (json_object_object_get_ex(e, "sites", &sites))
				print_sites(out, sites, 3);
		}
	}
	if (num(model, "corrupt_lines"))
		fprintf(out, "\nwarning: %lld lines of the event log were not JSON\n",
			(long long)num(model, "corrupt_lines"));
}
