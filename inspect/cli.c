/*
 * Every message the command prints on stderr goes through here, with one
 * prefix: `nodice SUB: problem`, lowercase, one line; usage errors add
 * `; try 'nodice --help'` and exit 2 before anything runs. Reports on stdout
 * (inspect's report.c, verify_report.c) are the commands' output, not
 * messages, and are written by their own modules.
 *
 * The run options are validated with the shim's own parsers (config.c), so
 * the command and the library refuse exactly the same values.
 */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "config.h"
#include "pidns.h"

#include <sys/personality.h>

static void vsay(const char *sub, const char *fmt, va_list ap, const char *tail)
{
	char line[8192];
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "nodice%s%s: %s%s\n", sub ? " " : "", sub ? sub : "", line, tail);
}

void cli_error(const char *sub, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(sub, fmt, ap, "");
	va_end(ap);
}

void cli_note(const char *sub, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(sub, fmt, ap, "");
	va_end(ap);
}

int cli_usage(const char *sub, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(sub, fmt, ap, "; try 'nodice --help'");
	va_end(ap);
	return CLI_USAGE;
}

/* Matches `--name V` and `--name=V`; *value is set when matched. */
static int option(const char *name, int argc, char **argv, int *i, const char **value, int *missing)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*value = a + n + 1;
		return 1;
	}
	if (a[n] != 0)
		return 0;
	if (*i + 1 >= argc) {
		*missing = 1;
		return 1;
	}
	*value = argv[++*i];
	return 1;
}

static int absolute_log(const char *sub, const char *path, struct cli_run_options *o)
{
	char cwd[PATH_MAX];
	if (path[0] == '/') {
		snprintf(o->log, sizeof(o->log), "%s", path);
	} else if (getcwd(cwd, sizeof(cwd))) {
		if ((size_t)snprintf(o->log, sizeof(o->log), "%s/%s", cwd, path) >= sizeof(o->log))
			return cli_usage(sub, "--log: path too long");
	} else {
		return cli_usage(sub, "--log '%s': cannot resolve the current directory", path);
	}
	int fd = open(o->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return cli_usage(sub, "--log '%s': cannot open for appending: %s", path, strerror(errno));
	close(fd);
	o->has_log = 1;
	return 0;
}

int cli_take_run_option(const char *sub, int argc, char **argv, int *i, struct cli_run_options *o)
{
	if (strcmp(argv[*i], "--portable") == 0) {
		o->portable = 1;
		return 1;
	}
	if (strcmp(argv[*i], "--clamp-mtime") == 0) {
		o->clamp_mtime = 1;
		return 1;
	}
	if (strcmp(argv[*i], "--order-writes") == 0) {
		o->order_writes = 1;
		return 1;
	}
	if (strcmp(argv[*i], "--pid-ns") == 0 || strcmp(argv[*i], "--no-pid-ns") == 0) {
		o->pid_ns = argv[*i][2] == 'n' ? PIDNS_OFF : PIDNS_ON;
		return 1;
	}
	static const struct {
		const char *name;
		size_t field;
	} opts[] = {
		{ "--seed", offsetof(struct cli_run_options, seed) },
		{ "--epoch", offsetof(struct cli_run_options, epoch) },
		{ "--tick", offsetof(struct cli_run_options, tick) },
		{ "--cpus", offsetof(struct cli_run_options, cpus) },
		{ "--log", 0 },
		{ "--rdtsc", offsetof(struct cli_run_options, rdtsc) },
		{ "--dirs", offsetof(struct cli_run_options, dirs) },
		{ "--exempt", offsetof(struct cli_run_options, exempt) },
		{ "--schedule-seed", offsetof(struct cli_run_options, schedule_seed) },
		{ "--host", offsetof(struct cli_run_options, host) },
		{ "--framework-knobs", offsetof(struct cli_run_options, knobs) },
		{ "--threads", offsetof(struct cli_run_options, threads) },
	};
	for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
		const char *v = NULL, *why = NULL;
		int missing = 0;
		if (!option(opts[k].name, argc, argv, i, &v, &missing))
			continue;
		if (missing) {
			cli_usage(sub, "%s needs a value", opts[k].name);
			return -1;
		}
		uint64_t u;
		int64_t s;
		unsigned c;
		int flag;
		switch (k) {
		case 0: why = nd_config_parse_seed(v, &u); break;
		case 1: why = nd_config_parse_epoch(v, &s); break;
		case 2: why = nd_config_parse_tick(v, &u); break;
		case 3: why = nd_config_parse_cpus(v, &c); break;
		case 4:
			if (!*v) {
				cli_usage(sub, "--log: empty path");
				return -1;
			}
			return absolute_log(sub, v, o) ? -1 : 1;
		case 5: why = nd_config_parse_rdtsc(v, &flag); break;
		case 6: why = nd_config_parse_dirs(v, &flag); break;
		case 7: {
			char list[1024];
			why = nd_config_parse_exempt(v, list, sizeof(list));
			break;
		}
		case 8: why = nd_config_parse_seed(v, &u); break;
		case 9: {
			char name[65];
			why = nd_config_parse_host(v, name);
			break;
		}
		case 10: why = nd_config_parse_knobs(v, &flag); break;
		case 11: why = nd_config_parse_threads(v, &flag); break;
		}
		if (why) {
			cli_usage(sub, "%s '%s': %s", opts[k].name, v, why);
			return -1;
		}
		*(const char **)((char *)o + opts[k].field) = v;
		return 1;
	}
	return 0;
}

