/* The run's PID namespace: the command as the first process of a new PID
 * namespace, whose ids the shim places so they repeat (pidns.c). */
#ifndef ND_PIDNS_H
#define ND_PIDNS_H

enum { PIDNS_AUTO, PIDNS_ON, PIDNS_OFF }; /* default (root only), --pid-ns, --no-pid-ns */
#define PIDNS_UNUSED (-2)

/* Runs argv in a new PID namespace (a user namespace too when ON and not
 * root) with /proc remounted, and returns its exit status (128+signal if
 * killed). PIDNS_UNUSED: no namespace (OFF; AUTO when one cannot be made):
 * the caller runs argv itself. -1 (ON only): it could not be made, the
 * message printed. */
int pidns_run(const char *sub, char **argv, int mode);

#endif
