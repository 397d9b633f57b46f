/*
 * NODICE_* parsing and validation. See config.h.
 *
 * Everything is hand-parsed (no strtoull: it accepts signs, spaces and locale
 * digits, and sets errno), so that a value is either exactly what the contract
 * allows or it is refused with a reason; the shim never guesses.
 */
#include "config.h"

#include <string.h>

static const char *parse_decimal(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return "empty";
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return "not an unsigned 64-bit integer";
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return "out of range for an unsigned 64-bit integer";
		v = v * 10 + d;
	}
	*out = v;
	return NULL;
}

const char *nd_config_parse_hex64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int n = 0;
	if (!*s)
		return "empty";
	for (; *s; s++, n++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return "not a hexadecimal number";
		if (n == 16)
			return "out of range for an unsigned 64-bit integer";
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return NULL;
}

const char *nd_config_parse_seed(const char *s, uint64_t *out)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		const char *why = nd_config_parse_hex64(s + 2, out);
		return why ? "not an unsigned 64-bit integer (decimal or 0x-hex)" : NULL;
	}
	const char *why = parse_decimal(s, out);
	return why ? "not an unsigned 64-bit integer (decimal or 0x-hex)" : NULL;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Latest epoch whose nanoseconds, plus centuries of ticks, still fit in int64. */
#define EPOCH_MAX 4102444800LL /* 2100-01-01T00:00:00Z */

const char *nd_config_parse_epoch(const char *s, int64_t *out)
{
	static const char form[] = "YYYY-MM-DDTHH:MM:SSZ";
	if (strlen(s) == sizeof(form) - 1 && s[4] == '-') {
		int y, mo, d, h, mi, se;
		if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
		    digits(s + 8, 2, &d) || s[10] != 'T' || digits(s + 11, 2, &h) || s[13] != ':' ||
		    digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se) || s[19] != 'Z')
			return "not unix seconds or YYYY-MM-DDTHH:MM:SSZ";
		static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
		int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
		    h > 23 || mi > 59 || se > 59)
			return "not a valid calendar date and time";
		int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
		if (t < 0 || t > EPOCH_MAX)
			return "outside 1970-01-01T00:00:00Z .. 2100-01-01T00:00:00Z";
		*out = t;
		return NULL;
	}
	uint64_t v;
	if (parse_decimal(s, &v))
		return "not unix seconds or YYYY-MM-DDTHH:MM:SSZ";
	if (v > (uint64_t)EPOCH_MAX)
		return "outside 1970-01-01T00:00:00Z .. 2100-01-01T00:00:00Z";
	*out = (int64_t)v;
	return NULL;
}

const char *nd_config_parse_tick(const char *s, uint64_t *out)
{
	uint64_t v;
	if (parse_decimal(s, &v))
		return "not a whole number of nanoseconds";
	if (v == 0)
		return "must be greater than 0";
	if (v > 1000000000ULL * 3600)
		return "must be at most one hour (3600000000000)";
	*out = v;
	return NULL;
}

const char *nd_config_parse_cpus(const char *s, unsigned *out)
{
	uint64_t v;
	if (parse_decimal(s, &v))
		return "not a whole number";
	if (v < 1 || v > ND_CPUS_MAX)
		return "must be between 1 and 1024";
	*out = (unsigned)v;
	return NULL;
}

const char *nd_config_parse_log(const char *s, char *out, size_t size)
{
	if (!*s)
		return "empty path";
	if (strlen(s) >= size)
		return "path too long";
	memcpy(out, s, strlen(s) + 1);
	return NULL;
}

/* NODICE_ASLR, NODICE_CLAMP_MTIME and NODICE_ORDER_WRITES: off or on. */
const char *nd_config_parse_aslr(const char *s, int *keep)
{
	if (strcmp(s, "off") == 0 || strcmp(s, "on") == 0) {
		*keep = s[1] == 'n';
		return NULL;
	}
	return "must be 'off' or 'on'";
}

const char *nd_config_parse_rdtsc(const char *s, int *native)
{
	if (strcmp(s, "trap") == 0 || strcmp(s, "native") == 0) {
		*native = s[0] == 'n';
		return NULL;
	}
	return "must be 'trap' or 'native'";
}

const char *nd_config_parse_dirs(const char *s, int *native)
{
	if (strcmp(s, "sorted") == 0 || strcmp(s, "native") == 0) {
		*native = s[0] == 'n';
		return NULL;
	}
	return "must be 'sorted' or 'native'";
}

/* NODICE_THREADS: serial (one scheduled thread runs at a time, the default)
 * or parallel (threads compute at once; their intercepted calls keep one
 * order: docs/scheduling.md). */
const char *nd_config_parse_threads(const char *s, int *parallel)
{
	if (strcmp(s, "serial") == 0 || strcmp(s, "parallel") == 0) {
		*parallel = s[0] == 'p';
		return NULL;
	}
	return "must be 'serial' or 'parallel'";
}

/* NODICE_FRAMEWORK_KNOBS: off, on (the default) or strict. */
const char *nd_config_parse_knobs(const char *s, int *mode)
{
	static const char *const names[] = { "off", "on", "strict" };
	for (int i = 0; i < 3; i++)
		if (strcmp(s, names[i]) == 0) {
			*mode = i;
			return NULL;
		}
	return "must be 'on', 'off' or 'strict'";
}

