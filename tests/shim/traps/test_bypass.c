/* stdcxx.c, auxv.c, tempname.c: sources glibc and libstdc++ reach without
 * the usual symbols. */
#include "probe_assert.h"
#include "machine.h"
#include "config.h"

#include <unistd.h>

Test(bypass, random_device_follows_the_seed_with_every_token)
{
	const char *argv[] = { ND_TEST_RANDOM_DEVICE, NULL };
	const char *env7[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=7", NULL };
	const char *env8[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=8", NULL };
	struct spawn_result a = spawn_run(argv, env7), b = spawn_run(argv, env7), c = spawn_run(argv, env8);
	cr_assert_eq(a.status, 0, "%s", a.err);
	cr_assert_str_eq(a.out, b.out);
	char d7[64], u7[64];
	snprintf(d7, sizeof(d7), "%s", spawn_field(a.out, "default"));
	snprintf(u7, sizeof(u7), "%s", spawn_field(a.out, "urandom"));
	cr_assert_str_neq(d7, spawn_field(c.out, "default"));
	cr_assert_str_neq(u7, spawn_field(c.out, "urandom"));
	cr_assert_str_eq(spawn_field(a.out, "entropy"), "0");
	spawn_free(&a);
	spawn_free(&b);
	spawn_free(&c);
}

Test(bypass, at_random_bytes_follow_the_seed)
{
	struct spawn_result out[2];
	probe_twice_and_other("auxv", out);
	assert_moves_with_seed(out, "at_random");
	spawn_free(&out[0]);
	spawn_free(&out[1]);
}

Test(bypass, temporary_names_repeat_and_keep_glibc_errors)
{
	struct spawn_result out[2];
	probe_twice_and_other("tempnames", out);
	assert_moves_with_seed(out, "mkstemp");
	assert_moves_with_seed(out, "mkdtemp");
	assert_moves_with_seed(out, "tempnam");
	cr_assert_null(strstr(out[0].out, "WRONG"), "%s", out[0].out);
	cr_assert_str_eq(spawn_field(out[0].out, "mkstemp_bad"), "EINVAL");
	cr_assert_str_eq(spawn_field(out[0].out, "mkstemp_mode"), "600");
	const char *s = spawn_field(out[0].out, "mkstemps");
	cr_assert_not_null(strstr(s, ".txt ok"), "%s", s);
	spawn_free(&out[0]);
	spawn_free(&out[1]);
}

Test(bypass, rdtsc_is_trapped_and_answered_from_the_virtual_clock)
{
	if (!machine_traps_rdtsc()) {
		/* PR_SET_TSC accepted but ineffective (a hypervisor): the shim
		 * must say so instead of claiming a trap it does not have. */
		const char *argv[] = { ND_TEST_NODICE, "inspect", "--", ND_TEST_PROBE, "tsc", NULL };
		struct spawn_result r = spawn_run(argv, NULL);
		cr_assert_eq(r.status, 0, "%s", r.err);
		cr_assert_not_null(strstr(r.out, "rdtsc does not fault on this machine"), "%s", r.out);
		cr_assert_null(strstr(r.out, "Traps armed: rdtsc"), "%s", r.out);
		spawn_free(&r);
		return;
	}
	struct spawn_result out[2];
	probe_twice_and_other("tsc", out);
	cr_assert_str_eq(spawn_field(out[0].out, "increasing"), "1");
	cr_assert_str_eq(spawn_field(out[0].out, "aux"), "0");
	cr_assert_str_eq(spawn_field(out[0].out, "thread"), "1", "the blocked thread's rdtsc was not served");
	/* Virtual ticks: the first reads of a fresh process are small numbers. */
	cr_assert_lt(atoll(spawn_field(out[0].out, "rdtsc")), 1000000000LL);
	spawn_free(&out[0]);
	spawn_free(&out[1]);
}

Test(bypass, a_static_child_is_not_killed_by_the_inherited_rdtsc_trap)
{
	/* PR_SET_TSC survives exec; the shim must switch it off before exec. */
	const char *argv[] = { "sh", "-c", ND_TEST_STATIC " >/dev/null && echo alive", NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, NULL };
	struct spawn_result r = spawn_run(argv, env);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "alive\n");
	spawn_free(&r);
}

Test(bypass, program_sigsegv_handlers_still_see_real_faults)
{
	const char *argv[] = { "/usr/bin/python3", "-c",
			       "import faulthandler, ctypes, subprocess, sys\n"
			       "r = subprocess.run([sys.executable, '-c', 'import ctypes; ctypes.string_at(0)'])\n"
			       "print(r.returncode)", NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, NULL };
	struct spawn_result r = spawn_run(argv, env);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "-11\n", "a real NULL dereference must still kill with SIGSEGV");
	spawn_free(&r);
}

