/*
 * x86-64 length decoding (64-bit mode only): legacy prefixes, REX, VEX (C4/C5),
 * EVEX (62), XOP (8F), the one-byte, 0F, 0F38 and 0F3A maps, ModRM/SIB
 * addressing, displacements and immediates. It recognizes RDTSC, RDTSCP,
 * RDRAND, RDSEED, CPUID and SYSCALL, and `mov $imm32, %eax` (the usual way a
 * system call number is loaded). Undefined opcodes decode as one byte, so a
 * linear sweep always advances and resynchronizes at the next function start
 * (the caller's job). Pure function of its input; never reads past `avail`.
 */
#include "x86.h"

enum { M = 1, IB = 2, IZ = 4, IW = 8, IV = 16, MOFFS = 32, NONE = 0 };

/* One-byte map, 64-bit mode. */
static const uint8_t one[256] = {
	/* 00 */ M, M, M, M, IB, IZ, 0, 0, M, M, M, M, IB, IZ, 0, 0,
	/* 10 */ M, M, M, M, IB, IZ, 0, 0, M, M, M, M, IB, IZ, 0, 0,
	/* 20 */ M, M, M, M, IB, IZ, 0, 0, M, M, M, M, IB, IZ, 0, 0,
	/* 30 */ M, M, M, M, IB, IZ, 0, 0, M, M, M, M, IB, IZ, 0, 0,
	/* 40 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 50 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 60 */ 0, 0, 0, M, 0, 0, 0, 0, IZ, M | IZ, IB, M | IB, 0, 0, 0, 0,
	/* 70 */ IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB,
	/* 80 */ M | IB, M | IZ, 0, M | IB, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 90 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* A0 */ MOFFS, MOFFS, MOFFS, MOFFS, 0, 0, 0, 0, IB, IZ, 0, 0, 0, 0, 0, 0,
	/* B0 */ IB, IB, IB, IB, IB, IB, IB, IB, IV, IV, IV, IV, IV, IV, IV, IV,
	/* C0 */ M | IB, M | IB, IW, 0, 0, 0, M | IB, M | IZ, IW | IB, 0, IW, 0, 0, IB, 0, 0,
	/* D0 */ M, M, M, M, 0, 0, 0, 0, M, M, M, M, M, M, M, M,
	/* E0 */ IB, IB, IB, IB, IB, IB, IB, IB, IZ, IZ, 0, IB, 0, 0, 0, 0,
	/* F0 */ 0, 0, 0, 0, 0, 0, M, M, 0, 0, 0, 0, 0, 0, M, M,
};

/* 0F map: which opcodes have no ModRM, and which carry an immediate. */
static int twobyte_has_modrm(uint8_t op)
{
	switch (op) {
	case 0x05: case 0x06: case 0x07: case 0x08: case 0x09: case 0x0B: case 0x0E:
	case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: case 0x37:
	case 0x77: case 0xA0: case 0xA1: case 0xA2: case 0xA8: case 0xA9: case 0xAA:
		return 0;
	}
	if ((op >= 0x80 && op <= 0x8F) || (op >= 0xC8 && op <= 0xCF))
		return 0;
	return 1;
}

static size_t twobyte_imm(uint8_t op)
{
	if (op >= 0x80 && op <= 0x8F)
		return 4; /* jcc rel32 */
	switch (op) {
	case 0x70: case 0x71: case 0x72: case 0x73: case 0xA4: case 0xAC: case 0xBA:
	case 0xC2: case 0xC4: case 0xC5: case 0xC6: case 0x0F:
		return 1;
	}
	return 0;
}

/* VEX/EVEX/XOP immediates by map (1 = 0F, 2 = 0F38, 3 = 0F3A). */
static size_t vex_imm(int map, uint8_t op)
{
	if (map == 3)
		return 1;
	if (map == 1)
		return (op >= 0x70 && op <= 0x73) || op == 0xC2 || op == 0xC4 || op == 0xC5 || op == 0xC6;
	return 0;
}

/* Length of ModRM + SIB + displacement at p; 0 when it does not fit. */
static size_t modrm_len(const uint8_t *p, size_t avail)
{
	if (avail < 1)
		return 0;
	uint8_t modrm = p[0], mod = modrm >> 6, rm = modrm & 7;
	size_t n = 1;
	if (mod == 3)
		return n;
	if (rm == 4) {
		if (avail < 2)
			return 0;
		uint8_t base = p[1] & 7;
		n++;
		if (mod == 0 && base == 5)
			n += 4;
	} else if (mod == 0 && rm == 5) {
		n += 4;
	}
	if (mod == 1)
		n += 1;
	else if (mod == 2)
		n += 4;
	return n;
}

static struct x86_insn cut(size_t avail)
{
	return (struct x86_insn){ avail ? avail : 1, X86_OTHER, -1, 0, 0 };
}

static int32_t le32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

/* Records a RIP-relative ModRM operand (mod 00, rm 101) at c[m]. */
static void rip_operand(struct x86_insn *in, const uint8_t *c, size_t m, size_t len)
{
	if ((c[m] & 0xC7) == 0x05) {
		in->has_target = 1;
		in->target = (int64_t)len + le32(c + m + 1);
	}
}

