/*
 * ChaCha20 with GCC vector extensions: the sixteen state words are held as
 * vectors, one lane per block, so the rounds cost a quarter (SSE2, any
 * x86-64) or an eighth (AVX2) of the scalar version per byte.
 * No tables, no branches on data, no allocation: safe in a signal handler.
 */
#include "chacha.h"

#include <string.h>

typedef uint32_t v4 __attribute__((vector_size(16)));

/* A two-vector lane shuffle, in GCC's and in clang's spelling. */
#if defined(__clang__)
#define SHUF(a, b, i0, i1, i2, i3) __builtin_shufflevector(a, b, i0, i1, i2, i3)
#else
#define SHUF(a, b, i0, i1, i2, i3) __builtin_shuffle(a, b, (v4){ i0, i1, i2, i3 })
#endif

#define ROTL(v, n) (((v) << (n)) | ((v) >> (32 - (n))))
#define QR(a, b, c, d)                                  \
	do {                                            \
		a += b; d ^= a; d = ROTL(d, 16);        \
		c += d; b ^= c; b = ROTL(b, 12);        \
		a += b; d ^= a; d = ROTL(d, 8);         \
		c += d; b ^= c; b = ROTL(b, 7);         \
	} while (0)

static const uint32_t sigma[4] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };

/* in[w] for w in 12..15 is given per lane; everything else is shared. The
 * rounds are written once and instantiated for 4 lanes (SSE2, every x86-64)
 * and 8 lanes (AVX2, chosen at start-up); both give the same blocks. */
#define ROUNDS(x)                                                               \
	for (int r = 0; r < 10; r++) {                                          \
		QR(x[0], x[4], x[8], x[12]);                                    \
		QR(x[1], x[5], x[9], x[13]);                                    \
		QR(x[2], x[6], x[10], x[14]);                                   \
		QR(x[3], x[7], x[11], x[15]);                                   \
		QR(x[0], x[5], x[10], x[15]);                                   \
		QR(x[1], x[6], x[11], x[12]);                                   \
		QR(x[2], x[7], x[8], x[13]);                                    \
		QR(x[3], x[4], x[9], x[14]);                                    \
	}

static void core4(const uint32_t key[8], const v4 tail[4], uint8_t out[ND_CHACHA_BATCH])
{
	v4 s[16], x[16];
	for (int i = 0; i < 4; i++)
		s[i] = (v4){ sigma[i], sigma[i], sigma[i], sigma[i] };
	for (int i = 0; i < 8; i++)
		s[4 + i] = (v4){ key[i], key[i], key[i], key[i] };
	for (int i = 0; i < 4; i++)
		s[12 + i] = tail[i];
	memcpy(x, s, sizeof(x));
	ROUNDS(x)
	/* Transpose 4x4 word groups so each block's words are contiguous. */
	for (int i = 0; i < 16; i += 4) {
		v4 a = x[i] + s[i], b = x[i + 1] + s[i + 1];
		v4 c = x[i + 2] + s[i + 2], d = x[i + 3] + s[i + 3];
		v4 ab_lo = SHUF(a, b, 0, 4, 1, 5);
		v4 ab_hi = SHUF(a, b, 2, 6, 3, 7);
		v4 cd_lo = SHUF(c, d, 0, 4, 1, 5);
		v4 cd_hi = SHUF(c, d, 2, 6, 3, 7);
		v4 lane[4] = {
			SHUF(ab_lo, cd_lo, 0, 1, 4, 5),
			SHUF(ab_lo, cd_lo, 2, 3, 6, 7),
			SHUF(ab_hi, cd_hi, 0, 1, 4, 5),
			SHUF(ab_hi, cd_hi, 2, 3, 6, 7),
		};
		for (int l = 0; l < 4; l++)
			memcpy(out + l * ND_CHACHA_BLOCK + 4 * i, &lane[l], sizeof(v4));
	}
}

