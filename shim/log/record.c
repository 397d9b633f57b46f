/*
 * The log's records: what every part of the shim writes through. The
 * counters the interposers bump (log.h), the table of uncontrolled events,
 * the head that names the process in every record, and the single write()
 * per line on an O_APPEND descriptor, so lines of concurrent processes never
 * interleave. The file is opened without following symlinks, mode 0600,
 * close-on-exec. Everything here is async-signal-safe: raw system calls and
 * stack buffers only. It knows nothing above the core: the flush (log.c)
 * and the call sites (sites.c) build on it.
 */
#include "nodice.h"
#include "logformat.h"
#include "fmt.h"
#include "record.h"
#include "pyframes.h"

#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>

struct nd_counter nd_counters[ND_SYM_COUNT];
uint64_t nd_trap_counts[ND_TRAP_COUNT];
int nd_log_traps_armed[ND_TRAP_COUNT];
const char *const nd_trap_name[ND_TRAP_COUNT] = { "rdtsc", "rdtscp", "syscall", "vdso" };

void nd_log_trap_active(enum nd_trap t)
{
	nd_log_traps_armed[t] = 1;
}

struct event {
	char kind[32];
	char detail[480];
	uint64_t count;
	uint64_t written; /* already in the log (nd_log_uncontrolled_now) */
	int ready;
	uint32_t npy;     /* the Python lines of its first occurrence (log on) */
	struct nd_py_frame py[ND_PY_FRAMES];
};
#define EVENTS 64
static struct event events[EVENTS];
static uint32_t nevents;
static uint64_t events_dropped;
uint64_t nd_first_seq;
int nd_log_flushing;
static char flush_exe[4096]; /* /proc/self/exe, read when the log is opened */

const char *const nd_sym_name[ND_SYM_COUNT] = {
#define ND_SYMBOL(name, family, header) #name,
#include "symbols.def"
#undef ND_SYMBOL
};

const enum nd_family nd_sym_family[ND_SYM_COUNT] = {
#define ND_SYMBOL(name, family, header) ND_FAM_##family,
#include "symbols.def"
#undef ND_SYMBOL
};

extern char *program_invocation_name;

static void copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* Counts the event; its slot, or NULL when the table is full. */
static struct event *record(const char *kind, const char *detail)
{
	uint32_t n = __atomic_load_n(&nevents, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < n && i < EVENTS; i++) {
		struct event *e = &events[i];
		if (__atomic_load_n(&e->ready, __ATOMIC_ACQUIRE) && strcmp(e->kind, kind) == 0 &&
		    strncmp(e->detail, detail, sizeof(e->detail) - 1) == 0) {
			nd_add(&e->count, 1);
			return e;
		}
	}
	uint32_t i = __atomic_fetch_add(&nevents, 1, __ATOMIC_ACQ_REL);
	if (i >= EVENTS) {
		nd_add(&events_dropped, 1);
		return NULL;
	}
	copy(events[i].kind, sizeof(events[i].kind), kind);
	copy(events[i].detail, sizeof(events[i].detail), detail);
	events[i].count = 1;
	if (nd_cfg.log_path[0]) {
		struct nd_py_raw raw[ND_PY_FRAMES];
		int got = nd_py_take(raw, ND_PY_FRAMES);
		nd_py_resolve(raw, got, events[i].py);
		events[i].npy = (uint32_t)got;
	}
	__atomic_store_n(&events[i].ready, 1, __ATOMIC_RELEASE);
	return &events[i];
}

void nd_log_uncontrolled(const char *kind, const char *detail)
{
	record(kind, detail);
}

static void event_record(int fd, struct event *e)
{
	char line[LINE];
	uint64_t count = __atomic_load_n(&e->count, __ATOMIC_RELAXED);
	if (count <= e->written)
		return;
	struct nd_buf b = ND_BUF(line);
	nd_log_head(&b, ND_LT_UNCONTROLLED);
	nd_fmt_str(&b, ",\"" ND_LK_KIND "\":");
	nd_fmt_json(&b, e->kind);
	nd_fmt_str(&b, ",\"" ND_LK_DETAIL "\":");
	nd_fmt_json(&b, e->detail);
	nd_fmt_str(&b, ",\"" ND_LK_COUNT "\":");
	nd_fmt_u64(&b, count - e->written);
	nd_py_format(&b, e->py, e->npy);
	e->written = count;
	nd_log_emit(fd, &b, line);
}