struct x86_insn x86_decode(const uint8_t *c, size_t avail)
{
	struct x86_insn in = { 1, X86_OTHER, -1, 0, 0 };
	size_t i = 0;
	int opsize = 0, rex = 0, rexw = 0;

	for (; i < avail && i < 14; i++) {
		uint8_t b = c[i];
		if (b == 0x66)
			opsize = 1;
		else if (b == 0xF0 || b == 0xF2 || b == 0xF3 || b == 0x2E || b == 0x36 || b == 0x3E ||
			 b == 0x26 || b == 0x64 || b == 0x65 || b == 0x67)
			continue;
		else
			break;
	}
	if (i < avail && (c[i] & 0xF0) == 0x40) {
		rex = c[i];
		rexw = (c[i] & 8) != 0;
		i++;
	}
	if (i >= avail)
		return cut(avail);
	uint8_t op = c[i++];

	/* VEX, EVEX, XOP: prefix bytes, opcode, ModRM, maybe imm8. */
	if (op == 0xC5 || op == 0xC4 || op == 0x62 || (op == 0x8F && i < avail && (c[i] & 0x1F) >= 8)) {
		int map;
		if (op == 0xC5) {
			map = 1;
			i += 1;
		} else if (op == 0x62) {
			if (i >= avail)
				return cut(avail);
			map = c[i] & 7;
			i += 3;
		} else {
			if (i >= avail)
				return cut(avail);
			map = c[i] & 0x1F;
			i += 2;
		}
		if (i >= avail)
			return cut(avail);
		uint8_t vop = c[i++];
		size_t m = modrm_len(c + i, avail - i);
		if (!m)
			return cut(avail);
		size_t imm = op == 0x8F ? (map == 8 ? 1 : map == 0xA ? 4 : 0) : vex_imm(map, vop);
		in.len = i + m + imm;
		return in.len > avail ? cut(avail) : in;
	}

	if (op == 0x0F) {
		if (i >= avail)
			return cut(avail);
		uint8_t op2 = c[i++];
		size_t imm = 0, m = 0;
		if (op2 == 0x38 || op2 == 0x3A) {
			if (i >= avail)
				return cut(avail);
			i++; /* the third opcode byte */
			m = modrm_len(c + i, avail - i);
			if (!m)
				return cut(avail);
			imm = op2 == 0x3A;
		} else {
			if (twobyte_has_modrm(op2)) {
				m = modrm_len(c + i, avail - i);
				if (!m)
					return cut(avail);
			}
			imm = twobyte_imm(op2);
			if (op2 == 0x31)
				in.kind = X86_RDTSC;
			else if (op2 == 0xA2)
				in.kind = X86_CPUID;
			else if (op2 == 0x05)
				in.kind = X86_SYSCALL;
			else if (op2 == 0x01 && c[i] == 0xF9)
				in.kind = X86_RDTSCP;
			else if (op2 == 0xC7 && (c[i] >> 6) == 3 && ((c[i] >> 3) & 7) == 6)
				in.kind = X86_RDRAND;
			else if (op2 == 0xC7 && (c[i] >> 6) == 3 && ((c[i] >> 3) & 7) == 7)
				in.kind = X86_RDSEED;
		}
		in.len = i + m + imm;
		if (in.len > avail)
			return cut(avail);
		if (op2 >= 0x80 && op2 <= 0x8F) {
			in.has_target = 1;
			in.target = (int64_t)in.len + le32(c + i);
		} else if (m) {
			rip_operand(&in, c, i, in.len);
		}
		return in;
	}

	uint8_t f = one[op];
	size_t m = 0, imm = 0;
	if (f & M) {
		m = modrm_len(c + i, avail - i);
		if (!m)
			return cut(avail);
	}
	if (f & IB)
		imm += 1;
	if (f & IW)
		imm += 2;
	if (f & IZ)
		imm += opsize && op != 0xE8 && op != 0xE9 ? 2 : 4;
	if (f & IV)
		imm += rexw ? 8 : opsize ? 2 : 4;
	if (f & MOFFS)
		imm += 8;
	if ((op == 0xF6 || op == 0xF7) && ((c[i] >> 3) & 7) < 2)
		imm += op == 0xF6 ? 1 : opsize ? 2 : 4; /* TEST r/m, imm */
	in.len = i + m + imm;
	if (in.len > avail)
		return cut(avail);
	if (op == 0xE8 || op == 0xE9) {
		in.has_target = 1;
		in.target = (int64_t)in.len + le32(c + i);
	} else if (m) {
		rip_operand(&in, c, i, in.len);
	}
	if (op == 0xB8 && !rex && !opsize && imm == 4) {
		uint32_t v = (uint32_t)c[i] | (uint32_t)c[i + 1] << 8 | (uint32_t)c[i + 2] << 16 |
			     (uint32_t)c[i + 3] << 24;
		in.imm_eax = v <= 0x7fffffff ? (int32_t)v : -1;
	}
	return in;
}

const char *x86_kind_name(enum x86_kind k)
{
	static const char *const names[] = { "other", "rdtsc", "rdtscp", "rdrand", "rdseed", "cpuid",
					     "syscall" };
	return names[k];
}