int cli_library_path(char *out, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = 0;
	char *slash = strrchr(exe, '/');
	*slash = 0;
	slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	/* the build tree, then the installed layout (CMakeLists.txt) */
	static const char *const places[] = { "lib", ND_INSTALL_LIBDIR };
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		if ((size_t)snprintf(out, size, "%s/%s/libnodice.so", exe, places[i]) >= size)
			return -1;
		if (access(out, R_OK) == 0)
			return 0;
	}
	snprintf(out, size, "%s/lib/libnodice.so", exe);
	return -1;
}

/* --portable: every library that picks kernels by CPU feature is pinned to
 * what every x86-64 host has, so results match across CPU generations:
 * NumPy's dispatched features, ATen's capability, oneDNN's ISA, OpenBLAS's
 * core type and glibc's libm variants (through GLIBC_TUNABLES, which ld.so
 * reads: set here, before the exec); MKL's reproducibility mode is set by
 * the shim with the other knobs (process/knobs.c), unless the user set it. */
static int export_portable(void)
{
	static const char *const pins[][2] = {
		{ "NPY_DISABLE_CPU_FEATURES", "SSSE3 SSE41 POPCNT SSE42 AVX F16C FMA3 AVX2 AVX512F AVX512CD "
					      "AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL" },
		{ "ATEN_CPU_CAPABILITY", "default" },
		{ "DNNL_MAX_CPU_ISA", "SSE41" },
		{ "OPENBLAS_CORETYPE", "Prescott" },
		{ "NODICE_PORTABLE", "1" },
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++)
		bad |= setenv(pins[i][0], pins[i][1], 1);
	const char *masks = "glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX2,-FMA,-FMA4,-AVX";
	const char *old = getenv("GLIBC_TUNABLES");
	char tunables[4096];
	if (old && *old && !strstr(old, masks))
		snprintf(tunables, sizeof(tunables), "%s:%s", old, masks);
	else
		snprintf(tunables, sizeof(tunables), "%s", masks);
	return bad | setenv("GLIBC_TUNABLES", tunables, 1);
}

