/* --pid-ns: running a command as pid 2 of a new PID namespace. */
#ifndef ND_PIDNS_H
#define ND_PIDNS_H

/* Runs argv in a new PID namespace (user namespace too when not root) with
 * /proc remounted, and returns its exit status (128+signal if killed), or
 * -1 with a message printed when the namespace cannot be made. */
int pidns_run(const char *sub, char **argv);

#endif
