/*
 * The environment record of every inspect and verify report, and of verify
 * manifests: what reproducibility guides tell people to keep by hand beside
 * a result. The machine part is read here (kernel, CPU model and the x86-64
 * level its code can use, glibc, nodice's version and commit); the run part
 * comes from the run's event log: the Python that ran (asked of its
 * executable, outside the shim) and the versions of the Python packages
 * whose code was loaded (every file under site-packages or dist-packages the
 * log names — mapped objects and Python frames — found in the dist-info or
 * egg-info beside it), and the variables that change numerical results as
 * the program saw them (the environment, with the framework knobs nodice
 * set on top).
 */
#include "envrecord.h"
#include "jsonget.h"
#include "logformat.h"
#include "cpuvars.h"

#include <dirent.h>
#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

const char *envrecord_commit = "unknown";

/* Whether the flags line names flag as a whole word ("avx" is not "avx2"). */
static int has_flag(const char *line, const char *flag)
{
	size_t n = strlen(flag);
	for (const char *p = strstr(line, flag); p; p = strstr(p + 1, flag))
		if (p > line && p[-1] == ' ' && (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return 1;
	return 0;
}

/* The CPU model and the x86-64 micro-architecture level the CPU offers
 * (psABI: what glibc's hwcaps and the libraries' dispatchers choose from),
 * from one read of /proc/cpuinfo's first processor. */
static const char *cpu_facts(char *model, size_t size)
{
	static const char *const v2[] = { "cx16", "lahf_lm", "popcnt", "sse4_1", "sse4_2", "ssse3", NULL };
	static const char *const v3[] = { "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave", NULL };
	static const char *const v4[] = { "avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl", NULL };
	static const char *const *const levels[] = { v2, v3, v4 };
	static const char *const names[] = { "x86-64", "x86-64-v2", "x86-64-v3", "x86-64-v4" };
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[8192];
	int level = 0, flags = 0;
	snprintf(model, size, "unknown");
	while (f && !flags && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
			snprintf(model, size, "%s", strchr(line, ':') + 2);
			model[strcspn(model, "\n")] = 0;
		} else if (!strncmp(line, "flags", 5)) {
			flags = 1; /* after the model name in every processor's block */
			for (int l = 0; l < 3 && level == l; l++) {
				int all = 1;
				for (int i = 0; levels[l][i]; i++)
					all &= has_flag(line, levels[l][i]);
				level += all;
			}
		}
	}
	if (f)
		fclose(f);
	return names[level];
}

json_object *envrecord_machine(void)
{
	json_object *e = json_object_new_object();
	struct utsname u;
	char cpu[256];
	const char *isa = cpu_facts(cpu, sizeof(cpu));
	uname(&u);
	json_object_object_add(e, "nodice", json_object_new_string(NODICE_VERSION));
	json_object_object_add(e, "commit", json_object_new_string(envrecord_commit));
	json_object_object_add(e, "glibc", json_object_new_string(gnu_get_libc_version()));
	json_object_object_add(e, "kernel", json_object_new_string(u.release));
	json_object_object_add(e, "machine", json_object_new_string(u.machine));
	json_object_object_add(e, "cpu", json_object_new_string(cpu));
	json_object_object_add(e, "isa", json_object_new_string(isa));
	return e;
}

/* The variables that change what a program computes. */
static int numerical(const char *name)
{
	static const char *const prefixes[] = { "OMP_", "MKL_", "OPENBLAS_", "CUBLAS_", "NCCL_", "TF_", "NPY_", "DNNL_",
						"GOMP_", "KMP_", "NODICE_" };
	static const char *const exact[] = { "PYTHONHASHSEED", "ATEN_CPU_CAPABILITY", "GLIBC_TUNABLES", "NUMEXPR_NUM_THREADS",
					     "LOKY_MAX_CPU_COUNT", "CUDA_VISIBLE_DEVICES", "PL_GLOBAL_SEED", "LANG", "LC_ALL", "TZ" };
	/* Terraform's TF_ variables are not TensorFlow's */
	static const char *const not_tf[] = { "TF_CLI_", "TF_VAR_", "TF_LOG", "TF_INPUT", "TF_DATA_DIR", "TF_WORKSPACE",
					      "TF_IN_AUTOMATION", "TF_REGISTRY_", "TF_PLUGIN_", "TF_TOKEN_" };
	for (size_t i = 0; i < sizeof(not_tf) / sizeof(not_tf[0]); i++)
		if (!strncmp(name, not_tf[i], strlen(not_tf[i])))
			return 0;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return strcmp(name, "NODICE_TREE") && strcmp(name, "NODICE_MEMBER") && strcmp(name, "NODICE_LOG");
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (!strcmp(name, exact[i]))
			return 1;
	return 0;
}

extern char **environ;

json_object *envrecord_variables(void)
{
	json_object *v = json_object_new_object();
	for (char **e = environ; *e; e++) {
		const char *eq = strchr(*e, '=');
		char name[256];
		if (!eq || (size_t)(eq - *e) >= sizeof(name))
			continue;
		memcpy(name, *e, (size_t)(eq - *e));
		name[eq - *e] = 0;
		if (numerical(name))
			json_object_object_add(v, name, json_object_new_string(eq + 1));
	}
	return v;
}

/* Name and version of the distribution in dir (a .dist-info or .egg-info
 * directory, or an .egg-info file) from its METADATA or PKG-INFO. */
static int metadata(const char *dir, const char *entry, char *name, char *version, size_t size)
{
	char path[4400], line[512];
	snprintf(path, sizeof(path), "%s/%s/%s", dir, entry, strstr(entry, ".dist-info") ? "METADATA" : "PKG-INFO");
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(path, sizeof(path), "%s/%s", dir, entry); /* a one-file egg-info */
		f = fopen(path, "r");
	}
	*name = *version = 0;
	while (f && fgets(line, sizeof(line), f) && line[0] != '\n') {
		line[strcspn(line, "\r\n")] = 0;
		if (!strncmp(line, "Name: ", 6))
			snprintf(name, size, "%.200s", line + 6);
		else if (!strncmp(line, "Version: ", 9))
			snprintf(version, size, "%.200s", line + 9);
	}
	if (f)
		fclose(f);
	return *name && *version ? 0 : -1;
}

