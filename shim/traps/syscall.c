/*
 * syscall(2), the libc function: OpenSSL 3 and others call
 * syscall(SYS_getrandom, ...) to skip the getrandom wrapper, and libnuma asks
 * for the affinity mask this way. Controlled numbers are served by the same
 * table as trapped inline syscall instructions (dispatch.c), so bad pointers
 * give EFAULT as from the kernel; every other number goes to libc unchanged.
 */
#include "nodice.h"
#include "dispatch.h"
#include "block.h"

#include <stdarg.h>
#include <sys/syscall.h>

ND_EXPORT long syscall(long nr, ...)
{
	ND_ORDERED();
	va_list ap;
	va_start(ap, nr);
	long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
	long d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
	va_end(ap);
	if (!nd_passthrough()) {
		long r = nd_dispatch_serve(nr, a, b, c, d, e);
		if (r != -ENOSYS) {
			nd_log_served(ND_SYM_syscall, nr == SYS_getrandom && r > 0 ? (uint64_t)r : 0);
			return nd_ret(r);
		}
	}
	if (nr == SYS_futex && !nd_passthrough())
		return nd_ret(nd_futex_call(a, b, c, d, e, f));
	int out = !nd_passthrough() && nd_block_leave_for_syscall(nr, a, b);
	long r = nd_real.syscall(nr, a, b, c, d, e, f);
	if (out)
		nd_block_rejoin();
	return r;
}
