/*
 * CPUID faulting: the one way to hide RDRAND and RDSEED from every feature
 * check (libstdc++, OpenSSL, libgcrypt, systemd, hand-written code). Where
 * the kernel and CPU allow arch_prctl(ARCH_SET_CPUID, 0), CPUID traps like
 * RDTSC does; the SIGSEGV handler (tsc.c) asks this file to answer it: the
 * real CPUID is executed with faulting switched off for that instant, and
 * the RDRAND bit (leaf 1, ECX bit 30) and RDSEED bit (leaf 7.0, EBX bit 18)
 * are cleared. Faulting is verified by executing one CPUID after enabling
 * it; if that does not trap, it is switched off again. The setting is
 * cleared by execve. Many machines (this kind of VM among them) refuse it:
 * that is reported, and std::random_device and OpenSSL are then handled by
 * name (stdcxx.c, OPENSSL_ia32cap).
 */
#include "nodice.h"
#include "tsc.h"
#include "cpuid_fault.h"

#include <asm/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>

static int active;
static volatile int verified;

static void cpuid(unsigned leaf, unsigned sub, unsigned r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

int nd_cpuid_emulate(void *gregs)
{
	greg_t *g = gregs;
	const uint8_t *ip = (const uint8_t *)g[REG_RIP];
	if (!active || ip[0] != 0x0f || ip[1] != 0xa2)
		return 0;
	unsigned leaf = (unsigned)g[REG_RAX], sub = (unsigned)g[REG_RCX], r[4];
	nd_sys(SYS_arch_prctl, ARCH_SET_CPUID, 1, 0, 0, 0, 0);
	cpuid(leaf, sub, r);
	nd_sys(SYS_arch_prctl, ARCH_SET_CPUID, 0, 0, 0, 0, 0);
	if (leaf == 1)
		r[2] &= ~(1u << 30); /* RDRAND */
	if (leaf == 7 && sub == 0)
		r[1] &= ~(1u << 18); /* RDSEED */
	g[REG_RAX] = r[0];
	g[REG_RBX] = r[1];
	g[REG_RCX] = r[2];
	g[REG_RDX] = r[3];
	g[REG_RIP] += 2;
	verified = 1;
	return 1;
}

void nd_cpuid_start(void)
{
	if (!nd_tsc_trapped && !nd_cfg.native_tsc) /* needs the SIGSEGV handler */
		return;
	if (nd_sys(SYS_arch_prctl, ARCH_SET_CPUID, 0, 0, 0, 0, 0) != 0) {
		nd_log_uncontrolled("rdrand", "CPUID faulting is not available: RDRAND/RDSEED stay visible to "
					      "feature checks (std::random_device and OpenSSL are handled by name)");
		return;
	}
	active = 1;
	unsigned r[4];
	cpuid(0, 0, r);
	if (!verified) {
		active = 0;
		nd_sys(SYS_arch_prctl, ARCH_SET_CPUID, 1, 0, 0, 0, 0);
		nd_log_uncontrolled("rdrand", "CPUID faulting was accepted but did not trap: RDRAND/RDSEED stay visible");
	}
}
