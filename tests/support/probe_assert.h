/* Assertions shared by the suites that run the probe fixture under the shim. */
#ifndef ND_PROBE_ASSERT_H
#define ND_PROBE_ASSERT_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "child.h"

/* Runs `what` with seeds 7, 7 and 8; asserts the two 7s are byte-identical
 * and returns the outputs (out[0] for seed 7, out[1] for seed 8). */
static inline void probe_twice_and_other(const char *what, struct spawn_result out[2])
{
	struct spawn_result again;
	out[0] = spawn_probe(what, "7");
	again = spawn_probe(what, "7");
	out[1] = spawn_probe(what, "8");
	cr_assert_eq(out[0].status, 0, "%s: status %d, stderr %s", what, out[0].status, out[0].err);
	cr_assert_str_not_empty(out[0].out);
	cr_assert_str_eq(out[0].out, again.out, "%s differs between two runs with seed 7", what);
	spawn_free(&again);
}

/* The line `key` must differ between the seed-7 and seed-8 outputs. */
static inline void assert_moves_with_seed(struct spawn_result out[2], const char *key)
{
	char a[4096];
	snprintf(a, sizeof(a), "%s", spawn_field(out[0].out, key));
	cr_assert_str_not_empty(a, "no line '%s'", key);
	cr_assert_str_neq(a, spawn_field(out[1].out, key), "'%s' ignores the seed", key);
}

#endif
