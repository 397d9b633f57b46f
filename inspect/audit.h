/* `nodice audit`: what nondeterminism an ELF binary can reach, statically. */
#ifndef ND_AUDIT_H
#define ND_AUDIT_H

#include <stddef.h>
int audit_main(int argc, char **argv);

/* Why the shim cannot load into the program `file` would run (searched in
 * PATH like execvp), written to why; 0 when it can, or when `file` is not
 * an ELF executable (a script is judged by the program it runs). */
int audit_unloadable(const char *file, char *why, size_t size);
#endif
