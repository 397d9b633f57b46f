/*
 * Call-site table; see sites.h. 4096 slots, linear probing over at most 32,
 * keys (symbol, address) published with a compare-and-swap, counts added
 * with nd_add. A site that finds no slot is counted in `dropped`, which the
 * log reports, so a full table is never silent. Capturing a stack runs
 * libunwind, which may itself call interposed functions: a per-thread flag
 * keeps those calls out of the table.
 */
#include "nodice.h"
#include "logformat.h"
#include "sites.h"
#include "fmt.h"
#include "maps.h"
#include "pyframes.h"

#include <dlfcn.h>
#include <string.h>
#include <sys/syscall.h>

/* libunwind's unw_backtrace, loaded only when the log is on so that a
 * process that logs nothing does not map libunwind and liblzma. */
static int (*backtrace_fn)(void **buffer, int size);

void nd_sites_start(void)
{
	if (!nd_sites_on || backtrace_fn)
		return;
	void *h = dlopen(ND_UNWIND_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (h)
		backtrace_fn = (int (*)(void **, int))dlsym(h, "unw_backtrace");
	if (!backtrace_fn)
		nd_log_uncontrolled("sites-dropped", ND_UNWIND_SONAME " could not be loaded: call sites have no stacks");
	if (nd_py_start() < 0)
		nd_log_uncontrolled("python-frames", "this Python's frame layout is not known to nodice "
						     "(3.8 to 3.13 are): call sites show C frames only");
}

#define SLOTS 4096
#define PROBES 32
#define FRAMES 24
#define DEEP_CALLS 64 /* calls per site that get a full stack of their own */
#define DEEP_PYTHON 1024 /* the same for a site the interpreter reaches from many lines */

/*
 * Two kinds of entry share the table. A site entry (stack 0) counts every
 * call from one return address. The first DEEP_CALLS calls from it also
 * take a full stack and count under a stack entry keyed by that stack, so
 * different callers behind one libc or interpreter function (os.urandom
 * reached from CPython's start-up, and from NumPy's SeedSequence) are told
 * apart, while a hot site costs only a probe and an add after 64 calls.
 * A call on Python code is keyed by its Python frames instead (pyframes.h),
 * so each line of Python code behind one interpreter function is an entry
 * of its own; reading them costs far less than a C stack, which is taken
 * once per entry, so a site reached from Python keeps looking for 1024
 * calls: one C site of the interpreter (time.time's clock read) serves
 * every line of the program.
 */
struct site {
	uint64_t key; /* hash of (symbol, caller, stack hash); 0 = free */
	int ready;
	uint16_t sym;
	uint64_t caller;
	uint64_t stack;  /* 0 for a site entry */
	uint64_t count;  /* site entry: calls not counted in a stack entry */
	uint64_t deep;   /* site entry: calls that took a stack */
	uint32_t nframes;
	uintptr_t frames[FRAMES];
	int python;      /* site entry: some of its stacks had Python frames */
	int filled;      /* stack entry: frames written */
	uint32_t npy;
	struct nd_py_frame py[ND_PY_FRAMES];
};

int nd_sites_on;
static struct site table[SLOTS];
static uint64_t used[SLOTS / 64]; /* entries claimed since the last reset */
static uint64_t dropped;
uint32_t nd_sites_gen = 1; /* bumped by reset: invalidates the caches */
static ND_TLS int nd_sites_capturing;
ND_TLS struct nd_site_cache nd_sites_last;

static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

static struct site *find(uint64_t key, int sym, uint64_t caller, uint64_t stack)
{
	key |= 1; /* never 0 */
	for (int p = 0; p < PROBES; p++) {
		struct site *s = &table[(key + (uint64_t)p) & (SLOTS - 1)];
		uint64_t k = __atomic_load_n(&s->key, __ATOMIC_ACQUIRE);
		if (k == 0) {
			uint64_t zero = 0;
			if (__atomic_compare_exchange_n(&s->key, &zero, key, 0, __ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE)) {
				uint64_t i = (uint64_t)(s - table);
				__atomic_or_fetch(&used[i / 64], 1ULL << (i % 64), __ATOMIC_RELAXED);
				s->sym = (uint16_t)sym;
				s->caller = caller;
				s->stack = stack;
				__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
				return s;
			}
			k = zero;
		}
		if (k == key)
			return s;
	}
	nd_add(&dropped, 1);
	return NULL;
}

/* A full stack outside this library; returns its hash. */
static uint64_t take_stack(uintptr_t *frames, uint32_t *n)
{
	void *raw[FRAMES + 12];
	int got = 0;
	if (backtrace_fn) {
		/* libunwind locks its caches with pthread_mutex_lock, which is
		 * the shim's: counted as the program's, those calls moved the
		 * points where its threads take turns, and a run with the log on
		 * (inspect) went otherwise than without it (asyncio's watcher
		 * threads' clock reads, hence the order it heard its children) */
		nd_sites_capturing = 1;
		nd_sched_depth++;
		got = backtrace_fn(raw, FRAMES + 12);
		nd_sched_depth--;
		nd_sites_capturing = 0;
	}
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	uint32_t k = 0;
	for (int i = 0; i < got && k < FRAMES; i++)
		if (!nd_in_self(raw[i])) {
			frames[k++] = (uintptr_t)raw[i];
			h = mix(h ^ (uint64_t)(uintptr_t)raw[i]);
		}
	*n = k;
	return h | 1;
}

static uint64_t python_hash(const struct nd_py_raw *py, int n)
{
	uint64_t h = 0x7f4a7c159e3779b9ULL;
	for (int i = 0; i < n; i++)
		h = mix(h ^ mix((uint64_t)(uintptr_t)py[i].code ^ ((uint64_t)(uintptr_t)py[i].file << 7) ^
				((uint64_t)(uintptr_t)py[i].name << 13) ^ ((uint64_t)py[i].addr << 40)));
	return h | 1;
}

static uint64_t budget(const struct site *s)
{
	return __atomic_load_n(&s->python, __ATOMIC_RELAXED) ? DEEP_PYTHON : DEEP_CALLS;
}

/* A call the table cannot place is still counted, in the symbol's total. */
static void count_unplaced(int sym)
{
	struct nd_counter *c = &nd_counters[sym & ~ND_SITE_PASSED];
	nd_add(sym & ND_SITE_PASSED ? &c->passed : &c->served, 1);
}

void nd_site_note_slow(int sym, void *caller)
{
	if (nd_sites_capturing) {
		count_unplaced(sym);
		return;
	}
	uint64_t c = (uint64_t)(uintptr_t)caller;
	struct site *site;
	uint32_t gen = __atomic_load_n(&nd_sites_gen, __ATOMIC_RELAXED);
	if (nd_sites_last.caller == c && nd_sites_last.sym == sym && nd_sites_last.gen == gen) {
		site = nd_sites_last.site;
	} else {
		site = find(mix(c ^ ((uint64_t)sym << 48)), sym, c, 0);
		if (!site) {
			count_unplaced(sym);
			return;
		}
		nd_sites_last.caller = c;
		nd_sites_last.sym = sym;
		nd_sites_last.gen = gen;
		nd_sites_last.site = site;
		nd_sites_last.count = &site->count;
		nd_sites_last.hot = __atomic_load_n(&site->deep, __ATOMIC_RELAXED) >= budget(site);
	}
	if (__atomic_load_n(&site->deep, __ATOMIC_RELAXED) >= budget(site)) {
		nd_sites_last.hot = 1;
		nd_add(&site->count, 1);
		return;
	}
	nd_add(&site->deep, 1);
	/* A stack on Python code is keyed by its Python frames (cheap to read),
	 * and takes its C stack only the first time; any other by its C stack. */
	uintptr_t frames[FRAMES];
	uint32_t n = 0;
	struct nd_py_raw py[ND_PY_FRAMES];
	int npy = nd_py_take(py, ND_PY_FRAMES);
	uint64_t h;
	if (npy) {
		if (!__atomic_load_n(&site->python, __ATOMIC_RELAXED))
			__atomic_store_n(&site->python, 1, __ATOMIC_RELAXED);
		h = python_hash(py, npy);
	} else
		h = take_stack(frames, &n);
	struct site *st = find(mix(c ^ ((uint64_t)sym << 48) ^ h), sym, c, h);
	if (!st) {
		nd_add(&site->count, 1);
		return;
	}
	if (!__atomic_load_n(&st->filled, __ATOMIC_ACQUIRE)) {
		if (npy)
			take_stack(frames, &n);
		nd_py_resolve(py, npy, st->py);
		st->npy = (uint32_t)npy;
		for (uint32_t i = 0; i < n; i++)
			st->frames[i] = frames[i];
		__atomic_store_n(&st->nframes, n, __ATOMIC_RELEASE);
		__atomic_store_n(&st->filled, 1, __ATOMIC_RELEASE);
	}
	nd_add(&st->count, 1);
}

/* One frame as the file and the offset in it: the command turns the file
 * offset into a virtual address with the file's program headers. */
static void frame(struct nd_buf *b, uintptr_t addr)
{
	const char *path;
	size_t len;
	uint64_t off;
	if (nd_maps_locate(addr, &path, &len, &off) < 0) {
		nd_fmt_str(b, "{\"" ND_LK_OBJECT "\":\"?\",\"" ND_LK_ADDRESS "\":\"0x");
		nd_fmt_hexmin(b, addr);
		nd_fmt_str(b, "\"}");
		return;
	}
	nd_fmt_str(b, "{\"" ND_LK_OBJECT "\":");
	nd_fmt_jsonn(b, path, len);
	nd_fmt_str(b, ",\"" ND_LK_FILE_OFFSET "\":\"0x");
	nd_fmt_hexmin(b, off);
	nd_fmt_str(b, "\"}");
}

extern const char *const nd_sym_name[];

void nd_sites_fold(void)
{
	for (int i = 0; i < SLOTS; i++) {
		struct site *s = &table[i];
		if (!s->key || !s->ready || !s->count)
			continue;
		struct nd_counter *c = &nd_counters[s->sym & ~ND_SITE_PASSED];
		__atomic_add_fetch(s->sym & ND_SITE_PASSED ? &c->passed : &c->served, s->count, __ATOMIC_RELAXED);
	}
}

void nd_sites_flush(int fd, void (*line)(int fd, const char *text, long len))
{
	static char text[65536]; /* a head and up to 25 frames of 4 KiB paths */
	for (int i = 0; i < SLOTS; i++) {
		struct site *s = &table[i];
		if (!s->key || !s->ready || !s->count)
			continue;
		struct nd_buf b = ND_BUF(text);
		nd_log_head(&b, ND_LT_SITE);
		nd_fmt_str(&b, ",\"" ND_LK_SYMBOL "\":\"");
		nd_fmt_str(&b, nd_sym_name[s->sym & ~ND_SITE_PASSED]);
		nd_fmt_str(&b, s->sym & ND_SITE_PASSED ? "\",\"" ND_LK_CONTROLLED "\":false" : "\",\"" ND_LK_CONTROLLED "\":true");
		nd_fmt_str(&b, ",\"" ND_LK_COUNT "\":");
		nd_fmt_u64(&b, s->count);
		nd_fmt_str(&b, ",\"" ND_LK_FRAMES "\":[");
		frame(&b, (uintptr_t)s->caller);
		uint32_t nf = __atomic_load_n(&s->nframes, __ATOMIC_ACQUIRE);
		for (uint32_t f = 0; f < nf; f++) {
			if (s->frames[f] == (uintptr_t)s->caller)
				continue;
			nd_fmt_str(&b, ",");
			frame(&b, s->frames[f]);
		}
		nd_fmt_str(&b, "]");
		nd_py_format(&b, s->py, s->npy);
		nd_fmt_str(&b, "}\n");
		if (!b.overflow)
			line(fd, text, b.p - text);
	}
	if (dropped) {
		struct nd_buf b = ND_BUF(text);
		nd_log_head(&b, ND_LT_UNCONTROLLED);
		nd_fmt_str(&b, ",\"" ND_LK_KIND "\":\"sites-dropped\",\"" ND_LK_DETAIL "\":\"the call-site table was full; ");
		nd_fmt_u64(&b, dropped);
		nd_fmt_str(&b, " calls were counted without their site\"}\n");
		line(fd, text, b.p - text);
	}
}

/* Only the entries in use are cleared: zeroing the table in a fork child
 * would copy its megabyte, page by page (a millisecond per fork). */
void nd_sites_reset(void)
{
	for (size_t w = 0; w < SLOTS / 64; w++) {
		uint64_t bits = used[w];
		used[w] = 0;
		for (; bits; bits &= bits - 1)
			memset(&table[w * 64 + (size_t)__builtin_ctzll(bits)], 0, sizeof(table[0]));
	}
	dropped = 0;
	__atomic_add_fetch(&nd_sites_gen, 1, __ATOMIC_RELEASE);
}