int cli_export_run_env(const char *sub, const struct cli_run_options *o)
{
	char lib[PATH_MAX + 32], preload[2 * PATH_MAX + 64];
	if (cli_library_path(lib, sizeof(lib)) < 0) {
		cli_error(sub, "cannot find libnodice.so at %s: %s", lib, strerror(errno));
		return CLI_SYSTEM;
	}
	const char *old = getenv("LD_PRELOAD");
	if (old && *old && !strstr(old, lib))
		snprintf(preload, sizeof(preload), "%s:%s", lib, old);
	else
		snprintf(preload, sizeof(preload), "%s", old && strstr(old, lib) ? old : lib);

	const char *cpus = o->cpus ? o->cpus : getenv("NODICE_CPUS") ? getenv("NODICE_CPUS") : "1";
	static const char *const pools[] = { "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
					     "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
					     "LOKY_MAX_CPU_COUNT" };
	int bad = setenv("LD_PRELOAD", preload, 1) || unsetenv("NODICE_LINEAGE") ||
		  unsetenv("NODICE_CLOCK") || unsetenv("NODICE_WALL") ||
		  unsetenv("NODICE_PIDNS");
	bad |= o->seed && setenv("NODICE_SEED", o->seed, 1);
	bad |= o->epoch && setenv("NODICE_EPOCH", o->epoch, 1);
	bad |= o->tick && setenv("NODICE_TICK_NS", o->tick, 1);
	bad |= o->cpus && setenv("NODICE_CPUS", o->cpus, 1);
	bad |= o->has_log && setenv("NODICE_LOG", o->log, 1);
	bad |= o->rdtsc && setenv("NODICE_RDTSC", o->rdtsc, 1);
	bad |= o->portable && export_portable();
	bad |= o->clamp_mtime && setenv("NODICE_CLAMP_MTIME", "on", 1);
	bad |= o->order_writes && setenv("NODICE_ORDER_WRITES", "on", 1);
	bad |= o->dirs && setenv("NODICE_DIRS", o->dirs, 1);
	bad |= o->threads && setenv("NODICE_THREADS", o->threads, 1);
	bad |= o->exempt && setenv("NODICE_EXEMPT", o->exempt, 1);
	bad |= o->schedule_seed && setenv("NODICE_SCHEDULE_SEED", o->schedule_seed, 1);
	bad |= o->host && setenv("NODICE_HOST", o->host, 1);
	bad |= o->knobs && setenv("NODICE_FRAMEWORK_KNOBS", o->knobs, 1);
	if (!getenv("NODICE_SEED"))
		bad |= setenv("NODICE_SEED", "0", 1);
	for (size_t i = 0; i < sizeof(pools) / sizeof(pools[0]); i++)
		bad |= setenv(pools[i], cpus, 0);
	/* OMP_DYNAMIC is the shim's (cpu.c, knobs.c): set here it would look
	 * like the user's in the report of the knobs. */
	bad |= setenv("OMP_WAIT_POLICY", "passive", 0) || setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);
	/* RDRAND/RDSEED cannot be hidden without CPUID faulting: tell the
	 * libraries that have a switch not to use them. */
	bad |= setenv("OPENSSL_ia32cap", "~0x4000000000000000:~0x40000", 0) || setenv("SYSTEMD_RDRAND", "0", 0);
	if (bad) {
		cli_error(sub, "cannot set the environment: %s", strerror(errno));
		return CLI_SYSTEM;
	}
	return 0;
}

