/*
 * ChaCha20 (D. J. Bernstein; RFC 8439's block function) — the only generator
 * behind every seeded stream. Four blocks are computed at once in SIMD lanes.
 */
#ifndef ND_CHACHA_H
#define ND_CHACHA_H

#include <stddef.h>
#include <stdint.h>

#define ND_CHACHA_BLOCK 64
#define ND_CHACHA_BATCH (4 * ND_CHACHA_BLOCK)

/* One block: words 12..15 of the input state are `in` (RFC 8439: counter, nonce). */
void nd_chacha_block(const uint32_t key[8], const uint32_t in[4], uint8_t out[ND_CHACHA_BLOCK]);

/* Four consecutive blocks with a 64-bit block counter and a 64-bit nonce. */
void nd_chacha_batch(const uint32_t key[8], uint64_t counter, uint64_t nonce,
		     uint8_t out[ND_CHACHA_BATCH]);

/* `batches` * ND_CHACHA_BATCH bytes of keystream from block `counter` on, the
 * same bytes whichever instruction set computes them. */
void nd_chacha_stream(const uint32_t key[8], uint64_t counter, uint64_t nonce, uint8_t *out,
		      size_t batches);

/* Chooses the widest implementation the CPU has (allow_avx2 = 0 forces SSE2). */
void nd_chacha_select(int allow_avx2);

/* A keyed function of two 64-bit words, giving a new 256-bit key. */
void nd_chacha_derive(const uint32_t key[8], uint64_t a, uint64_t b, uint32_t out[8]);

#endif
