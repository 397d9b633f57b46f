/* chacha.c: the RFC 8439 known answer, and the batch and derive forms. */
#include <criterion/criterion.h>
#include <string.h>

#include "chacha.h"

/* RFC 8439, section 2.3.2: key 00..1f, counter 1, nonce 00000009 0000004a 00000000. */
Test(chacha, rfc8439_block_known_answer)
{
	uint32_t key[8];
	uint8_t kb[32];
	for (int i = 0; i < 32; i++)
		kb[i] = (uint8_t)i;
	memcpy(key, kb, 32);
	uint32_t in[4] = { 1, 0x09000000, 0x4a000000, 0 };
	static const uint8_t want[64] = {
		0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4,
		0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e,
		0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2,
		0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e,
	};
	uint8_t out[64];
	nd_chacha_block(key, in, out);
	cr_assert_arr_eq(out, want, 64);
}

Test(chacha, batch_is_four_consecutive_blocks)
{
	uint32_t key[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t batch[ND_CHACHA_BATCH], one[64];
	uint64_t counter = 0xfffffffeULL; /* crosses the 32-bit carry */
	nd_chacha_batch(key, counter, 42, batch);
	for (int i = 0; i < 4; i++) {
		uint64_t c = counter + (uint64_t)i;
		uint32_t in[4] = { (uint32_t)c, (uint32_t)(c >> 32), 42, 0 };
		nd_chacha_block(key, in, one);
		cr_assert_arr_eq(batch + 64 * i, one, 64, "block %d", i);
	}
}

Test(chacha, derive_separates_inputs)
{
	uint32_t key[8] = { 0 }, a[8], b[8], c[8], a2[8];
	nd_chacha_derive(key, 1, 2, a);
	nd_chacha_derive(key, 2, 1, b);
	nd_chacha_derive(key, 1, 3, c);
	nd_chacha_derive(key, 1, 2, a2);
	cr_assert_arr_eq(a, a2, sizeof(a));
	cr_assert_arr_neq(a, b, sizeof(a));
	cr_assert_arr_neq(a, c, sizeof(a));
}

Test(chacha, avx2_and_sse2_streams_are_identical)
{
	uint32_t key[8] = { 9, 8, 7, 6, 5, 4, 3, 2 };
	static uint8_t wide[ND_CHACHA_BATCH * 6], narrow[ND_CHACHA_BATCH * 6];
	nd_chacha_select(1);
	nd_chacha_stream(key, 0xfffffffcULL, 3, wide, 6);
	nd_chacha_select(0);
	nd_chacha_stream(key, 0xfffffffcULL, 3, narrow, 6);
	cr_assert_arr_eq(wide, narrow, sizeof(wide));
	for (int i = 0; i < 6; i++) {
		uint8_t one[ND_CHACHA_BATCH];
		nd_chacha_batch(key, 0xfffffffcULL + 4 * (uint64_t)i, 3, one);
		cr_assert_arr_eq(wide + i * ND_CHACHA_BATCH, one, ND_CHACHA_BATCH, "batch %d", i);
	}
}