/* Whether the distribution entry of dir provides the top-level name top:
 * its top_level.txt lists it, or (without one) its name is top's. */
static int provides(const char *dir, const char *entry, const char *name, const char *top)
{
	char path[4400], line[256];
	snprintf(path, sizeof(path), "%s/%s/top_level.txt", dir, entry);
	FILE *f = fopen(path, "r");
	if (!f) {
		char norm[256];
		snprintf(norm, sizeof(norm), "%s", name);
		for (char *c = norm; *c; c++)
			*c = *c == '-' || *c == '.' ? '_' : (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
		return !strcmp(norm, top);
	}
	int found = 0;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		found = !strcmp(line, top);
	}
	fclose(f);
	return found;
}

/* Adds the distribution that provides file (under site-packages or
 * dist-packages) to libs as name: version; seen remembers the tops tried. */
static void package_of(const char *file, json_object *libs, json_object *seen)
{
	static const char *const roots[] = { "/site-packages/", "/dist-packages/" };
	for (size_t r = 0; r < sizeof(roots) / sizeof(roots[0]); r++) {
		const char *at = strstr(file, roots[r]);
		if (!at)
			continue;
		char dir[4096], top[256];
		snprintf(dir, sizeof(dir), "%.*s", (int)(at - file + strlen(roots[r]) - 1), file);
		snprintf(top, sizeof(top), "%s", at + strlen(roots[r]));
		top[strcspn(top, "/.")] = 0;
		char key[4400];
		snprintf(key, sizeof(key), "%s/%s", dir, top);
		if (!*top || json_object_object_get_ex(seen, key, NULL))
			return;
		json_object_object_add(seen, key, NULL);
		DIR *d = opendir(dir);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			char name[256], version[256];
			if ((strstr(e->d_name, ".dist-info") || strstr(e->d_name, ".egg-info")) &&
			    metadata(dir, e->d_name, name, version, sizeof(name)) == 0 &&
			    provides(dir, e->d_name, name, top)) {
				json_object_object_add(libs, name, json_object_new_string(version));
				break;
			}
		}
		if (d)
			closedir(d);
		return;
	}
}

/* The version of the Python interpreter at exe, asked of it (natively). */
static void python_version(const char *exe, json_object *libs)
{
	const char *b = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	if (strncmp(b, "python", 6) || json_object_object_get_ex(libs, "python", NULL) || strchr(exe, '\''))
		return;
	char cmd[4200], out[64] = "";
	snprintf(cmd, sizeof(cmd), "env -u LD_PRELOAD '%s' -S -c 'import platform; print(platform.python_version())' 2>/dev/null",
		 exe);
	FILE *p = popen(cmd, "r");
	if (p && fgets(out, sizeof(out), p) && out[0] >= '0' && out[0] <= '9') {
		out[strcspn(out, "\n")] = 0;
		json_object_object_add(libs, "python", json_object_new_string(out));
	}
	if (p)
		pclose(p);
}

