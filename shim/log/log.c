/*
 * The event log: JSON Lines appended to NODICE_LOG by every process of a tree.
 *
 * Each process writes, when it exits, calls _exit or execs, one "process"
 * record and one "source" record per interposed symbol it used (served and
 * passed-through counts apart); the format is in docs/log-format.md. Each line
 * goes out in a single write() on an O_APPEND descriptor, so lines of
 * concurrent processes never interleave. The file is opened without following
 * symlinks, mode 0600, close-on-exec. Everything here is async-signal-safe:
 * raw system calls and stack buffers only, counters reset after each flush so
 * a failed exec does not count twice.
 */
#include "nodice.h"
#include "fmt.h"
#include "maps.h"

#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>

/* Lines hold a head (exe up to 4 KiB, argv[0] up to 1 KiB, escaped) and a
 * body; 16 KiB always fits. */
#define LINE 16384

struct nd_counter nd_counters[ND_SYM_COUNT];
uint64_t nd_trap_counts[ND_TRAP_COUNT];
static int trap_active[ND_TRAP_COUNT];
static const char *const trap_name[ND_TRAP_COUNT] = { "rdtsc", "rdtscp", "syscall", "vdso" };

void nd_log_trap_active(enum nd_trap t)
{
	trap_active[t] = 1;
}

struct event {
	char kind[32];
	char detail[480];
	uint64_t count;
	uint64_t written; /* already in the log (nd_log_uncontrolled_now) */
	int ready;
};
#define EVENTS 64
static struct event events[EVENTS];
static uint32_t nevents;
static uint64_t events_dropped;
uint64_t nd_first_seq;
static int flushing;
static char flush_exe[4096]; /* /proc/self/exe, read when the log is opened */

const char *const nd_sym_name[ND_SYM_COUNT] = {
#define ND_SYMBOL(name, family, header) #name,
#include "symbols.def"
#undef ND_SYMBOL
};

static const char *const sym_family[ND_SYM_COUNT] = {
#define ND_SYMBOL(name, family, header) #family,
#include "symbols.def"
#undef ND_SYMBOL
};

extern char *program_invocation_name;

static void emit(int fd, struct nd_buf *b, char *line);
#define head nd_log_head

void nd_log_reset(void)
{
	memset(nd_counters, 0, sizeof(nd_counters));
	memset(nd_trap_counts, 0, sizeof(nd_trap_counts));
	memset(events, 0, sizeof(events));
	nevents = 0;
	events_dropped = 0;
	nd_first_seq = 0;
	nd_sites_reset();
}

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
	head(&b, "uncontrolled");
	nd_fmt_str(&b, ",\"kind\":");
	nd_fmt_json(&b, e->kind);
	nd_fmt_str(&b, ",\"detail\":");
	nd_fmt_json(&b, e->detail);
	nd_fmt_str(&b, ",\"count\":");
	nd_fmt_u64(&b, count - e->written);
	e->written = count;
	emit(fd, &b, line);
}

static int open_log(void)
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
	if (!e || nd_state != 2 || !nd_cfg.log_path[0] || __atomic_load_n(&flushing, __ATOMIC_ACQUIRE))
		return;
	int fd = open_log();
	if (fd < 0)
		return;
	event_record(fd, e);
	nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
}

static void write_line(int fd, const char *text, long len)
{
	nd_sys(SYS_write, fd, (long)text, len, 0, 0, 0);
}

static void event_records(int fd)
{
	char line[LINE];
	for (uint32_t i = 0; i < nevents && i < EVENTS; i++)
		if (events[i].ready)
			event_record(fd, &events[i]);
	if (events_dropped) {
		struct nd_buf b = ND_BUF(line);
		head(&b, "uncontrolled");
		nd_fmt_str(&b, ",\"kind\":\"events-dropped\",\"detail\":\"more than 64 distinct events\",\"count\":");
		nd_fmt_u64(&b, events_dropped);
		emit(fd, &b, line);
	}
}

static void object_name(const char *path, size_t len, void *data)
{
	struct nd_buf *b = data;
	if (b->p[-1] != '[')
		nd_fmt_str(b, ",");
	nd_fmt_jsonn(b, path, len);
}

/* The files mapped executable now, for `nodice inspect` to scan. */
static void objects_record(int fd)
{
	static char line[65536];
	struct nd_buf b = ND_BUF(line);
	head(&b, "objects");
	nd_fmt_str(&b, ",\"paths\":[");
	nd_maps_objects(object_name, &b);
	nd_fmt_str(&b, "]");
	emit(fd, &b, line);
}

static void emit(int fd, struct nd_buf *b, char *line)
{
	nd_fmt_str(b, "}\n");
	if (!b->overflow)
		nd_sys(SYS_write, fd, (long)line, (long)(b->p - line), 0, 0, 0);
}


