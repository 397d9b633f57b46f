/* random.c and syscall.c: the entropy family. */
#include "probe_assert.h"

Test(random, every_entropy_call_repeats_and_moves_with_seed)
{
	struct spawn_result out[2];
	probe_twice_and_other("entropy", out);
	static const char *keys[] = { "getrandom", "getentropy", "arc4random_buf", "arc4random",
				      "syscall_getrandom" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_moves_with_seed(out, keys[i]);
	cr_assert_str_eq(spawn_field(out[0].out, "getrandom_ret"), "16");
	cr_assert_str_eq(spawn_field(out[0].out, "syscall_ret"), "16");
	cr_assert_lt(atoi(spawn_field(out[0].out, "arc4random_uniform")), 1000);
	spawn_free(&out[0]);
	spawn_free(&out[1]);
}

Test(random, calls_draw_distinct_bytes)
{
	struct spawn_result r = spawn_probe("entropy", "7");
	char first[64];
	snprintf(first, sizeof(first), "%s", spawn_field(r.out, "getrandom"));
	cr_assert_str_neq(first, spawn_field(r.out, "getentropy"));
	cr_assert_str_neq(first, spawn_field(r.out, "syscall_getrandom"));
	spawn_free(&r);
}

Test(random, device_reads_do_not_shift_the_entropy_stream)
{
	struct spawn_result a = spawn_probe("entropy", "7");
	struct spawn_result b = spawn_probe("entropy-after-devices", "7");
	cr_assert_str_eq(a.out, b.out);
	spawn_free(&a);
	spawn_free(&b);
}

Test(random, errors_keep_the_libc_contract)
{
	struct spawn_result r = spawn_probe("errors", "7");
	cr_assert_eq(r.status, 0);
	cr_assert_null(strstr(r.out, "WRONG"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "errno_untouched ok"));
	spawn_free(&r);
}