const char *nd_config_parse_exempt(const char *s, char *out, size_t size)
{
	if (strlen(s) >= size)
		return "list too long";
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ' ')
			return "must be program names separated by commas";
	memcpy(out, s, strlen(s) + 1);
	return NULL;
}

const char *nd_config_parse_host(const char *s, char *out)
{
	size_t n = strlen(s);
	if (n < 1 || n > 64)
		return "must be 1 to 64 characters";
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '-' && c != '.')))
			return "must be letters, digits, '-' and '.', starting with a letter or digit";
	}
	memcpy(out, s, n + 1);
	return NULL;
}

int64_t nd_config_default_epoch(uint64_t seed)
{
	if (!seed)
		return ND_EPOCH_DEFAULT;
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return ND_EPOCH_DEFAULT + (int64_t)(z % 86400);
}

#define FAIL(n, v, r)                   \
	do {                            \
		err->name = (n);        \
		err->value = (v);       \
		err->reason = (r);      \
		return -1;              \
	} while (0)

int nd_config_load(struct nd_config *cfg, const char *(*get)(const char *name),
		   struct nd_config_error *err)
{
	const char *v, *why;
	memset(cfg, 0, sizeof(*cfg));
	cfg->epoch = ND_EPOCH_DEFAULT;
	cfg->tick_ns = ND_TICK_DEFAULT;
	cfg->cpus = 1;

	if ((v = get("NODICE_SEED")) && (why = nd_config_parse_seed(v, &cfg->seed)))
		FAIL("NODICE_SEED", v, why);
	cfg->epoch = nd_config_default_epoch(cfg->seed);
	if ((v = get("NODICE_EPOCH")) && (why = nd_config_parse_epoch(v, &cfg->epoch)))
		FAIL("NODICE_EPOCH", v, why);
	cfg->epoch_given = v != NULL;
	if ((v = get("NODICE_TICK_NS")) && (why = nd_config_parse_tick(v, &cfg->tick_ns)))
		FAIL("NODICE_TICK_NS", v, why);
	if ((v = get("NODICE_CPUS")) && (why = nd_config_parse_cpus(v, &cfg->cpus)))
		FAIL("NODICE_CPUS", v, why);
	if ((v = get("NODICE_SCHEDULE_SEED")) &&
	    (why = nd_config_parse_seed(v, &cfg->schedule_seed)))
		FAIL("NODICE_SCHEDULE_SEED", v, why);
	if ((v = get("NODICE_THREADS")) && (why = nd_config_parse_threads(v, &cfg->parallel)))
		FAIL("NODICE_THREADS", v, why);
	if ((v = get("NODICE_LOG")) &&
	    (why = nd_config_parse_log(v, cfg->log_path, sizeof(cfg->log_path))))
		FAIL("NODICE_LOG", v, why);
	if ((v = get("NODICE_ASLR")) && (why = nd_config_parse_aslr(v, &cfg->keep_aslr)))
		FAIL("NODICE_ASLR", v, why);
	if ((v = get("NODICE_CLAMP_MTIME")) && (why = nd_config_parse_aslr(v, &cfg->clamp_mtime)))
		FAIL("NODICE_CLAMP_MTIME", v, why);
	if ((v = get("NODICE_ORDER_WRITES")) && (why = nd_config_parse_aslr(v, &cfg->order_writes)))
		FAIL("NODICE_ORDER_WRITES", v, why);
	if ((v = get("NODICE_RDTSC")) && (why = nd_config_parse_rdtsc(v, &cfg->native_tsc)))
		FAIL("NODICE_RDTSC", v, why);
	if ((v = get("NODICE_DIRS")) && (why = nd_config_parse_dirs(v, &cfg->native_dirs)))
		FAIL("NODICE_DIRS", v, why);
	cfg->framework_knobs = ND_KNOBS_ON;
	if ((v = get("NODICE_FRAMEWORK_KNOBS")) && (why = nd_config_parse_knobs(v, &cfg->framework_knobs)))
		FAIL("NODICE_FRAMEWORK_KNOBS", v, why);
	if ((v = get("NODICE_EXEMPT")) && (why = nd_config_parse_exempt(v, cfg->exempt, sizeof(cfg->exempt))))
		FAIL("NODICE_EXEMPT", v, why);
	if ((v = get("NODICE_HOST")) && (why = nd_config_parse_host(v, cfg->host)))
		FAIL("NODICE_HOST", v, why);
	if ((v = get("NODICE_LINEAGE"))) {
		if ((why = nd_config_parse_hex64(v, &cfg->lineage)))
			FAIL("NODICE_LINEAGE", v, why);
		cfg->has_lineage = 1;
	}
	if ((v = get("NODICE_CLOCK")) && (why = nd_config_parse_hex64(v, &cfg->clock_ns)))
		FAIL("NODICE_CLOCK", v, why);
	if ((v = get("NODICE_WALL")) && (why = nd_config_parse_hex64(v, &cfg->wall_join_ns)))
		FAIL("NODICE_WALL", v, why);
	return 0;
}
