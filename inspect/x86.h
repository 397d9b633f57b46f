/*
 * An x86-64 instruction length decoder, just deep enough to walk machine code
 * instruction by instruction and name the few instructions nodice cares about.
 */
#ifndef ND_X86_H
#define ND_X86_H

#include <stddef.h>
#include <stdint.h>

enum x86_kind {
	X86_OTHER,
	X86_RDTSC,
	X86_RDTSCP,
	X86_RDRAND,
	X86_RDSEED,
	X86_CPUID,
	X86_SYSCALL,
};

struct x86_insn {
	size_t len;         /* bytes; 1 for an undecodable byte */
	enum x86_kind kind;
	int32_t imm_eax;    /* for `mov $imm32, %eax`: the immediate; else -1 */
	int has_target;     /* a rel32 branch or RIP-relative operand: */
	int64_t target;     /* its target, relative to the instruction's address */
};

/* Decodes the instruction at code[0..avail). Never reads past avail; an
 * instruction cut by the end gets len = avail and kind X86_OTHER. */
struct x86_insn x86_decode(const uint8_t *code, size_t avail);

const char *x86_kind_name(enum x86_kind k);

#endif
