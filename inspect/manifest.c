/* Verify manifests; see manifest.h. */
#include "manifest.h"
#include "verify_runs.h"

#include <errno.h>
#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static void cpu_model(char *out, size_t size)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	snprintf(out, size, "unknown");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
			snprintf(out, size, "%s", strchr(line, ':') + 2);
			out[strcspn(out, "\n")] = 0;
			break;
		}
	if (f)
		fclose(f);
}

/* Versions of Python's numeric stack, from package metadata (50 ms: nothing
 * is imported, torch's import alone takes a second). */
static json_object *python_versions(void)
{
	FILE *p = popen("/usr/bin/python3 -c 'import importlib.metadata as m, sys\n"
			"print(\"python\", sys.version.split()[0])\n"
			"for name in (\"numpy\", \"torch\", \"scikit-learn\", \"scipy\"):\n"
			"    try:\n"
			"        print(name, m.version(name))\n"
			"    except Exception:\n"
			"        pass' 2>/dev/null",
			"r");
	json_object *v = json_object_new_object();
	char line[256], name[64], ver[128];
	while (p && fgets(line, sizeof(line), p))
		if (sscanf(line, "%63s %127s", name, ver) == 2)
			json_object_object_add(v, name, json_object_new_string(ver));
	if (p)
		pclose(p);
	return v;
}

json_object *manifest_environment(void)
{
	json_object *e = json_object_new_object();
	struct utsname u;
	char cpu[256];
	cpu_model(cpu, sizeof(cpu));
	uname(&u);
	json_object_object_add(e, "nodice", json_object_new_string(NODICE_VERSION));
	json_object_object_add(e, "glibc", json_object_new_string(gnu_get_libc_version()));
	json_object_object_add(e, "kernel", json_object_new_string(u.release));
	json_object_object_add(e, "machine", json_object_new_string(u.machine));
	json_object_object_add(e, "cpu", json_object_new_string(cpu));
	json_object_object_add(e, "libraries", python_versions());
	/* The variables that change what a run computes. */
	static const char *const vars[] = { "NODICE_SEED", "NODICE_EPOCH", "NODICE_TICK_NS", "NODICE_CPUS",
					    "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
					    "PYTHONHASHSEED", "CUBLAS_WORKSPACE_CONFIG", "LANG", "LC_ALL", "TZ" };
	json_object *env = json_object_new_object();
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (getenv(vars[i]))
			json_object_object_add(env, vars[i], json_object_new_string(getenv(vars[i])));
	json_object_object_add(e, "variables", env);
	return e;
}

int manifest_writable(const char *path, char *why, size_t size)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.nodice-check-%d", path, (int)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(why, size, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	fclose(f);
	unlink(tmp);
	return 0;
}

int manifest_write(const char *path, json_object *root, char *why, size_t size)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.nodice-tmp-%d", path, (int)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(why, size, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	int bad = fputs(text, f) < 0 || fputc('\n', f) == EOF;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) < 0) {
		snprintf(why, size, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

json_object *manifest_read(const char *path, char *why, size_t size)
{
	json_object *j = json_object_from_file(path);
	if (!j || !json_object_is_type(j, json_type_object) || !json_object_object_get_ex(j, "hashes", NULL)) {
		snprintf(why, size, "%s is not a nodice manifest", path);
		json_object_put(j);
		return NULL;
	}
	return j;
}

json_object *manifest_hashes(const struct verify_run *r)
{
	json_object *h = json_object_new_object();
	char hex[65], why[256], status[16];
	snprintf(status, sizeof(status), "%d", r->status);
	json_object_object_add(h, "exit status", json_object_new_string(status));
	if (artifacts_sha256(r->out, hex, why, sizeof(why)) == 0)
		json_object_object_add(h, "stdout", json_object_new_string(hex));
	if (artifacts_sha256(r->err, hex, why, sizeof(why)) == 0)
		json_object_object_add(h, "stderr", json_object_new_string(hex));
	for (size_t i = 0; i < r->art.n; i++) {
		char what[4200];
		snprintf(what, sizeof(what), "artifact %s", r->art.files[i].path);
		json_object_object_add(h, what, json_object_new_string(r->art.files[i].sha256));
	}
	return h;
}

void manifest_against(json_object *diffs, json_object *manifest, const struct verify_run *r)
{
	json_object *want = json_object_object_get(manifest, "hashes"), *have = manifest_hashes(r);
	json_object_object_foreach(want, what, v)
	{
		json_object *h;
		char d[512];
		if (!json_object_object_get_ex(have, what, &h)) {
			snprintf(d, sizeof(d), "in the manifest, not produced here");
			verify_add_difference(diffs, what, -1, d);
		} else if (strcmp(json_object_get_string(h), json_object_get_string(v))) {
			snprintf(d, sizeof(d), "%s here, %s in the manifest", json_object_get_string(h), json_object_get_string(v));
			verify_add_difference(diffs, what, -1, d);
		}
	}
	json_object_object_foreach(have, what2, v2)
	{
		(void)v2;
		if (!json_object_object_get_ex(want, what2, NULL))
			verify_add_difference(diffs, what2, -1, "produced here, not in the manifest");
	}
	json_object_put(have);
}

json_object *manifest_machine_differences(json_object *manifest)
{
	json_object *here = manifest_environment(), *there = json_object_object_get(manifest, "environment");
	json_object *out = json_object_new_array();
	json_object_object_foreach(here, key, v)
	{
		json_object *t;
		if (!there || !json_object_object_get_ex(there, key, &t))
			continue;
		if (strcmp(json_object_to_json_string(v), json_object_to_json_string(t))) {
			char line[1024];
			snprintf(line, sizeof(line), "%s: %s here, %s in the manifest", key, json_object_to_json_string(v),
				 json_object_to_json_string(t));
			json_object_array_add(out, json_object_new_string(line));
		}
	}
	json_object_put(here);
	return out;
}

json_object *manifest_of(char **cmd, const char *seed, const char *epoch, const char *tick, const char *cpus,
			 const struct verify_run *r)
{
	json_object *m = json_object_new_object(), *opts = json_object_new_object(), *c = json_object_new_array();
	for (int k = 0; cmd[k]; k++)
		json_object_array_add(c, json_object_new_string(cmd[k]));
	if (epoch)
		json_object_object_add(opts, "epoch", json_object_new_string(epoch));
	if (tick)
		json_object_object_add(opts, "tick_ns", json_object_new_string(tick));
	if (cpus)
		json_object_object_add(opts, "cpus", json_object_new_string(cpus));
	json_object_object_add(m, "nodice_manifest", json_object_new_int(1));
	json_object_object_add(m, "seed", json_object_new_string(seed));
	json_object_object_add(m, "command", c);
	json_object_object_add(m, "options", opts);
	json_object_object_add(m, "environment", manifest_environment());
	json_object_object_add(m, "hashes", manifest_hashes(r));
	return m;
}