/* Every record names its process: pid, lineage, executable and argv[0]. */
void nd_log_head(struct nd_buf *b, const char *type)
{
	nd_fmt_str(b, "{\"type\":\"");
	nd_fmt_str(b, type);
	nd_fmt_str(b, "\",\"pid\":");
	nd_fmt_i64(b, nd_pid);
	nd_fmt_str(b, ",\"lineage\":\"");
	nd_fmt_hex(b, nd_lineage, 16);
	nd_fmt_str(b, "\",\"exe\":");
	nd_fmt_json(b, flush_exe);
	nd_fmt_str(b, ",\"argv0\":");
	size_t n = 0; /* argv[0] is bounded so that every line fits its buffer */
	while (program_invocation_name && program_invocation_name[n] && n < 1024)
		n++;
	nd_fmt_jsonn(b, program_invocation_name, n);
}

static void process_record(int fd, const char *end)
{
	char line[LINE];
	struct nd_buf b = ND_BUF(line);
	head(&b, "process");
	nd_fmt_str(&b, ",\"ppid\":");
	nd_fmt_i64(&b, nd_sys0(SYS_getppid));
	nd_fmt_str(&b, ",\"seed\":");
	nd_fmt_u64(&b, nd_cfg.seed);
	nd_fmt_str(&b, ",\"end\":\"");
	nd_fmt_str(&b, end);
	nd_fmt_str(&b, "\",\"vtime_ns\":");
	nd_fmt_u64(&b, nd_vclock_now());
	nd_fmt_str(&b, nd_aslr_on ? ",\"aslr\":\"on\"" : ",\"aslr\":\"off\"");
	nd_fmt_str(&b, ",\"forks\":");
	nd_fmt_u64(&b, nd_process_forks());
	nd_fmt_str(&b, ",\"spawns\":");
	nd_fmt_u64(&b, nd_process_spawns());
	nd_fmt_str(&b, ",\"traps\":[");
	for (int t = 0, n = 0; t < ND_TRAP_COUNT; t++)
		if (trap_active[t]) {
			nd_fmt_str(&b, n++ ? ",\"" : "\"");
			nd_fmt_str(&b, trap_name[t]);
			nd_fmt_str(&b, "\"");
		}
	nd_fmt_str(&b, "]");
	emit(fd, &b, line);
}

static void source_record(int fd, int s, int controlled, uint64_t count)
{
	char line[LINE];
	struct nd_buf b = ND_BUF(line);
	head(&b, "source");
	nd_fmt_str(&b, ",\"family\":\"");
	nd_fmt_str(&b, sym_family[s]);
	nd_fmt_str(&b, "\",\"symbol\":\"");
	nd_fmt_str(&b, nd_sym_name[s]);
	nd_fmt_str(&b, controlled ? "\",\"controlled\":true" : "\",\"controlled\":false");
	nd_fmt_str(&b, ",\"count\":");
	nd_fmt_u64(&b, count);
	if (controlled) {
		nd_fmt_str(&b, ",\"bytes\":");
		nd_fmt_u64(&b, nd_counters[s].bytes);
	}
	nd_fmt_str(&b, ",\"first\":");
	nd_fmt_u64(&b, nd_counters[s].first);
	emit(fd, &b, line);
}

void nd_log_flush(const char *end)
{
	if (nd_state != 2 || !nd_cfg.log_path[0] || nd_process_in_vfork_child())
		return;
	if (__atomic_exchange_n(&flushing, 1, __ATOMIC_ACQUIRE))
		return;
	int fd = open_log();
	if (fd >= 0) {
		process_record(fd, end);
		nd_maps_load();
		nd_sites_fold();
		for (int s = 0; s < ND_SYM_COUNT; s++) {
			struct nd_counter *c = &nd_counters[s];
			if (c->served)
				source_record(fd, s, 1, c->served);
			if (c->passed && strcmp(sym_family[s], "io") != 0)
				source_record(fd, s, 0, c->passed);
		}
		for (int t = 0; t < ND_TRAP_COUNT; t++)
			if (nd_trap_counts[t]) {
				char line[LINE];
				struct nd_buf b = ND_BUF(line);
				head(&b, "source");
				nd_fmt_str(&b, ",\"family\":\"trap\",\"symbol\":\"");
				nd_fmt_str(&b, trap_name[t]);
				nd_fmt_str(&b, "\",\"controlled\":true,\"count\":");
				nd_fmt_u64(&b, nd_trap_counts[t]);
				emit(fd, &b, line);
			}
		nd_sites_flush(fd, write_line);
		event_records(fd);
		objects_record(fd);
		nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
	}
	nd_log_reset();
	__atomic_store_n(&flushing, 0, __ATOMIC_RELEASE);
}
