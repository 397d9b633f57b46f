/*
 * Internal interface shared by the shim's files: start-up state, the edge
 * helpers every interposed function uses, and the modules' entry points.
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


/* stream.c — seeded streams: one keyed generator, split per family, process
 * lineage and thread. */
enum nd_stream {
	ND_STREAM_ENTROPY, /* getrandom, getentropy, arc4random */
	ND_STREAM_DEVICE,  /* /dev/urandom, /dev/random, uuid */
	ND_STREAM_PRNG,    /* initial states of the libc generators, AT_RANDOM */
	ND_STREAM_TEMPNAME, /* mkstemp and the other temporary names */
	ND_STREAM_COUNT
};
void nd_stream_setup(uint64_t seed);
void nd_stream_set_lineage(uint64_t lineage);
void nd_stream_fill(enum nd_stream s, void *buf, size_t len);
uint64_t nd_stream_u64(enum nd_stream s);
uint64_t nd_stream_derive(uint64_t a, uint64_t b);
void nd_stream_thread_adopt(uint64_t id);
uint64_t nd_stream_thread_next(void);

/* Tags that keep the derivations of nd_stream_derive apart. */
#define ND_TAG(t) ((uint64_t)(t) << 48)
enum { ND_TAG_IMAGE = 1, ND_TAG_FORK, ND_TAG_EXEC, ND_TAG_THREAD, ND_TAG_ANON_THREAD, ND_TAG_BOOT, ND_TAG_RANK };

/* vclock.c — the one virtual time line, in ns since the run started. */
extern uint64_t nd_vt;
extern ND_TLS uint64_t nd_vt_thread_cpu; /* the ticks this thread's reads added */
static inline uint64_t nd_vclock_read(void)
{
	nd_vt_thread_cpu += nd_cfg.tick_ns;
	if (ND_UNLIKELY(__atomic_load_n(&nd_threaded, __ATOMIC_RELAXED)))
		return __atomic_add_fetch(&nd_vt, nd_cfg.tick_ns, __ATOMIC_RELAXED);
	return *(volatile uint64_t *)&nd_vt += nd_cfg.tick_ns;
}
/* Starts this process's time line at vt with its CPU clocks at zero (exec,
 * a launcher's rank root); nd_vclock_fork_child restarts the CPU clocks. */
void nd_vclock_start(uint64_t vt);
void nd_vclock_fork_child(void);
/* CPU time in ns after one read: the process's (every thread's reads, none
 * of the time the line jumped while it waited) or the calling thread's. */
int64_t nd_vclock_cpu_ns(int thread);
void nd_vclock_advance(uint64_t ns);
/* Marks the process multi-threaded: counters and clock switch to atomics. */
static inline void nd_mark_threaded(void)
{
	__atomic_store_n(&nd_threaded, 1, __ATOMIC_SEQ_CST);
}
void nd_vclock_advance_to(uint64_t vt);
uint64_t nd_vclock_now(void); /* without moving it */
/* The value of clock `clk` at virtual time vt; -EINVAL for an unknown clock. */
int nd_vclock_at(int clk, uint64_t vt, int64_t *ns);
/* Converts an absolute deadline on clock `clk` into virtual time. */
uint64_t nd_vclock_deadline(int clk, int64_t abs_ns);
/* The line across processes (the tree's exits table): a process that ends
 * leaves where its line reached; a parent that reaps pid moves its own line
 * at least that far. */
void nd_vclock_leave(int pid);
void nd_vclock_reaped(int pid);
#define ND_MONO_BASE 100000000000LL /* monotonic clocks start at 100 s */
#define ND_NS 1000000000LL

/* This process's identity (state.c), set by process.c at start and fork:
 * its lineage (where it sits in the tree) and its pid as the shim knows it. */
extern uint64_t nd_lineage;
extern int nd_pid;

/* process.c — lineage across fork and exec, and the environment children get. */
void nd_process_start(void);
/* The process's records go to the log (an exec: "exec"); nd_process_end
 * also leaves its time line for the parent (exit, _exit, a killing signal).
 * Both do nothing in a vfork child, which shares its parent's memory. */
void nd_process_flush_log(const char *end);
void nd_process_end(const char *end);
/* Around fork (init.c registers them): the count before, and in the child
 * its own lineage, pid and counters. */
void nd_process_before_fork(void);
void nd_process_fork_child(void);
uint64_t nd_process_forks(void);
uint64_t nd_process_spawns(void);
void nd_process_spawn_failed(void); /* an exec or spawn that started nothing */
int nd_process_in_vfork_child(void);
/* Builds a child's environment on the caller's stack: see process.c. */
/* Room for what the shim adds: ten configuration entries, LD_PRELOAD, the
 * lineage, the clock, the tree and the terminating NULL. */
