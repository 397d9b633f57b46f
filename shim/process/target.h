/* target: will the shim load into a program. */
#ifndef ND_TARGET_H
#define ND_TARGET_H

/* target.c: records an event (log on) when `file` (searched in PATH when
 * `search`) is an executable the shim cannot load into; 1 when it is 32-bit. */
int nd_target_check(const char *file, int search, char *const envp[]);

#endif
