/*
 * Python frames for call sites; see pyframes.h. Every pointer read is
 * checked before it is followed: a code object and a string must have
 * CPython's own type pointer, a walk stops after 256 frames, and anything
 * unexpected ends the walk with what was read so far. A read that faults
 * anyway — a signal handler that interrupted CPython between publishing a
 * new C frame and linking its first Python frame (3.11's eval loop sets
 * tstate->cframe a few instructions before cframe.current_frame) — is
 * caught: the shim's SIGSEGV handler (traps/tsc.c) asks nd_py_fault, which
 * jumps back out of the walk, and the call gets C frames only. Names are interned
 * into one pool (1 MiB, bump-allocated with an atomic add, a 4096-entry
 * table keyed by the name's hash and claimed with a compare-and-swap), so
 * recording a frame never allocates and never locks; a full pool gives "?".
 */
#include "nodice.h"
#include "fmt.h"
#include "logformat.h"
#include "pyframes.h"
#include "pylayout.h"

#include <dlfcn.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>

static const struct nd_py_layout *L;
static void *(*this_thread_state)(void);
static int (*is_initialized)(void);
static void *(*main_interp)(void);
static int (*addr2line)(void *code, int addr);
static const void *code_type, *str_type;

int nd_py_start(void)
{
	const char *(*version)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "Py_GetVersion");
	if (!version)
		return 0; /* no interpreter in this program */
	this_thread_state = (void *(*)(void))dlsym(RTLD_DEFAULT, "PyGILState_GetThisThreadState");
	is_initialized = (int (*)(void))dlsym(RTLD_DEFAULT, "Py_IsInitialized");
	main_interp = (void *(*)(void))dlsym(RTLD_DEFAULT, "PyInterpreterState_Main");
	addr2line = (int (*)(void *, int))dlsym(RTLD_DEFAULT, "PyCode_Addr2Line");
	code_type = dlsym(RTLD_DEFAULT, "PyCode_Type");
	str_type = dlsym(RTLD_DEFAULT, "PyUnicode_Type");
	const char *v = version();
	char *end;
	long major = strtol(v, &end, 10), minor = *end == '.' ? strtol(end + 1, NULL, 10) : -1;
	for (size_t i = 0; i < sizeof(nd_py_layouts) / sizeof(nd_py_layouts[0]); i++)
		if (nd_py_layouts[i].major == major && nd_py_layouts[i].minor == minor)
			L = &nd_py_layouts[i];
	if (L && !(this_thread_state && is_initialized && main_interp && addr2line && code_type && str_type))
		L = NULL;
	return L ? 0 : -1;
}

#define AT(p, off, type) (*(type *)((const char *)(p) + (off)))

static int is_a(const void *obj, const void *type)
{
	return obj && ((uintptr_t)obj & 7) == 0 && AT(obj, 8, const void *) == type;
}

/* A str's text: ASCII data in place, else its UTF-8 copy when it has one,
 * else its code points encoded here. Returns the length written to out. */
static size_t text_of(const void *s, char *out, size_t size)
{
	if (!is_a(s, str_type))
		return 0;
	uint32_t state = AT(s, L->str_state, uint32_t);
	int64_t len = AT(s, L->str_length, int64_t);
	unsigned kind = (state >> 2) & 7, compact = (state >> 5) & 1, ascii = (state >> 6) & 1;
	if (!compact || len < 0)
		return 0;
	if (ascii) {
		size_t n = (size_t)len < size ? (size_t)len : size;
		memcpy(out, (const char *)s + L->ascii_size, n);
		return n;
	}
	const char *utf8 = AT(s, L->compact_utf8, const char *);
	if (utf8) {
		size_t n = strnlen(utf8, size);
		memcpy(out, utf8, n);
		return n;
	}
	const unsigned char *d = (const unsigned char *)s + L->compact_size;
	size_t n = 0;
	for (int64_t i = 0; i < len; i++) {
		uint32_t c = kind == 1 ? d[i] : kind == 2 ? ((const uint16_t *)d)[i] : ((const uint32_t *)d)[i];
		char u[4];
		size_t k = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
		if (k == 1)
			u[0] = (char)c;
		else {
			for (size_t j = k - 1; j > 0; j--, c >>= 6)
				u[j] = (char)(0x80 | (c & 0x3f));
			u[0] = (char)((k == 2 ? 0xc0 : k == 3 ? 0xe0 : 0xf0) | c);
		}
		if (n + k > size)
			break;
		memcpy(out + n, u, k);
		n += k;
	}
	return n;
}

/* CPython hides its import machinery's frames from tracebacks; so do we, or
 * the five frames of an import would push the importing line out of eight. */
static int bootstrap(const void *code)
{
	static const char frozen[] = "<frozen importlib._bootstrap";
	char name[sizeof(frozen) - 1];
	return text_of(AT(code, L->code_filename, const void *), name, sizeof(name)) == sizeof(name) &&
	       !memcmp(name, frozen, sizeof(name));
}

/* The walk in progress on this thread, and the signal mask of the moment
 * a read faulted (restored after the jump: the handler ran with SIGSEGV
 * blocked, and a blocked SIGSEGV from the next fault would kill). */
static ND_TLS sigjmp_buf *walking;
static ND_TLS uint64_t walking_mask;

int nd_py_fault(void *ctx)
{
	sigjmp_buf *back = walking;
	if (!back)
		return 0;
	walking = NULL;
	memcpy(&walking_mask, &((ucontext_t *)ctx)->uc_sigmask, sizeof(walking_mask));
	siglongjmp(*back, 1);
}