/* Reads the log's records: the executables, the files mapped and run, the
 * knobs. */
static void from_log(const char *log, json_object *libs, json_object *vars)
{
	FILE *f = log ? fopen(log, "r") : NULL;
	char *line = NULL;
	size_t cap = 0;
	json_object *seen = json_object_new_object();
	while (f && getline(&line, &cap, f) > 0) {
		json_object *rec = json_tokener_parse(line), *a;
		const char *type = str(rec, ND_LK_TYPE);
		if (!strcmp(type, ND_LT_PROCESS))
			python_version(str(rec, ND_LK_EXE), libs);
		if (!strcmp(type, ND_LT_OBJECTS) && json_object_object_get_ex(rec, ND_LK_PATHS, &a))
			for (size_t i = 0; i < json_object_array_length(a); i++)
				package_of(json_object_get_string(json_object_array_get_idx(a, i)), libs, seen);
		if (json_object_object_get_ex(rec, ND_LK_PYTHON, &a))
			for (size_t i = 0; i < json_object_array_length(a); i++)
				package_of(str(json_object_array_get_idx(a, i), ND_LK_FILE), libs, seen);
		if (!strcmp(type, ND_LT_KNOB) && !strcmp(str(rec, ND_LK_SET_BY), "nodice") && numerical(str(rec, ND_LK_NAME)))
			json_object_object_add(vars, str(rec, ND_LK_NAME), json_object_new_string(str(rec, ND_LK_VALUE)));
		json_object_put(rec);
	}
	free(line);
	if (f)
		fclose(f);
	json_object_put(seen);
}

/* What the shim sets where the user did not (cpuvars.h). */
static void shim_defaults(json_object *vars, const char *cpus)
{
	static const char *const counted[] = { ND_CPU_COUNT_VARS }, *const fixed[] = { ND_CPU_FIXED_VARS };
	for (size_t i = 0; i < sizeof(counted) / sizeof(counted[0]); i++)
		if (!json_object_object_get_ex(vars, counted[i], NULL))
			json_object_object_add(vars, counted[i], json_object_new_string(cpus ? cpus : "1"));
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i += 2)
		if (!json_object_object_get_ex(vars, fixed[i], NULL))
			json_object_object_add(vars, fixed[i], json_object_new_string(fixed[i + 1]));
}

json_object *envrecord_make(const char *log, const char *seed, const char *cpus, char **opts, int nopts)
{
	json_object *e = envrecord_machine(), *given = json_object_new_array();
	for (int i = 0; i < nopts; i++)
		json_object_array_add(given, json_object_new_string(opts[i]));
	json_object_object_add(e, "options", given);
	if (seed)
		json_object_object_add(e, "seed", json_object_new_string(seed));
	json_object *libs = json_object_new_object(), *vars = envrecord_variables();
	from_log(log, libs, vars);
	shim_defaults(vars, cpus);
	json_object_object_add(e, "libraries", libs);
	json_object_object_add(e, "variables", vars);
	return e;
}

static void differ(json_object *out, const char *key, json_object *a, json_object *b)
{
	const char *x = a ? json_object_to_json_string(a) : "absent", *y = b ? json_object_to_json_string(b) : "absent";
	if (strcmp(x, y)) {
		char line[2048];
		snprintf(line, sizeof(line), "%s: %s here, %s in the record", key, x, y);
		json_object_array_add(out, json_object_new_string(line));
	}
}

json_object *envrecord_differences(json_object *here, json_object *there)
{
	json_object *out = json_object_new_array();
	if (!there)
		return out;
	json_object_object_foreach(here, key, v)
	{
		json_object *t = NULL, *n = NULL;
		json_object_object_get_ex(there, key, &t);
		if (!strcmp(key, "libraries") || !strcmp(key, "variables")) {
			/* entry by entry, both ways */
			json_object_object_foreach(v, k2, v2)
			{
				char name[512];
				snprintf(name, sizeof(name), "%s %s", key, k2);
				differ(out, name, v2, t && json_object_object_get_ex(t, k2, &n) ? n : NULL);
			}
			if (t && json_object_is_type(t, json_type_object)) {
				json_object_object_foreach(t, k3, v3)
				{
					char name[512];
					snprintf(name, sizeof(name), "%s %s", key, k3);
					if (!json_object_object_get_ex(v, k3, NULL))
						differ(out, name, NULL, v3);
				}
			}
		} else if (strcmp(key, "options")) {
			differ(out, key, v, t);
		}
	}
	return out;
}
