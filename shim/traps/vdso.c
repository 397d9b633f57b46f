/*
 * vDSO patching. glibc binds time, gettimeofday and clock_gettime to the
 * vDSO and calls it through cached pointers from inside libc (timespec_get,
 * DNS ids, ...); some programs and runtimes call __vdso_* directly. None of
 * that passes a symbol the preload owns, so each vDSO entry point is
 * overwritten with `movabs $target, %rax; jmp *%rax` into the shim: every
 * caller, cached pointer or not, reaches the virtual clock.
 *
 * The vDSO is an ELF image mapped by the kernel (AT_SYSINFO_EHDR); its
 * dynamic symbols give the entries. Writing needs mprotect(PROT_WRITE) on
 * its pages, which makes them private copies (copied again on fork; a new
 * program gets a fresh vDSO). The replacements keep the vDSO's convention:
 * 0 or -errno, no errno. __vdso_getrandom (kernel 6.11+, used by glibc 2.41+)
 * serves the entropy stream and refuses the opaque-state query, so callers
 * fall back to getrandom(2), which the shim serves too.
 *
 * The shim's own real-time reads use raw system calls from here on.
 */
#include "nodice.h"
#include "vdso.h"
#include "vclock.h"
#include "random.h"
#include "clock.h"

#include <elf.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>

static long vdso_clock_gettime(long clk, struct timespec *ts)
{
	ND_ORDERED();
	nd_log_trap(ND_TRAP_VDSO);
	return nd_clock_gettime((int)clk, ts);
}

static long vdso_gettimeofday(struct timeval *tv, void *tz)
{
	ND_ORDERED();
	struct timespec ts;
	nd_log_trap(ND_TRAP_VDSO);
	nd_clock_gettime(CLOCK_REALTIME, &ts);
	if (tv) {
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = ts.tv_nsec / 1000;
	}
	if (tz)
		memset(tz, 0, sizeof(struct timezone));
	return 0;
}

static long vdso_time(time_t *t)
{
	ND_ORDERED();
	struct timespec ts;
	nd_log_trap(ND_TRAP_VDSO);
	nd_clock_gettime(CLOCK_REALTIME, &ts);
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}

static long vdso_clock_getres(long clk, struct timespec *res)
{
	ND_ORDERED();
	int64_t unused;
	nd_log_trap(ND_TRAP_VDSO);
	if (nd_vclock_at((int)clk, 0, &unused) < 0)
		return -EINVAL;
	if (res) {
		res->tv_sec = (time_t)(nd_cfg.tick_ns / ND_NS);
		res->tv_nsec = (long)(nd_cfg.tick_ns % ND_NS);
	}
	return 0;
}

static long vdso_getcpu(unsigned *cpu, unsigned *node, void *cache)
{
	ND_ORDERED();
	nd_log_trap(ND_TRAP_VDSO);
	if (cpu)
		*cpu = 0;
	if (node)
		*node = 0;
	return 0;
}

static long vdso_getrandom(void *buf, size_t len, unsigned flags, void *state, size_t state_len)
{
	ND_ORDERED();
	if (state_len == ~(size_t)0)
		return -EINVAL; /* no vgetrandom state: use the system call */
	nd_log_trap(ND_TRAP_VDSO);
	return nd_random_getrandom(buf, len, flags);
}

static const struct {
	const char *name;
	void *target;
} patches[] = {
	{ "__vdso_clock_gettime", (void *)vdso_clock_gettime },
	{ "__vdso_gettimeofday", (void *)vdso_gettimeofday },
	{ "__vdso_time", (void *)vdso_time },
	{ "__vdso_clock_getres", (void *)vdso_clock_getres },
	{ "__vdso_getcpu", (void *)vdso_getcpu },
	{ "__vdso_getrandom", (void *)vdso_getrandom },
};

#define JUMP_SIZE 12

static void write_jump(uint8_t *at, void *target)
{
	uint64_t t = (uint64_t)(uintptr_t)target;
	at[0] = 0x48; /* movabs $target, %rax */
	at[1] = 0xb8;
	memcpy(at + 2, &t, 8);
	at[10] = 0xff; /* jmp *%rax */
	at[11] = 0xe0;
}

int nd_vdso_start(void)
{
	const uint8_t *base = (const uint8_t *)getauxval(AT_SYSINFO_EHDR);
	if (!base)
		return -ENOENT;
	const Elf64_Ehdr *eh = (const void *)base;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return -ENOEXEC;
	const Elf64_Phdr *ph = (const void *)(base + eh->e_phoff);
	uintptr_t bias = 0, lo = UINTPTR_MAX, hi = 0;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD) {
			bias = (uintptr_t)base - ph[i].p_vaddr + ph[i].p_offset;
			lo = (uintptr_t)base + ph[i].p_offset;
			hi = lo + ph[i].p_memsz;
		}
	const Elf64_Shdr *sh = (const void *)(base + eh->e_shoff);
	const Elf64_Sym *syms = NULL;
	const char *strs = NULL;
	size_t nsyms = 0;
	for (int i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == SHT_DYNSYM) {
			syms = (const void *)(base + sh[i].sh_offset);
			nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
			strs = (const char *)(base + sh[sh[i].sh_link].sh_offset);
		}
	if (!syms || hi <= lo)
		return -ENOENT;
	uintptr_t page = lo & ~(uintptr_t)4095;
	size_t span = ((hi + 4095) & ~(uintptr_t)4095) - page;
	if (mprotect((void *)page, span, PROT_READ | PROT_WRITE | PROT_EXEC) < 0)
		return -errno;
	int patched = 0;
	for (size_t p = 0; p < sizeof(patches) / sizeof(patches[0]); p++)
		for (size_t i = 0; i < nsyms; i++) {
			if (strcmp(strs + syms[i].st_name, patches[p].name) || !syms[i].st_value ||
			    syms[i].st_size < JUMP_SIZE)
				continue;
			write_jump((uint8_t *)(bias + syms[i].st_value), patches[p].target);
			patched++;
			break;
		}
	mprotect((void *)page, span, PROT_READ | PROT_EXEC);
	if (patched)
		nd_log_trap_active(ND_TRAP_VDSO);
	return patched;
}
