/* target: will the shim load into a program. */
#ifndef ND_TARGET_H
#define ND_TARGET_H

/* target.c: records an event (log on) when `file` (searched in PATH when
 * `search`) is an executable the shim cannot load into, and says which:
 * ND_TARGET_SHIM (it will load, or no verdict), ND_TARGET_32BIT (the
 * caller must leave the shim out of LD_PRELOAD: the loader would complain on
 * stderr), ND_TARGET_NO_SHIM (static or set-user-ID: the loader ignores it). */
enum { ND_TARGET_SHIM, ND_TARGET_32BIT, ND_TARGET_NO_SHIM };
int nd_target_check(const char *file, int search, char *const envp[]);

#endif
