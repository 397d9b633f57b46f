/*
 * The environment record of reports and manifests (envrecord.c): nodice's
 * version, commit and options, the seed, kernel, CPU model and x86-64
 * level, glibc, the Python that ran and the versions of the Python packages
 * whose code was loaded, and the variables that change numerical results.
 */
#ifndef ND_ENVRECORD_H
#define ND_ENVRECORD_H

#include <json-c/json.h>

/* The commit the command was built from (main.c sets it). */
extern const char *envrecord_commit;

/* The machine part: "nodice", "commit", "glibc", "kernel", "machine",
 * "cpu", "isa". */
json_object *envrecord_machine(void);

/* The variables of this process's environment that change numerical
 * results (OMP_*, MKL_*, OPENBLAS_*, CUBLAS_*, NCCL_*, TF_*, PYTHONHASHSEED,
 * ATEN_CPU_CAPABILITY, NODICE_* …). */
json_object *envrecord_variables(void);

/* The whole record of a run: the machine part, "options" (the nopts
 * arguments given to the subcommand before the command), "seed",
 * "libraries" ({"python": version, distribution name: version} for what the
 * log at path shows was loaded) and "variables" (the environment's, with
 * the knobs nodice set, and the thread counts --cpus gives them: cpus, NULL
 * for the default). log may be NULL. */
json_object *envrecord_make(const char *log, const char *seed, const char *cpus, char **opts, int nopts);

/* "key: here, there" lines for what differs between two records, the
 * libraries and variables entry by entry; an array of strings. */
json_object *envrecord_differences(json_object *here, json_object *there);

#endif