#define ND_ENV_EXTRA 16
struct nd_child_env {
	char lineage[40];
	char clock[40];
	char tree[32];
	char preload[8192];
	char config[8][48];
	char log[4160];
	char exempt[1040];
};
char **nd_process_child_env(char *const envp[], char **out, size_t cap, struct nd_child_env *buf,
			    int without_shim);
size_t nd_process_env_count(char *const envp[]);

/* devices.c — file descriptors that stand for virtual devices. */
enum nd_fd_kind { ND_FD_NONE, ND_FD_RANDOM, ND_FD_UUID, ND_FD_BOOT_ID };
enum nd_fd_kind nd_device_match(const char *path);
int nd_device_adopt(int fd, enum nd_fd_kind kind, int flags);
void nd_device_forget(int fd);
void nd_device_copy(int from, int to);
void nd_device_scan_inherited(void);
#define ND_FD_MAX 65536
extern uint8_t nd_fd_kind[ND_FD_MAX];
static inline int nd_device_fd(int fd)
{
	return (unsigned)fd < ND_FD_MAX && nd_fd_kind[fd];
}
ssize_t nd_device_read(int fd, void *buf, size_t len, int64_t offset);
long nd_device_seek(int fd, int64_t off, int whence);

/* cpufiles.c: /proc/cpuinfo, /proc/stat, the sysfs CPU lists and cpu.max
 * answered for NODICE_CPUS CPUs: 0 when path is not one of them, else 1
 * with *fd a descriptor or -errno. */
int nd_cpufile_open(const char *path, int flags, int *fd);

/* stdio.c: a device inherited as fd 0 becomes the stdin stream. */
void nd_stdio_adopt_stdin(void);

/* random.c */
long nd_random_getrandom(void *buf, size_t len, unsigned flags);

/* clock.c */
int nd_clock_gettime(int clk, struct timespec *ts);

/* sleep.c */
int nd_sleep_ns(int clk, int flags, const struct timespec *req, struct timespec *rem);

/* prng.c */
void nd_prng_seed_once(void);

/* cpu.c */
void nd_cpu_fill(cpu_set_t *set, size_t size);
void nd_cpu_export_env(void);

/* target.c: records an event (log on) when `file` (searched in PATH when
 * `search`) is an executable the shim cannot load into; 1 when it is 32-bit. */
int nd_target_check(const char *file, int search, char *const envp[]);

/* signals.c: with the log on, flush it when a default-action signal kills;
 * signals the shim owns (its handler stays, the program's is chained). */
void nd_signals_start(void);
int nd_signals_own(int sig, void (*handler)(int, siginfo_t *, void *));
void nd_signals_chain(int sig, siginfo_t *info, void *ctx);
/* 1 when sig, sent to the calling thread now, would run a program handler
 * (not blocked in this thread, neither ignored nor default). */
int nd_signals_handled_here(int sig);

/* dispatch.c: inline system calls outside libc trapped (syscall user
 * dispatch) and served or performed; armed per thread. */
void nd_dispatch_start(void);
void nd_dispatch_thread_start(void);
long nd_dispatch_serve(long nr, long a, long b, long c, long d);

/* cpuid.c: CPUID faulting, where the machine has it, hides RDRAND/RDSEED;
 * nd_cpuid_emulate answers a trapped CPUID (1) from the SIGSEGV handler. */
void nd_cpuid_start(void);
int nd_cpuid_emulate(void *gregs);
extern int nd_dispatch_on;

/* vdso.c: points every vDSO entry at the shim; returns how many. */
int nd_vdso_start(void);

/* tsc.c: rdtsc/rdtscp trapped (PR_SET_TSC) and answered from the virtual
 * clock; re-enabled around every exec so a child that cannot load the shim
 * is not killed by its first rdtsc. */
void nd_tsc_start(void);
void nd_tsc_before_exec(void);
void nd_tsc_after_exec_failed(void);
/* prctl's PR_SET_TSC/PR_GET_TSC: 1 when handled, the result in *r. */
int nd_tsc_prctl(int option, unsigned long a, long *r);
extern int nd_tsc_trapped;

/* auxv.c: replaces the AT_RANDOM bytes with stream bytes. */
void nd_auxv_start(void);

/* aslr.c: re-executes the program once with ADDR_NO_RANDOMIZE; nd_aslr_on
 * tells whether randomization is still on in this image. */
void nd_aslr_off(char **argv);
extern int nd_aslr_on;

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
