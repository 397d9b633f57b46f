/* x86.c: lengths and kinds of known byte sequences. */
#include <criterion/criterion.h>

#include "x86.h"

static struct x86_insn at(const uint8_t *b, size_t n)
{
	return x86_decode(b, n);
}

#define DECODES(bytes, want_len, want_kind)                                                     \
	do {                                                                                    \
		static const uint8_t b_[] = bytes;                                              \
		struct x86_insn in_ = at(b_, sizeof(b_));                                       \
		cr_assert_eq(in_.len, (size_t)(want_len), "%s: len %zu", #bytes, in_.len);       \
		cr_assert_eq(in_.kind, want_kind, "%s: kind %s", #bytes, x86_kind_name(in_.kind)); \
	} while (0)

#define B(...) { __VA_ARGS__ }

Test(x86, nondeterministic_instructions_are_recognized)
{
	DECODES(B(0x0f, 0x31), 2, X86_RDTSC);
	DECODES(B(0x0f, 0x01, 0xf9), 3, X86_RDTSCP);
	DECODES(B(0x0f, 0xc7, 0xf0), 3, X86_RDRAND);       /* rdrand %eax */
	DECODES(B(0x48, 0x0f, 0xc7, 0xf0), 4, X86_RDRAND); /* rdrand %rax */
	DECODES(B(0x66, 0x0f, 0xc7, 0xf1), 4, X86_RDRAND); /* rdrand %cx */
	DECODES(B(0x0f, 0xc7, 0xf8), 3, X86_RDSEED);
	DECODES(B(0x0f, 0xa2), 2, X86_CPUID);
	DECODES(B(0x0f, 0x05), 2, X86_SYSCALL);
	/* cmpxchg8b (%rax) shares the 0F C7 opcode with a memory operand. */
	DECODES(B(0x0f, 0xc7, 0x08), 3, X86_OTHER);
}

Test(x86, common_instruction_lengths)
{
	DECODES(B(0x48, 0x8b, 0x05, 1, 2, 3, 4), 7, X86_OTHER);                   /* mov rip+d32, %rax */
	DECODES(B(0x0f, 0x1f, 0x44, 0x00, 0x00), 5, X86_OTHER);                   /* nopl 0(%rax,%rax) */
	DECODES(B(0x66, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0), 9, X86_OTHER);          /* nopw 0(%rax,%rax) */
	DECODES(B(0xe8, 1, 2, 3, 4), 5, X86_OTHER);                               /* call rel32 */
	DECODES(B(0x0f, 0x84, 1, 2, 3, 4), 6, X86_OTHER);                         /* je rel32 */
	DECODES(B(0xc5, 0xf8, 0x77), 3, X86_OTHER);                               /* vzeroupper */
	DECODES(B(0xc4, 0xe3, 0x7d, 0x18, 0xc1, 0x01), 6, X86_OTHER);             /* vinsertf128 */
	DECODES(B(0x62, 0xf1, 0x7c, 0x48, 0x10, 0x44, 0x24, 0x01), 8, X86_OTHER); /* vmovups 0x40(%rsp),%zmm0 */
	DECODES(B(0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8), 10, X86_OTHER);            /* movabs $imm64, %rax */
	DECODES(B(0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08), 6, X86_OTHER);             /* palignr $8 */
	DECODES(B(0xf7, 0xc7, 1, 0, 0, 0), 6, X86_OTHER);                         /* test $1, %edi */
	DECODES(B(0xf7, 0xdf), 2, X86_OTHER);                                     /* neg %edi */
	DECODES(B(0x41, 0x0f, 0xb6, 0x44, 0x24, 0x08), 6, X86_OTHER);             /* movzbl 8(%r12),%eax */
}

Test(x86, bytes_inside_an_immediate_are_not_an_instruction)
{
	/* mov $0x310f, %eax carries 0F 31 in its immediate. */
	static const uint8_t b[] = { 0xb8, 0x0f, 0x31, 0x00, 0x00, 0x0f, 0x05 };
	struct x86_insn first = at(b, sizeof(b));
	cr_assert_eq(first.len, 5);
	cr_assert_eq(first.kind, X86_OTHER);
	cr_assert_eq(first.imm_eax, 0x310f);
	struct x86_insn second = at(b + 5, 2);
	cr_assert_eq(second.kind, X86_SYSCALL);
}

Test(x86, syscall_number_is_read_from_mov_eax)
{
	static const uint8_t b[] = { 0xb8, 0x3e, 0x01, 0x00, 0x00 };
	cr_assert_eq(at(b, sizeof(b)).imm_eax, 318);
	static const uint8_t r8[] = { 0x41, 0xb8, 0x3e, 0x01, 0x00, 0x00 }; /* mov $318, %r8d */
	cr_assert_eq(at(r8, sizeof(r8)).imm_eax, -1);
}

Test(x86, instruction_straddling_the_end_is_cut_not_overread)
{
	static const uint8_t b[] = { 0x48, 0x8b, 0x05, 1, 2 }; /* needs 7 bytes */
	struct x86_insn in = at(b, sizeof(b));
	cr_assert_eq(in.len, sizeof(b));
	cr_assert_eq(in.kind, X86_OTHER);
	static const uint8_t rdrand_cut[] = { 0x0f, 0xc7 };
	cr_assert_eq(at(rdrand_cut, 2).kind, X86_OTHER);
	static const uint8_t lone_prefix[] = { 0x66 };
	cr_assert_eq(at(lone_prefix, 1).len, 1);
}

Test(x86, relative_targets_are_reported)
{
	static const uint8_t call[] = { 0xe8, 0x10, 0, 0, 0 };
	struct x86_insn in = at(call, sizeof(call));
	cr_assert(in.has_target);
	cr_assert_eq(in.target, 5 + 0x10);
	static const uint8_t lea[] = { 0x48, 0x8d, 0x05, 0xf0, 0xff, 0xff, 0xff }; /* lea -16(%rip),%rax */
	in = at(lea, sizeof(lea));
	cr_assert(in.has_target);
	cr_assert_eq(in.target, 7 - 16);
}