/* Only the entries in use are cleared: a fork child that zeroed the whole
 * table would copy every page of it. */
void nd_log_events_reset(void)
{
	uint32_t n = nevents < EVENTS ? nevents : EVENTS;
	memset(events, 0, n * sizeof(events[0]));
	nevents = 0;
	events_dropped = 0;
}

void nd_log_emit(int fd, struct nd_buf *b, char *line)
{
	nd_fmt_str(b, "}\n");
	if (!b->overflow)
		nd_sys(SYS_write, fd, (long)line, (long)(b->p - line), 0, 0, 0);
}


int nd_log_open(void)
{
	int fd = (int)nd_sys(SYS_openat, AT_FDCWD, (long)nd_cfg.log_path,
			     O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600, 0, 0);
	if (fd >= 0) {
		long n = nd_sys(SYS_readlink, (long)"/proc/self/exe", (long)flush_exe, sizeof(flush_exe) - 1, 0, 0, 0);
		flush_exe[n > 0 ? n : 0] = 0;
	}
	return fd;
}

void nd_log_uncontrolled_now(const char *kind, const char *detail)
{
	struct event *e = record(kind, detail);
	if (!e || nd_state != 2 || !nd_cfg.log_path[0] || __atomic_load_n(&nd_log_flushing, __ATOMIC_ACQUIRE))
		return;
	int fd = nd_log_open();
	if (fd < 0)
		return;
	event_record(fd, e);
	nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
}

void nd_log_knob(const char *name, const char *value, const char *set_by)
{
	if (nd_state != 2 || !nd_cfg.log_path[0])
		return;
	int fd = nd_log_open();
	if (fd < 0)
		return;
	char line[LINE];
	struct nd_buf b = ND_BUF(line);
	nd_log_head(&b, ND_LT_KNOB);
	nd_fmt_str(&b, ",\"" ND_LK_NAME "\":");
	nd_fmt_json(&b, name);
	nd_fmt_str(&b, ",\"" ND_LK_VALUE "\":");
	nd_fmt_json(&b, value);
	nd_fmt_str(&b, ",\"" ND_LK_SET_BY "\":");
	nd_fmt_json(&b, set_by);
	nd_log_emit(fd, &b, line);
	nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
}

void nd_log_write_line(int fd, const char *text, long len)
{
	nd_sys(SYS_write, fd, (long)text, len, 0, 0, 0);
}

void nd_log_event_records(int fd)
{
	char line[LINE];
	for (uint32_t i = 0; i < nevents && i < EVENTS; i++)
		if (events[i].ready)
			event_record(fd, &events[i]);
	if (events_dropped) {
		struct nd_buf b = ND_BUF(line);
		nd_log_head(&b, ND_LT_UNCONTROLLED);
		nd_fmt_str(&b, ",\"" ND_LK_KIND "\":\"events-dropped\",\"" ND_LK_DETAIL "\":\"more than 64 distinct events\",\"" ND_LK_COUNT "\":");
		nd_fmt_u64(&b, events_dropped);
		nd_log_emit(fd, &b, line);
	}
}

/* Every record names its process: pid, lineage, executable and argv[0]. */
void nd_log_head(struct nd_buf *b, const char *type)
{
	nd_fmt_str(b, "{\"" ND_LK_TYPE "\":\"");
	nd_fmt_str(b, type);
	nd_fmt_str(b, "\",\"" ND_LK_PID "\":");
	nd_fmt_i64(b, nd_pid);
	nd_fmt_str(b, ",\"" ND_LK_LINEAGE "\":\"");
	nd_fmt_hex(b, nd_lineage, 16);
	nd_fmt_str(b, "\",\"" ND_LK_EXE "\":");
	nd_fmt_json(b, flush_exe);
	nd_fmt_str(b, ",\"" ND_LK_ARGV0 "\":");
	size_t n = 0; /* argv[0] is bounded so that every line fits its buffer */
	while (program_invocation_name && program_invocation_name[n] && n < 1024)
		n++;
	nd_fmt_jsonn(b, program_invocation_name, n);
}

