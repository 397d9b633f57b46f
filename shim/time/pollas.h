/* pollas: ppoll's wait made for another call, logged as that call's
 * symbol (a scheduled thread's select and pselect: select.c). */
#ifndef ND_POLLAS_H
#define ND_POLLAS_H

#include <poll.h>
#include <signal.h>
#include <time.h>

/* ppoll(fds, n, tmo, mask) past its checks of the arguments and its
 * sleeps (no descriptor), counted as sym (enum nd_sym). */
int nd_ppoll_as(int sym, struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *mask);

#endif
