/*
 * Seeded streams.
 *
 * One master key comes from the experiment seed. Every (process lineage,
 * family, thread) triple gets its own ChaCha20 key derived from it, and each
 * stream is that key's keystream, read in order. So the bytes a thread draws
 * for getrandom do not move when it also reads /dev/urandom, a forked child
 * does not repeat its parent, and a new thread does not shift the others.
 *
 *   master  = "nodice-stream-v1" || seed || 0^64
 *   proc    = derive(master, lineage, IMAGE)          (per process image)
 *   key     = derive(derive(proc, family, 0), thread, 0)
 *
 * Per-thread state lives in initial-exec TLS (no allocation, no lock). A
 * generation number invalidates every thread's keys when the lineage changes
 * (fork child). A signal handler that draws while the same thread is inside
 * a draw gets a separate nested state, so neither sees the other's bytes.
 */
#include "nodice.h"
#include "stream.h"
#include "chacha.h"

#include <string.h>
#include <sys/syscall.h>

struct state {
	uint32_t key[8];
	uint64_t counter;
	uint32_t gen;
	uint32_t pos;
	uint8_t buf[ND_CHACHA_BATCH];
};

struct thread {
	uint64_t id;
	uint32_t children;
	int known;
	int depth;
	struct state s[2][ND_STREAM_COUNT]; /* [nested][family] */
};

static uint32_t master[8];
static uint32_t process_key[8];
static uint32_t generation = 1;
static uint64_t anon_threads;
static ND_TLS struct thread self;

void nd_stream_setup(uint64_t seed)
{
	static const char tag[16] = "nodice-stream-v1";
	memcpy(master, tag, 16);
	master[4] = (uint32_t)seed;
	master[5] = (uint32_t)(seed >> 32);
	master[6] = master[7] = 0;
}

uint64_t nd_stream_derive(uint64_t a, uint64_t b)
{
	uint32_t out[8];
	nd_chacha_derive(master, a, b, out);
	return (uint64_t)out[0] | (uint64_t)out[1] << 32;
}

void nd_stream_set_lineage(uint64_t lineage)
{
	nd_chacha_derive(master, lineage, ND_TAG(ND_TAG_IMAGE), process_key);
	__atomic_add_fetch(&generation, 1, __ATOMIC_RELEASE);
}

/* A thread that was not started through our pthread_create (glibc-internal
 * helpers, or threads from before the shim was ready) gets an identity in
 * order of first draw, which is not controlled: it is counted as passed. */
static void identify(void)
{
	self.known = 1;
	if (nd_sys0(SYS_gettid) == nd_sys0(SYS_getpid))
		return;
	nd_mark_threaded();
	uint64_t n = __atomic_add_fetch(&anon_threads, 1, __ATOMIC_RELAXED);
	self.id = nd_stream_derive(n, ND_TAG(ND_TAG_ANON_THREAD));
	nd_log_passed(ND_SYM_pthread_create);
}

static void rekey(struct state *st, enum nd_stream s, int nested, uint32_t gen)
{
	uint32_t fam[8];
	if (!self.known)
		identify();
	nd_chacha_derive(process_key, (uint64_t)s, (uint64_t)nested, fam);
	nd_chacha_derive(fam, self.id, 0, st->key);
	st->counter = 0;
	st->pos = ND_CHACHA_BATCH;
	st->gen = gen;
}

void nd_stream_fill(enum nd_stream s, void *buf, size_t len)
{
	int nested = self.depth++ > 0;
	struct state *st = &self.s[nested][s];
	uint32_t gen = __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
	uint8_t *out = buf;

	if (ND_UNLIKELY(st->gen != gen))
		rekey(st, s, nested, gen);
	while (len) {
		if (st->pos == ND_CHACHA_BATCH) {
			if (len >= ND_CHACHA_BATCH) {
				/* Whole batches go straight to the caller. */
				size_t n = len / ND_CHACHA_BATCH;
				nd_chacha_stream(st->key, st->counter, 0, out, n);
				st->counter += 4 * n;
				out += n * ND_CHACHA_BATCH;
				len -= n * ND_CHACHA_BATCH;
				continue;
			}
			nd_chacha_batch(st->key, st->counter, 0, st->buf);
			st->counter += 4;
			st->pos = 0;
		}
		size_t n = ND_CHACHA_BATCH - st->pos;
		if (n > len)
			n = len;
		memcpy(out, st->buf + st->pos, n);
		st->pos += (uint32_t)n;
		out += n;
		len -= n;
	}
	self.depth--;
}

uint64_t nd_stream_u64(enum nd_stream s)
{
	uint64_t v;
	nd_stream_fill(s, &v, sizeof(v));
	return v;
}

void nd_stream_thread_adopt(uint64_t id)
{
	self.id = id;
	self.known = 1;
	self.children = 0;
	for (int n = 0; n < 2; n++)
		for (int s = 0; s < ND_STREAM_COUNT; s++)
			self.s[n][s].gen = 0;
}

uint64_t nd_stream_thread_next(void)
{
	if (!self.known)
		identify();
	return nd_stream_derive(self.id, ND_TAG(ND_TAG_THREAD) | ++self.children);
}
