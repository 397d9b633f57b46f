/* dispatch: syscall user dispatch. */
#ifndef ND_DISPATCH_H
#define ND_DISPATCH_H

/* dispatch.c: inline system calls outside libc trapped (syscall user
 * dispatch) and served or performed; armed per thread. */
void nd_dispatch_start(void);
void nd_dispatch_thread_start(void);
long nd_dispatch_serve(long nr, long a, long b, long c, long d, long e);
/* statcall.c: the stat family's system calls, or -ENOSYS for another. */
long nd_statcall_serve(long nr, long a, long b, long c, long d, long e);
extern int nd_dispatch_on; /* armed in this process */

#endif