void cli_help(void)
{
	fputs("usage:\n"
	      "  nodice run     [run options] [--] CMD [ARG...]\n"
	      "  nodice inspect [run options] [--json FILE] [--html FILE] [--strict] [--timeout SECONDS]\n"
	      "                 [--] CMD [ARG...]\n"
	      "  nodice audit   [--json] FILE...\n"
	      "  nodice verify  [-n|--runs RUNS] [run options] [--artifact PATH]... [--vary-seed] [--json FILE]\n"
	      "                 [--html FILE] [--junit FILE] [--record FILE | --against FILE] [--progress|--quiet]\n"
	      "                 [--timeout SECONDS] [--] CMD [ARG...]\n"
	      "  nodice --help | --version\n"
	      "\nrun options: [--seed N] [--epoch T] [--tick NS] [--cpus N] [--log FILE] [--rdtsc M] [--dirs M]\n"
	      "             [--exempt LIST] [--portable] [--pid-ns|--no-pid-ns] [--schedule-seed N] [--host NAME]\n"
	      "             [--clamp-mtime] [--framework-knobs on|off|strict] [--threads serial|parallel]\n"
	      "             [--order-writes]\n"
	      "\n"
	      "Runs CMD with every randomness source, clock and CPU count fed from one seed,\n"
	      "so that the same seed gives the same result on every run.\n"
	      "\n"
	      "  --seed N     experiment seed, unsigned 64-bit, decimal or 0x-hex (default 0)\n"
	      "  --epoch T    virtual wall clock start: unix seconds or YYYY-MM-DDTHH:MM:SSZ\n"
	      "               (default 2000-01-01T00:00:00Z; under a nonzero seed, plus under\n"
	      "               a day drawn from it, so clock-seeded generators move with the seed)\n"
	      "  --tick NS    nanoseconds the virtual clocks move per read (default 1000)\n"
	      "  --cpus N     CPU count every program sees (default 1)\n"
	      "  --schedule-seed N  thread interleaving: 0 round robin (default), other\n"
	      "               values pick another deterministic order\n"
	      "  --threads serial|parallel  one thread runs at a time (default), or threads compute\n"
	      "               at once and only their intercepted calls take turns (race-free\n"
	      "               programs; docs/scheduling.md)\n"
	      "  --log FILE   append the event log (JSON Lines) to FILE\n"
	      "  --rdtsc trap|native  trap RDTSC/RDTSCP (default) or leave them (faster, uncontrolled)\n"
	      "  --dirs sorted|native list directories by name (default) or in file system order\n"
	      "  --pid-ns     require the run's PID namespace, so pids repeat (the default as root;\n"
	      "               otherwise a user namespace is made too)\n"
	      "  --no-pid-ns  real process ids (reported), the command in nodice's place\n"
	      "  --exempt LIST  programs (comma-separated names) left uncontrolled, e.g. ssh-keygen\n"
	      "  --host NAME  a fixed host identity: host name (uname, gethostname, /etc/hostname),\n"
	      "               machine id, and uuid1's node (default: the machine's, reported)\n"
	      "  --clamp-mtime  times of files from before the run no later than SOURCE_DATE_EPOCH\n"
	      "               (reproducible across checkouts and machines; for fresh builds)\n"
	      "  --order-writes  writes of several processes into one pipe, socket or file they\n"
	      "               share (workers printing to stdout) in one order; costs parallelism\n"
	      "  --framework-knobs on|off|strict  the frameworks' determinism switches: cuBLAS,\n"
	      "               TensorFlow, NCCL, OpenMP, MKL, PYTHONHASHSEED and PyTorch's\n"
	      "               use_deterministic_algorithms (on: warns of a nondeterministic op;\n"
	      "               strict: raises; default on; values the user set are kept)\n"
	      "  --portable   pin instruction-set dispatch (NumPy, ATen, oneDNN, OpenBLAS, MKL, libm)\n"
	      "               to the x86-64 baseline, so results match across CPU generations\n"
	      "\n"
	      "run exits with CMD's status (128+signal if killed), 126 not executable, 127 not found;\n"
	      "inspect, audit, verify: 0 all well, 1 a finding, 2 usage error, 3 system or ELF error.\n"
	      "See README.md and docs/.\n",
	      stdout);
}

_Noreturn void cli_exec_command(const char *sub, const struct cli_run_options *o, char **argv)
{
	int status = pidns_run(sub, argv, o->pid_ns);
	if (status != PIDNS_UNUSED)
		_exit(status < 0 ? CLI_SYSTEM : status);
	cli_exec_in_place(sub, argv);
}

_Noreturn void cli_exec_in_place(const char *sub, char **argv)
{
	int persona = personality(0xffffffff);
	if (persona != -1)
		personality((unsigned long)persona | ADDR_NO_RANDOMIZE);
	execvp(argv[0], argv);
	int err = errno;
	cli_error(sub, "%s: %s", argv[0], err == ENOENT ? "command not found" : strerror(err));
	_exit(err == ENOENT ? CLI_NOT_FOUND : CLI_NOT_EXECUTABLE);
}
