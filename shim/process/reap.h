/* reap: which child a wait for any child reaps (reap.c). */
#ifndef ND_REAP_H
#define ND_REAP_H

#include <sys/types.h>
#include <sys/wait.h>

/* For a blocking wait for any child (waitid's type and options): the pid
 * whose end comes first in the tree's order, once it may be reaped; 0 when
 * the kernel decides (the call is made as given); -1 with errno EINTR when
 * a signal handler interrupted the wait as it would have the call. */
pid_t nd_reap_first(idtype_t type, int options);
/* For a WNOHANG wait (P_PID or P_ALL): waits for a child that has left its
 * time to be reapable; for any child, the pid whose end comes first among
 * those that have (0: none, the call is made as given); ND_REAP_NONE when
 * that end comes after the caller's present: the call answers that no
 * child has ended yet. */
#define ND_REAP_NONE (-2)
pid_t nd_reap_nohang(idtype_t type, id_t id, int options);
/* Whether child pid has ended and can be reaped (a waitid that reaps
 * nothing; options: the call's, WEXITED added): 1, 0 not yet, -1 with the
 * call's error (ECHILD: no such child). */
int nd_reap_ended(pid_t pid, int options);
/* This process's children, at most max of them (more: -1). */
#include <stdint.h>
int nd_reap_children(int32_t *pid, int max);

#endif
