/* Verify manifests; see manifest.h. */
#include "manifest.h"
#include "verify_runs.h"
#include "envrecord.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	json_object *e = envrecord_machine();
	json_object_object_add(e, "libraries", python_versions());
	json_object_object_add(e, "variables", envrecord_variables());
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

json_object *manifest_of(char **cmd, const char *seed, const char *epoch, const char *tick, const char *cpus,
			 const struct verify_run *r, json_object *environment)
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
	json_object_object_add(m, "environment", json_object_get(environment));
	json_object_object_add(m, "hashes", manifest_hashes(r));
	return m;
}
