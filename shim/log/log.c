/*
 * The event log: JSON Lines appended to NODICE_LOG by every process of a tree.
 *
 * Each process writes, when it exits, calls _exit or execs, one "process"
 * record and one "source" record per interposed symbol it used (served and
 * passed-through counts apart), its call sites, its uncontrolled events and
 * the objects it had mapped; the format is in docs/log-format.md. What the
 * process record says about the process is handed in by the caller
 * (process.c), so the log depends on nothing above it. Counters reset after
 * each flush so a failed exec does not count twice. Async-signal-safe, like
 * record.c underneath.
 */
#include "nodice.h"
#include "logformat.h"
#include "fmt.h"
#include "maps.h"
#include "record.h"

#include <string.h>
#include <sys/syscall.h>

void nd_log_reset(void)
{
	memset(nd_counters, 0, sizeof(nd_counters));
	memset(nd_trap_counts, 0, sizeof(nd_trap_counts));
	nd_log_events_reset();
	nd_first_seq = 0;
	nd_sites_reset();
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
	nd_log_head(&b, ND_LT_OBJECTS);
	nd_fmt_str(&b, ",\"" ND_LK_PATHS "\":[");
	nd_maps_objects(object_name, &b);
	nd_fmt_str(&b, "]");
	nd_log_emit(fd, &b, line);
}

static void process_record(int fd, const char *end, const struct nd_log_process *p)
{
	char line[LINE];
	struct nd_buf b = ND_BUF(line);
	nd_log_head(&b, ND_LT_PROCESS);
	nd_fmt_str(&b, ",\"" ND_LK_FORMAT "\":");
	nd_fmt_u64(&b, ND_LOG_FORMAT);
	nd_fmt_str(&b, ",\"" ND_LK_PPID "\":");
	nd_fmt_i64(&b, nd_sys0(SYS_getppid));
	nd_fmt_str(&b, ",\"" ND_LK_SEED "\":");
	nd_fmt_u64(&b, nd_cfg.seed);
	nd_fmt_str(&b, ",\"" ND_LK_END "\":\"");
	nd_fmt_str(&b, end);
	nd_fmt_str(&b, "\",\"" ND_LK_VTIME_NS "\":");
	nd_fmt_u64(&b, p->vtime_ns);
	nd_fmt_str(&b, p->aslr_on ? ",\"" ND_LK_ASLR "\":\"on\"" : ",\"" ND_LK_ASLR "\":\"off\"");
	if (nd_cfg.parallel)
		nd_fmt_str(&b, ",\"" ND_LK_THREADS "\":\"parallel\"");
	nd_fmt_str(&b, ",\"" ND_LK_FORKS "\":");
	nd_fmt_u64(&b, p->forks);
	nd_fmt_str(&b, ",\"" ND_LK_SPAWNS "\":");
	nd_fmt_u64(&b, p->spawns);
	nd_fmt_str(&b, ",\"" ND_LK_TRAPS "\":[");
	for (int t = 0, n = 0; t < ND_TRAP_COUNT; t++)
		if (nd_log_traps_armed[t]) {
			nd_fmt_str(&b, n++ ? ",\"" : "\"");
			nd_fmt_str(&b, nd_trap_name[t]);
			nd_fmt_str(&b, "\"");
		}
	nd_fmt_str(&b, "]");
	nd_log_emit(fd, &b, line);
}

static void source_record(int fd, int s, int controlled, uint64_t count)
{
	char line[LINE];
	struct nd_buf b = ND_BUF(line);
	nd_log_head(&b, ND_LT_SOURCE);
	nd_fmt_str(&b, ",\"" ND_LK_FAMILY "\":\"");
	nd_fmt_str(&b, nd_families[nd_sym_family[s]].name);
	nd_fmt_str(&b, "\",\"" ND_LK_SYMBOL "\":\"");
	nd_fmt_str(&b, nd_sym_name[s]);
	nd_fmt_str(&b, controlled ? "\",\"" ND_LK_CONTROLLED "\":true" : "\",\"" ND_LK_CONTROLLED "\":false");
	nd_fmt_str(&b, ",\"" ND_LK_COUNT "\":");
	nd_fmt_u64(&b, count);
	if (controlled) {
		nd_fmt_str(&b, ",\"" ND_LK_BYTES "\":");
		nd_fmt_u64(&b, nd_counters[s].bytes);
	}
	nd_fmt_str(&b, ",\"" ND_LK_FIRST "\":");
	nd_fmt_u64(&b, nd_counters[s].first);
	nd_log_emit(fd, &b, line);
}

void nd_log_flush(const char *end, const struct nd_log_process *p)
{
	if (nd_state != 2 || !nd_cfg.log_path[0])
		return;
	if (__atomic_exchange_n(&nd_log_flushing, 1, __ATOMIC_ACQUIRE))
		return;
	int fd = nd_log_open();
	if (fd >= 0) {
		process_record(fd, end, p);
		nd_maps_load();
		nd_sites_fold();
		for (int s = 0; s < ND_SYM_COUNT; s++) {
			struct nd_counter *c = &nd_counters[s];
			if (c->served)
				source_record(fd, s, 1, c->served);
			if (c->passed && nd_families[nd_sym_family[s]].log_passed)
				source_record(fd, s, 0, c->passed);
		}
		for (int t = 0; t < ND_TRAP_COUNT; t++)
			if (nd_trap_counts[t]) {
				char line[LINE];
				struct nd_buf b = ND_BUF(line);
				nd_log_head(&b, ND_LT_SOURCE);
				nd_fmt_str(&b, ",\"" ND_LK_FAMILY "\":\"");
				nd_fmt_str(&b, nd_families[ND_FAM_trap].name);
				nd_fmt_str(&b, "\",\"" ND_LK_SYMBOL "\":\"");
				nd_fmt_str(&b, nd_trap_name[t]);
				nd_fmt_str(&b, "\",\"" ND_LK_CONTROLLED "\":true,\"" ND_LK_COUNT "\":");
				nd_fmt_u64(&b, nd_trap_counts[t]);
				nd_log_emit(fd, &b, line);
			}
		nd_sites_flush(fd, nd_log_write_line);
		nd_log_event_records(fd);
		objects_record(fd);
		nd_sys(SYS_close, fd, 0, 0, 0, 0, 0);
	}
	nd_log_reset();
	__atomic_store_n(&nd_log_flushing, 0, __ATOMIC_RELEASE);
}
