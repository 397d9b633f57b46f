/* `nodice audit`: what nondeterminism an ELF binary can reach, statically. */
#ifndef ND_AUDIT_H
#define ND_AUDIT_H
int audit_main(int argc, char **argv);
#endif
