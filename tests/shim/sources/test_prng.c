/* prng.c: libc generators start from the seed; an explicit srand keeps its meaning. */
#include "probe_assert.h"

Test(prng, unseeded_generators_follow_the_seed)
{
	struct spawn_result out[2];
	probe_twice_and_other("prng", out);
	assert_moves_with_seed(out, "rand");
	assert_moves_with_seed(out, "random");
	assert_moves_with_seed(out, "drand48");
	spawn_free(&out[0]);
	spawn_free(&out[1]);
}

Test(prng, explicit_srand_gives_libc_sequence)
{
	/* glibc's srand(12345) sequence, whatever the nodice seed. */
	struct spawn_result a = spawn_probe("prng-seeded", "7");
	struct spawn_result b = spawn_probe("prng-seeded", "8");
	srand(12345);
	int r1 = rand(), r2 = rand();
	char want[64];
	snprintf(want, sizeof(want), "%d %d", r1, r2);
	cr_assert_str_eq(spawn_field(a.out, "rand"), want);
	cr_assert_str_eq(spawn_field(b.out, "rand"), want);
	/* rand48 was not seeded by the program: it still follows the nodice seed. */
	char d[64];
	snprintf(d, sizeof(d), "%s", spawn_field(a.out, "drand48"));
	cr_assert_str_neq(d, spawn_field(b.out, "drand48"));
	spawn_free(&a);
	spawn_free(&b);
}
