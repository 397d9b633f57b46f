/*
 * The frameworks' determinism switches, turned from outside (docs/gpu.md):
 * the environment variables through which cuBLAS, TensorFlow, NCCL,
 * Lightning, OpenMP, MKL and CPython choose deterministic behaviour, and the
 * Python start-up hook (nodice-python/sitecustomize.py, beside this library)
 * that turns PyTorch's switches on once the program imports torch.
 *
 * Set by the root of the run only (the image no parent under the shim
 * started), before anything else reads the environment, and only where the
 * user did not set a value: theirs is kept. Every knob goes to the log as a
 * `knob` record saying who chose its value, so inspect can report both. A
 * program that removes one for a child is obeyed, as for SOURCE_DATE_EPOCH.
 *
 * The hook reports what it did through a path no file has: a stat of
 * ND_KNOB_PATH "NAME=VALUE" is logged here and fails with ENOENT, as it
 * would without the shim. It needs no module beyond those Python loads
 * before site, and no channel the program could see.
 */
#include "nodice.h"
#include "fmt.h"
#include "knobs.h"
#include "stream.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HOOK_DIR "nodice-python"

static void knob(const char *name, const char *value)
{
	const char *had = getenv(name);
	if (had) {
		nd_log_knob(name, had, "user");
		return;
	}
	if (setenv(name, value, 0) == 0)
		nd_log_knob(name, value, "nodice");
}

static void seeded_knob(const char *name, uint64_t tag, uint64_t modulus, uint64_t plus)
{
	char v[24];
	struct nd_buf b = ND_BUF(v);
	nd_fmt_u64(&b, nd_stream_derive(tag, ND_TAG(ND_TAG_KNOB)) % modulus + plus);
	*b.p = 0;
	knob(name, v);
}

/* The directory holding the hook: beside libnodice.so as it was loaded. */
static int hook_dir(char *out, size_t size)
{
	Dl_info info;
	char lib[PATH_MAX];
	if (!dladdr((void *)nd_knobs_export, &info) || !info.dli_fname || !realpath(info.dli_fname, lib))
		return -1;
	char *slash = strrchr(lib, '/');
	if (!slash)
		return -1;
	*slash = 0;
	struct nd_buf b = { out, out + size, 0 };
	nd_fmt_str(&b, lib);
	nd_fmt_str(&b, "/" HOOK_DIR);
	if (b.overflow || b.p >= out + size)
		return -1;
	*b.p = 0;
	return 0;
}

/* PYTHONPATH gets the hook first, so that it shadows any sitecustomize and
 * hands over to it; the hook takes its own entry back off sys.path. */
static void python_hook(void)
{
	char dir[PATH_MAX], file[PATH_MAX + 32], path[2 * PATH_MAX + 64];
	if (hook_dir(dir, sizeof(dir)) < 0) {
		nd_log_uncontrolled("framework-knobs", "the Python hook's directory could not be found: "
						       "PyTorch's switches stay as the program sets them");
		return;
	}
	struct nd_buf f = ND_BUF(file);
	nd_fmt_str(&f, dir);
	nd_fmt_str(&f, "/sitecustomize.py");
	*f.p = 0;
	if (access(file, R_OK) != 0) {
		nd_log_uncontrolled("framework-knobs", "the Python hook is missing beside libnodice.so: "
						       "PyTorch's switches stay as the program sets them");
		return;
	}
	const char *old = getenv("PYTHONPATH");
	struct nd_buf p = ND_BUF(path);
	nd_fmt_str(&p, dir);
	if (old && *old) {
		nd_fmt_str(&p, ":");
		nd_fmt_str(&p, old);
	}
	if (p.overflow || p.p >= path + sizeof(path))
		return;
	*p.p = 0;
	if (setenv("PYTHONPATH", path, 1) == 0)
		nd_log_knob("python-hook", dir, "nodice");
}

void nd_knobs_export(void)
{
	if (nd_cfg.has_lineage)
		return;
	/* --portable pins MKL's code path (the command sets NODICE_PORTABLE
	 * with its other pins); it is an option of its own, not a knob. */
	const char *portable = getenv("NODICE_PORTABLE");
	if (portable && *portable == '1')
		knob("MKL_CBWR", "COMPATIBLE");
	if (nd_cfg.framework_knobs == ND_KNOBS_OFF)
		return;
	/* for the hook: warn or raise (the library alone has the default) */
	setenv("NODICE_FRAMEWORK_KNOBS", nd_cfg.framework_knobs == ND_KNOBS_STRICT ? "strict" : "on", 0);
	knob("CUBLAS_WORKSPACE_CONFIG", ":4096:8");
	knob("TF_DETERMINISTIC_OPS", "1");
	knob("TF_CUDNN_DETERMINISTIC", "1");
	seeded_knob("PYTHONHASHSEED", 1, 4294967295u, 1); /* 0 would turn hashing's salt off */
	seeded_knob("PL_GLOBAL_SEED", 2, 4294967296u, 0);
	knob("NCCL_ALGO", "Ring");
	knob("NCCL_PROTO", "Simple");
	knob("NCCL_NVLS_ENABLE", "0");
	knob("OMP_DYNAMIC", "FALSE");
	knob("MKL_DYNAMIC", "FALSE");
	python_hook();
}

int nd_knobs_reported(const char *path)
{
	static const char prefix[] = ND_KNOB_PATH;
	if (!path || strncmp(path, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	const char *what = path + sizeof(prefix) - 1;
	const char *eq = strchr(what, '=');
	char name[64];
	size_t n = eq ? (size_t)(eq - what) : 0;
	if (!eq || n == 0 || n >= sizeof(name))
		return 1;
	memcpy(name, what, n);
	name[n] = 0;
	nd_log_knob(name, eq + 1, "nodice");
	return 1;
}
