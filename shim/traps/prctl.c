/*
 * prctl(2): the options the shim's traps own. PR_SET_TSC and PR_GET_TSC see
 * the program's own setting (tsc.c: a program that asks for SIGSEGV on
 * rdtsc gets it, through its handler) while the trap stays armed;
 * PR_SET_SYSCALL_USER_DISPATCH is refused with EBUSY while the shim's own
 * dispatch is armed (dispatch.c), and logged. Every other option is libc's.
 */
#include "nodice.h"
#include "tsc.h"
#include "dispatch.h"

#include <stdarg.h>
#include <sys/prctl.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#endif

ND_EXPORT int prctl(int option, ...)
{
	ND_ORDERED();
	va_list ap;
	va_start(ap, option);
	unsigned long a = va_arg(ap, unsigned long), b = va_arg(ap, unsigned long);
	unsigned long c = va_arg(ap, unsigned long), d = va_arg(ap, unsigned long);
	va_end(ap);
	if (nd_passthrough())
		return nd_real.prctl(option, a, b, c, d);
	long r;
	if (nd_tsc_prctl(option, a, &r))
		return (int)nd_ret(r);
	if (nd_dispatch_on && option == PR_SET_SYSCALL_USER_DISPATCH) {
		nd_log_uncontrolled("syscall", "the program asked for syscall user dispatch itself: refused (EBUSY)");
		return (int)nd_ret(-EBUSY);
	}
	return nd_real.prctl(option, a, b, c, d);
}
