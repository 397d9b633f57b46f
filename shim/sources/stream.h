/* stream: seeded streams. */
#ifndef ND_STREAM_H
#define ND_STREAM_H

#include <stddef.h>
#include <stdint.h>

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
enum { ND_TAG_IMAGE = 1, ND_TAG_FORK, ND_TAG_EXEC, ND_TAG_THREAD, ND_TAG_ANON_THREAD, ND_TAG_BOOT, ND_TAG_RANK, ND_TAG_PID, ND_TAG_KNOB };

#endif