static int take(struct nd_py_raw *raw, int max);

int nd_py_take(struct nd_py_raw *raw, int max)
{
	if (!L || !is_initialized())
		return 0;
	sigjmp_buf here, *volatile outer = walking; /* a handler's walk inside another's */
	if (sigsetjmp(here, 0)) {
		nd_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&walking_mask, 0, sizeof(walking_mask), 0, 0);
		walking = outer;
		return 0;
	}
	walking = &here;
	int n = take(raw, max);
	walking = outer;
	return n;
}

static int take(struct nd_py_raw *raw, int max)
{
	const char *ts = this_thread_state();
	if (!ts || AT(ts, L->ts_interp, void *) != main_interp())
		return 0;
	const char *f = AT(ts, L->ts_frame, const char *);
	if (f && L->cframe_current >= 0)
		f = AT(f, L->cframe_current, const char *);
	int n = 0;
	for (int hops = 0; f && n < max && hops < 256; hops++, f = AT(f, L->frame_back, const char *)) {
		if (L->frame_owner >= 0 && AT(f, L->frame_owner, char) == 3)
			continue; /* the C stack's entry frame (3.12+) */
		const char *code = AT(f, L->frame_code, const char *);
		if (!is_a(code, code_type))
			continue; /* 3.13: not every frame runs a code object */
		int64_t addr;
		if (L->code_adaptive < 0) {
			int lasti = AT(f, L->frame_instr, int);
			addr = lasti < 0 ? -1 : L->minor >= 10 ? lasti * 2 : lasti;
		} else {
			const char *ip = AT(f, L->frame_instr, const char *), *start = code + L->code_adaptive;
			if (AT(f, L->frame_owner, char) != 1 && ip < start + 2 * AT(code, L->code_firsttraceable, int))
				continue; /* not started yet: no line */
			addr = ip - start;
		}
		if (bootstrap(code))
			continue;
		raw[n].code = code;
		raw[n].file = AT(code, L->code_filename, const void *);
		raw[n].name = AT(code, L->code_name, const void *);
		raw[n].addr = addr;
		n++;
	}
	return n;
}

#define POOL (1 << 20)
#define NAMES 4096
static char pool[POOL]; /* offset 0 is "no name" */
static uint32_t pool_used = 1;
static uint64_t name_key[NAMES];
static uint32_t name_off[NAMES];

const char *nd_py_text(uint32_t off)
{
	return off && off < POOL ? pool + off : "?";
}

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h | 1;
}

static uint32_t intern(const char *s, size_t n)
{
	uint64_t h = hash(s, n);
	uint64_t *slot = NULL;
	for (int p = 0; p < 16 && !slot; p++) {
		size_t i = (h + (uint64_t)p) & (NAMES - 1);
		uint64_t k = __atomic_load_n(&name_key[i], __ATOMIC_ACQUIRE), zero = 0;
		if (k == h) {
			uint32_t off = __atomic_load_n(&name_off[i], __ATOMIC_ACQUIRE);
			if (off)
				return off;
			break; /* being written by another thread: keep a copy of our own */
		}
		if (!k && __atomic_compare_exchange_n(&name_key[i], &zero, h, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			slot = &name_key[i];
	}
	uint32_t off = __atomic_fetch_add(&pool_used, (uint32_t)n + 1, __ATOMIC_RELAXED);
	if (off + n + 1 > POOL)
		return 0;
	memcpy(pool + off, s, n);
	pool[off + n] = 0;
	if (slot)
		__atomic_store_n(&name_off[slot - name_key], off, __ATOMIC_RELEASE);
	return off;
}

void nd_py_format(struct nd_buf *b, const struct nd_py_frame *f, uint32_t n)
{
	if (!n)
		return;
	nd_fmt_str(b, ",\"" ND_LK_PYTHON "\":[");
	for (uint32_t i = 0; i < n; i++) {
		const char *file = nd_py_text(f[i].file), *fn = nd_py_text(f[i].function);
		nd_fmt_str(b, i ? ",{\"" ND_LK_FILE "\":" : "{\"" ND_LK_FILE "\":");
		nd_fmt_jsonn(b, file, strlen(file));
		nd_fmt_str(b, ",\"" ND_LK_LINE "\":");
		nd_fmt_u64(b, f[i].line > 0 ? (uint64_t)f[i].line : 0);
		nd_fmt_str(b, ",\"" ND_LK_FUNCTION "\":");
		nd_fmt_jsonn(b, fn, strlen(fn));
		nd_fmt_str(b, "}");
	}
	nd_fmt_str(b, "]");
}

void nd_py_resolve(const struct nd_py_raw *raw, int n, struct nd_py_frame *out)
{
	char text[1024];
	sigjmp_buf here, *volatile outer = walking;
	if (sigsetjmp(here, 0)) {
		nd_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&walking_mask, 0, sizeof(walking_mask), 0, 0);
		walking = outer;
		for (int i = 0; i < n; i++)
			out[i].file = out[i].function = 0, out[i].line = 0; /* "?" */
		return;
	}
	walking = &here;
	for (int i = 0; i < n; i++) {
		const void *code = raw[i].code;
		size_t len = text_of(raw[i].file, text, sizeof(text));
		out[i].file = len ? intern(text, len) : 0;
		len = text_of(raw[i].name, text, sizeof(text));
		out[i].function = len ? intern(text, len) : 0;
		out[i].line = addr2line((void *)code, (int)raw[i].addr);
	}
	walking = outer;
}