typedef uint32_t v8 __attribute__((vector_size(32)));

/* Eight consecutive blocks from `counter`. */
__attribute__((target("avx2"))) static void core8(const uint32_t key[8], uint64_t counter,
						  uint64_t nonce, uint8_t out[2 * ND_CHACHA_BATCH])
{
	v8 s[16], x[16];
	for (int i = 0; i < 4; i++)
		s[i] = (v8){ sigma[i], sigma[i], sigma[i], sigma[i], sigma[i], sigma[i], sigma[i], sigma[i] };
	for (int i = 0; i < 8; i++)
		s[4 + i] = (v8){ key[i], key[i], key[i], key[i], key[i], key[i], key[i], key[i] };
	for (int lane = 0; lane < 8; lane++) {
		uint64_t c = counter + (uint64_t)lane;
		s[12][lane] = (uint32_t)c;
		s[13][lane] = (uint32_t)(c >> 32);
		s[14][lane] = (uint32_t)nonce;
		s[15][lane] = (uint32_t)(nonce >> 32);
	}
	memcpy(x, s, sizeof(x));
	ROUNDS(x)
	uint32_t words[16][8];
	for (int i = 0; i < 16; i++) {
		v8 v = x[i] + s[i];
		memcpy(words[i], &v, sizeof(v));
	}
	for (int lane = 0; lane < 8; lane++) {
		uint32_t block[16];
		for (int i = 0; i < 16; i++)
			block[i] = words[i][lane];
		memcpy(out + lane * ND_CHACHA_BLOCK, block, ND_CHACHA_BLOCK);
	}
}

static int use_avx2 = -1;

void nd_chacha_select(int allow_avx2)
{
	__builtin_cpu_init();
	use_avx2 = allow_avx2 && __builtin_cpu_supports("avx2");
}

void nd_chacha_block(const uint32_t key[8], const uint32_t in[4], uint8_t out[ND_CHACHA_BLOCK])
{
	uint8_t batch[ND_CHACHA_BATCH];
	v4 tail[4];
	for (int i = 0; i < 4; i++)
		tail[i] = (v4){ in[i], in[i], in[i], in[i] };
	core4(key, tail, batch);
	memcpy(out, batch, ND_CHACHA_BLOCK);
}

void nd_chacha_batch(const uint32_t key[8], uint64_t counter, uint64_t nonce,
		     uint8_t out[ND_CHACHA_BATCH])
{
	v4 lo, hi;
	for (int lane = 0; lane < 4; lane++) {
		uint64_t c = counter + (uint64_t)lane;
		lo[lane] = (uint32_t)c;
		hi[lane] = (uint32_t)(c >> 32);
	}
	uint32_t n0 = (uint32_t)nonce, n1 = (uint32_t)(nonce >> 32);
	v4 tail[4] = { lo, hi, { n0, n0, n0, n0 }, { n1, n1, n1, n1 } };
	core4(key, tail, out);
}

void nd_chacha_derive(const uint32_t key[8], uint64_t a, uint64_t b, uint32_t out[8])
{
	uint32_t in[4] = { (uint32_t)a, (uint32_t)(a >> 32), (uint32_t)b, (uint32_t)(b >> 32) };
	uint8_t block[ND_CHACHA_BLOCK];
	nd_chacha_block(key, in, block);
	memcpy(out, block, 32);
}

void nd_chacha_stream(const uint32_t key[8], uint64_t counter, uint64_t nonce, uint8_t *out,
		      size_t batches)
{
	if (use_avx2 < 0)
		nd_chacha_select(1);
	for (; use_avx2 && batches >= 2; batches -= 2, counter += 8, out += 2 * ND_CHACHA_BATCH)
		core8(key, counter, nonce, out);
	for (; batches; batches--, counter += 4, out += ND_CHACHA_BATCH)
		nd_chacha_batch(key, counter, nonce, out);
}
