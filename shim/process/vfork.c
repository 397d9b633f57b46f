/*
 * vfork(2): CPython's subprocess starts children with it, so their ids are
 * placed as fork's are (pids.c). vfork cannot be wrapped by a C function:
 * the child would return from the wrapper's frame and the parent, resumed
 * on the same stack, would find it gone. As glibc's own vfork does, the
 * wrapper keeps its return address in a register across the system call
 * and pushes it back in each process; the placement before the call and the
 * lock's release after it are ordinary calls around it. The child only lets
 * go of the lock (the kernel has given its id by then); the parent, resumed
 * once the child has executed or exited, checks the id it got. This is the
 * one `syscall` instruction of the shim outside core/sys.c.
 */
#include "nodice.h"
#include "block.h"
#include "members.h"
#include "execdone.h"
#include "pids.h"
#include "sys.h"

#include <errno.h>
#include <sys/syscall.h>

/* Called from the wrapper below only. */
void nd_vfork_before(void);
long nd_vfork_after(long r);

static ND_TLS uint32_t token;
static ND_TLS int target;
static ND_TLS char selector;
static ND_TLS char kept; /* the turn is kept across the call (the parent's to clear) */

/* The system call is let through syscall user dispatch as nd_sys's are
 * (core/sys.c): the selector is ALLOW around it, and each process restores
 * it after. */
__attribute__((used)) void nd_vfork_before(void)
{
	selector = nd_sys_selector;
	nd_sys_selector = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	target = 0;
	if (nd_passthrough())
		return;
	nd_log_served(ND_SYM_vfork, 0);
	token = nd_pids_token();
	target = nd_pids_before(nd_member_next_id(), token);
	/* The parent sleeps in the kernel until its child has executed: a
	 * wait the child owes, not one outside (the watch took it for one
	 * under load, sched/watch.c, and let another thread run meanwhile). */
	kept = 1;
	nd_member_keeps_turn(1);
}

__attribute__((used)) long nd_vfork_after(long r)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	nd_sys_selector = selector;
	if (r == 0) {
		nd_pids_after(token, target, 0);
		return 0;
	}
	nd_pids_after(token, target, r > 0 ? (int)r : -1);
	if (r > 0) {
		nd_execdone_await((pid_t)r); /* its end of file of close-on-exec pipes first */
		nd_sched_child_started();
	}
	if (kept) {
		kept = 0;
		nd_member_keeps_turn(0);
	}
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

__asm__(".text\n"
	".globl vfork\n"
	".type vfork, @function\n"
	"vfork:\n"
	"	endbr64\n"
	"	sub $8, %rsp\n"
	"	call nd_vfork_before\n"
	"	add $8, %rsp\n"
	"	pop %rdi\n" /* the return address, kept across the call */
	"	mov $58, %eax\n" /* SYS_vfork */
	"	syscall\n"
	"	push %rdi\n" /* each process puts it back */
	"	mov %rax, %rdi\n"
	"	sub $8, %rsp\n"
	"	call nd_vfork_after\n"
	"	add $8, %rsp\n"
	"	ret\n"
	".size vfork, .-vfork\n");
