/* devices.c, io.c, stdio.c: the virtual random devices. */
#include "probe_assert.h"

#include <ctype.h>

Test(devices, every_read_path_repeats_and_moves_with_seed)
{
	struct spawn_result out[2];
	probe_twice_and_other("devices", out);
	static const char *keys[] = { "urandom_read", "urandom_dup", "urandom_dupfd", "random_fread",
				      "uuid", "boot_id" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_moves_with_seed(out, keys[i]);
	cr_assert_str_eq(spawn_field(out[0].out, "read_ret"), "16");
	cr_assert_str_eq(spawn_field(out[0].out, "fread_ret"), "16");
	spawn_free(&out[0]);
	spawn_free(&out[1]);
}

Test(devices, uuid_is_a_version_4_uuid)
{
	struct spawn_result r = spawn_probe("devices", "7");
	const char *u = spawn_field(r.out, "uuid");
	cr_assert_eq(strlen(u), 36, "'%s'", u);
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			cr_assert_eq(u[i], '-');
		else
			cr_assert(isxdigit((unsigned char)u[i]));
	}
	cr_assert_eq(u[14], '4');
	cr_assert(strchr("89ab", u[19]));
	spawn_free(&r);
}

Test(devices, dup_continues_the_stream_and_a_reused_fd_reads_its_file)
{
	struct spawn_result r = spawn_probe("devices", "7");
	char a[64];
	snprintf(a, sizeof(a), "%s", spawn_field(r.out, "urandom_read"));
	cr_assert_str_neq(a, spawn_field(r.out, "urandom_dup"));
	cr_assert_str_eq(spawn_field(r.out, "comm"), "probe");
	spawn_free(&r);
}

Test(devices, inherited_descriptor_is_served)
{
	/* `od < /dev/urandom`: the shell opens the device, od inherits fd 0. */
	const char *argv[] = { "sh", "-c", "od -An -tx1 -N8 < /dev/urandom", NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=7", NULL };
	struct spawn_result a = spawn_run(argv, env), b = spawn_run(argv, env);
	cr_assert_eq(a.status, 0);
	cr_assert_str_not_empty(a.out);
	cr_assert_str_eq(a.out, b.out);
	spawn_free(&a);
	spawn_free(&b);
}
