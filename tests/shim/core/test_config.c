/* config.c: every accepted and refused form of each NODICE_* variable, and
 * the library's fatal line and status for a value it cannot honour. */
#include <criterion/criterion.h>
#include <string.h>

#include "config.h"
#include "child.h"

Test(config, seed_decimal_and_hex_accepted)
{
	uint64_t v;
	cr_assert_null(nd_config_parse_seed("0", &v));
	cr_assert_eq(v, 0);
	cr_assert_null(nd_config_parse_seed("18446744073709551615", &v));
	cr_assert_eq(v, UINT64_MAX);
	cr_assert_null(nd_config_parse_seed("0xDEADbeef", &v));
	cr_assert_eq(v, 0xdeadbeef);
}

Test(config, seed_bad_forms_refused)
{
	static const char *bad[] = { "", "abc", "-1", "+1", " 1", "1 ", "1.5", "18446744073709551616",
				     "0x", "0x10000000000000000", "0xg", "1e3" };
	uint64_t v;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_not_null(nd_config_parse_seed(bad[i], &v), "accepted '%s'", bad[i]);
}

Test(config, epoch_iso_matches_unix_seconds)
{
	int64_t t;
	cr_assert_null(nd_config_parse_epoch("2000-01-01T00:00:00Z", &t));
	cr_assert_eq(t, 946684800);
	cr_assert_null(nd_config_parse_epoch("2024-02-29T12:34:56Z", &t));
	cr_assert_eq(t, 1709210096);
	cr_assert_null(nd_config_parse_epoch("1700000000", &t));
	cr_assert_eq(t, 1700000000);
}

Test(config, epoch_bad_forms_refused)
{
	static const char *bad[] = { "", "yesterday", "-5", "2023-02-29T00:00:00Z",
				     "2000-13-01T00:00:00Z", "2000-01-01T24:00:00Z",
				     "2000-01-01 00:00:00Z", "2000-01-01T00:00:00", "2101-01-01T00:00:00Z",
				     "99999999999" };
	int64_t t;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_not_null(nd_config_parse_epoch(bad[i], &t), "accepted '%s'", bad[i]);
}

Test(config, tick_and_cpus_bounds)
{
	uint64_t tick;
	unsigned cpus;
	cr_assert_null(nd_config_parse_tick("1", &tick));
	cr_assert_not_null(nd_config_parse_tick("0", &tick));
	cr_assert_not_null(nd_config_parse_tick("-1", &tick));
	cr_assert_not_null(nd_config_parse_tick("3600000000001", &tick));
	cr_assert_null(nd_config_parse_cpus("1024", &cpus));
	cr_assert_not_null(nd_config_parse_cpus("0", &cpus));
	cr_assert_not_null(nd_config_parse_cpus("1025", &cpus));
	cr_assert_not_null(nd_config_parse_cpus("two", &cpus));
}

static const char *fake_env[16][2];
static const char *fake_get(const char *name)
{
	for (int i = 0; fake_env[i][0]; i++)
		if (strcmp(fake_env[i][0], name) == 0)
			return fake_env[i][1];
	return NULL;
}

Test(config, load_defaults_and_names_first_bad_variable)
{
	struct nd_config cfg;
	struct nd_config_error err;
	memset(fake_env, 0, sizeof(fake_env));
	cr_assert_eq(nd_config_load(&cfg, fake_get, &err), 0);
	cr_assert_eq(cfg.seed, 0);
	cr_assert_eq(cfg.epoch, 946684800);
	cr_assert_eq(cfg.tick_ns, 1000);
	cr_assert_eq(cfg.cpus, 1);
	cr_assert_str_empty(cfg.log_path);

	fake_env[0][0] = "NODICE_CPUS";
	fake_env[0][1] = "0";
	cr_assert_eq(nd_config_load(&cfg, fake_get, &err), -1);
	cr_assert_str_eq(err.name, "NODICE_CPUS");
	cr_assert_str_eq(err.value, "0");
}

static void assert_fatal(const char *var, const char *line)
{
	const char *argv[] = { ND_TEST_PROBE, "entropy", NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, var, NULL };
	struct spawn_result r = spawn_run(argv, env);
	cr_assert_eq(r.status, 125, "%s: status %d", var, r.status);
	cr_assert_str_empty(r.out, "%s: the program ran: %s", var, r.out);
	cr_assert_str_eq(r.err, line);
	spawn_free(&r);
}

Test(config, bad_variables_stop_before_main_with_125)
{
	assert_fatal("NODICE_SEED=abc",
		     "nodice: fatal: NODICE_SEED=\"abc\": not an unsigned 64-bit integer (decimal or 0x-hex)\n");
	assert_fatal("NODICE_EPOCH=tomorrow",
		     "nodice: fatal: NODICE_EPOCH=\"tomorrow\": not unix seconds or YYYY-MM-DDTHH:MM:SSZ\n");
	assert_fatal("NODICE_TICK_NS=0", "nodice: fatal: NODICE_TICK_NS=\"0\": must be greater than 0\n");
	assert_fatal("NODICE_SCHEDULE_SEED=fast",
		     "nodice: fatal: NODICE_SCHEDULE_SEED=\"fast\": not an unsigned 64-bit integer (decimal or 0x-hex)\n");
	assert_fatal("NODICE_CPUS=0", "nodice: fatal: NODICE_CPUS=\"0\": must be between 1 and 1024\n");
	assert_fatal("NODICE_LOG=", "nodice: fatal: NODICE_LOG=\"\": empty path\n");
	assert_fatal("NODICE_ASLR=maybe", "nodice: fatal: NODICE_ASLR=\"maybe\": must be 'off' or 'on'\n");
	assert_fatal("NODICE_RDTSC=fast", "nodice: fatal: NODICE_RDTSC=\"fast\": must be 'trap' or 'native'\n");
	assert_fatal("NODICE_DIRS=random", "nodice: fatal: NODICE_DIRS=\"random\": must be 'sorted' or 'native'\n");
	assert_fatal("NODICE_THREADS=many", "nodice: fatal: NODICE_THREADS=\"many\": must be 'serial' or 'parallel'\n");
	assert_fatal("NODICE_LINEAGE=xyz", "nodice: fatal: NODICE_LINEAGE=\"xyz\": not a hexadecimal number\n");
}

/* Seed 0 keeps the documented default exactly; another seed moves the
 * default by under a day, the same way every time; NODICE_EPOCH stays exact. */
Test(config, the_default_epoch_moves_with_the_seed_by_under_a_day)
{
	cr_assert_eq(nd_config_default_epoch(0), 946684800);
	int64_t a = nd_config_default_epoch(7), b = nd_config_default_epoch(8);
	cr_assert(a >= 946684800 && a < 946684800 + 86400);
	cr_assert(b >= 946684800 && b < 946684800 + 86400);
	cr_assert_neq(a, b);
	cr_assert_eq(a, nd_config_default_epoch(7));
	struct nd_config cfg;
	struct nd_config_error err;
	memset(fake_env, 0, sizeof(fake_env));
	fake_env[0][0] = "NODICE_SEED";
	fake_env[0][1] = "7";
	cr_assert_eq(nd_config_load(&cfg, fake_get, &err), 0);
	cr_assert_eq(cfg.epoch, a);
	fake_env[1][0] = "NODICE_EPOCH";
	fake_env[1][1] = "946684800";
	cr_assert_eq(nd_config_load(&cfg, fake_get, &err), 0);
	cr_assert_eq(cfg.epoch, 946684800);
}