Test(bypass, direct_vdso_calls_read_the_virtual_clock)
{
	struct spawn_result r = spawn_probe("vdso", "7");
	cr_assert_eq(r.status, 0);
	char want[32];
	snprintf(want, sizeof(want), "%lld", (long long)nd_config_default_epoch(7));
	cr_assert_str_eq(spawn_field(r.out, "vdso_realtime"), want);
	spawn_free(&r);
}

Test(bypass, inline_system_calls_are_served_or_performed)
{
	struct spawn_result out[2];
	probe_twice_and_other("rawcalls", out);
	assert_moves_with_seed(out, "raw_getrandom");
	cr_assert_str_eq(spawn_field(out[0].out, "raw_getrandom_ret"), "8");
	char want[32];
	snprintf(want, sizeof(want), "%lld", (long long)nd_config_default_epoch(7));
	cr_assert_str_eq(spawn_field(out[0].out, "raw_clock"), want);
	cr_assert_str_eq(spawn_field(out[0].out, "raw_getrandom_bad_flags"), "-22", "EINVAL, as the kernel");
	cr_assert_str_eq(spawn_field(out[0].out, "raw_getpid_matches"), "1");
	cr_assert_str_eq(spawn_field(out[0].out, "raw_write"), "0");
	cr_assert_str_eq(spawn_field(out[0].out, "raw_getrandom_efault"), "-14");
	cr_assert_str_eq(spawn_field(out[0].out, "raw_clock_efault"), "-14");
	cr_assert_str_eq(spawn_field(out[0].out, "raw_nanosleep_efault"), "-14");
	cr_assert_str_eq(spawn_field(out[0].out, "raw_time_efault"), "-14");
	cr_assert_str_eq(spawn_field(out[0].out, "raw_nanosleep_einval"), "-22");
	cr_assert_str_eq(spawn_field(out[0].out, "raw_nanosleep_virtual"), "5");
	spawn_free(&out[0]);
	spawn_free(&out[1]);
}

Test(bypass, rdtsc_trap_can_be_turned_off_and_is_then_reported)
{
	const char *argv[] = { ND_TEST_NODICE, "inspect", "--", ND_TEST_PROBE, "tsc", NULL };
	const char *env[] = { "NODICE_RDTSC=native", NULL };
	struct spawn_result r = spawn_run(argv, env);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.out, "NODICE_RDTSC=native: rdtsc reads the real counter"), "%s", r.out);
	spawn_free(&r);
}

static const char *listing(const char *dir, const char *mode)
{
	static char out[4096];
	const char *argv[] = { ND_TEST_PROBE, "dirs", dir, NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, mode, NULL };
	struct spawn_result r = spawn_run(argv, env);
	snprintf(out, sizeof(out), "%s", r.out);
	spawn_free(&r);
	return out;
}

Test(bypass, directories_list_in_name_order_unless_asked_not_to)
{
	char dir[] = "/tmp/nodice-dirs-XXXXXX";
	mkdtemp(dir);
	const char *names[] = { "zeta", "alpha", "mid", "beta", "omega", "gamma", "delta" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char p[128];
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		fclose(fopen(p, "w"));
	}
	cr_assert_str_eq(listing(dir, "NODICE_DIRS=sorted"),
			 "dir alpha beta delta gamma mid omega zeta\nafter_seek beta\n"
			 "scandir alpha beta delta gamma mid omega zeta\n");
	char native[4096];
	snprintf(native, sizeof(native), "%s", listing(dir, "NODICE_DIRS=native"));
	cr_assert_not_null(strstr(native, "zeta"), "%s", native);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char p[128];
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

Test(bypass, addresses_repeat_because_aslr_is_off)
{
	/* Through LD_PRELOAD alone: the library re-executes the program once
	 * with ADDR_NO_RANDOMIZE. */
	struct spawn_result a = spawn_probe("addresses", "7"), b = spawn_probe("addresses", "8");
	cr_assert_eq(a.status, 0);
	cr_assert_str_eq(a.out, b.out, "addresses moved between runs");
	const char *argv[] = { ND_TEST_PROBE, "addresses", NULL };
	const char *keep[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_ASLR=on", NULL };
	struct spawn_result c = spawn_run(argv, keep), d = spawn_run(argv, keep);
	cr_assert_str_neq(c.out, d.out, "NODICE_ASLR=on must leave randomization on");
	spawn_free(&a);
	spawn_free(&b);
	spawn_free(&c);
	spawn_free(&d);
}
