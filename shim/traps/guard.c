/*
 * The clock guard: a seccomp filter, installed once at the root of the tree,
 * under which the machine's clock cannot be set by any process of the run.
 *
 * The shim answers every clock-setting call it sees from the virtual clock
 * (settime.c) and never passes one to the kernel. The guard is for the calls
 * it cannot see: a statically linked child, a path inside libc that no
 * interposer reaches. clock_settime, settimeofday, adjtimex and clock_adjtime
 * (x86-64 and x32 numbers, and the i386 ones an `int 0x80` reaches, stime
 * and the time64 variants included) fail with EPERM, as they do for a user
 * without CAP_SYS_TIME. A filter cannot read adjtimex's structure, so a
 * read-only adjtimex from a program outside the shim gets EPERM as well
 * (docs/limits.md). Everything else is allowed, so the kernel's constant-
 * action cache makes other system calls cost nothing.
 *
 * A filter is inherited by every child and survives exec, and returning an
 * errno never kills: a program outside the shim keeps running. Installing
 * one needs CAP_SYS_ADMIN or no_new_privs; the shim never sets no_new_privs
 * (it would break set-user-ID programs in the tree), so without
 * CAP_SYS_ADMIN there is no guard, which is logged. Such a process has no
 * CAP_SYS_TIME either, unless a file capability grants it to a program the
 * loader then runs without the shim.
 */
#include "nodice.h"
#include "settime.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/syscall.h>

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define DENY_IF(nr, dist) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), (dist), 0)

void nd_guard_start(void)
{
	/* Jump offsets count the instructions skipped; the layout is
	 * x86-64 checks (2-8), i386 checks (9-18), the refusal (19). */
	static const struct sock_filter prog[] = {
		/* 0 */ LOAD(arch),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 7),
		/* 2 */ LOAD(nr),
		/* 3 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~0x40000000u), /* x32 calls carry this bit */
		/* 4 */ DENY_IF(SYS_clock_settime, 14),
		/* 5 */ DENY_IF(SYS_settimeofday, 13),
		/* 6 */ DENY_IF(SYS_adjtimex, 12),
		/* 7 */ DENY_IF(SYS_clock_adjtime, 11),
		/* 8 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 8),
		/* 10 */ LOAD(nr),
		/* 11..17: settimeofday, stime, adjtimex, clock_settime, clock_adjtime,
		 * clock_settime64, clock_adjtime64 */
		/* 11 */ DENY_IF(79, 7),
		/* 12 */ DENY_IF(25, 6),
		/* 13 */ DENY_IF(124, 5),
		/* 14 */ DENY_IF(264, 4),
		/* 15 */ DENY_IF(343, 3),
		/* 16 */ DENY_IF(404, 2),
		/* 17 */ DENY_IF(405, 1),
		/* 18 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* 19 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	};
	struct sock_fprog fprog = { sizeof(prog) / sizeof(prog[0]), (struct sock_filter *)prog };
	if (nd_sys(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, (long)&fprog, 0, 0, 0) != 0)
		nd_log_uncontrolled("clock-guard", "no seccomp guard (needs CAP_SYS_ADMIN): clock-setting calls "
						   "the shim does not see reach the kernel");
}
