/*
 * C++'s std::random_device (libstdc++ 12). Its default token tries RDSEED,
 * RDRAND, arc4random, getentropy, then /dev/urandom; on CPUs with RDRAND it
 * makes no system call at all, and without CPUID faulting (not available on
 * this kind of machine) nothing outside can hide RDRAND from it. Its
 * out-of-line members are exported and called through the PLT, so they are
 * replaced here: every token draws from the ENTROPY stream.
 *
 * _M_init leaves the object holding no resource (_M_file = NULL), which is
 * exactly what libstdc++'s own _M_fini checks, so destruction stays libc's.
 * entropy() reports 0, which is the truth for a deterministic source.
 * Deviation: a token libstdc++ would reject ("nonsense") does not throw.
 */
#include "nodice.h"
#include "stream.h"

struct random_device_head {
	void *file;
	void *func;
	int fd;
};

#define RD_INIT(name, mangled, sym)                                          \
	ND_EXPORT void name(void *self, const void *token) __asm__(mangled);  \
	ND_EXPORT void name(void *self, const void *token)                   \
	{                                                                    \
		ND_ORDERED();                                                \
		struct random_device_head *h = self;                         \
		h->file = NULL;                                              \
		h->func = NULL;                                              \
		h->fd = -1;                                                  \
		if (!nd_passthrough())                                       \
			nd_log_served(sym, 0);                               \
	}

RD_INIT(nd_rd_init, "_ZNSt13random_device7_M_initERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE",
	ND_SYM__ZNSt13random_device7_M_initERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE)
RD_INIT(nd_rd_init_pretr1, "_ZNSt13random_device14_M_init_pretr1ERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE",
	ND_SYM__ZNSt13random_device14_M_init_pretr1ERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE)
RD_INIT(nd_rd_init_old, "_ZNSt13random_device7_M_initERKSs", ND_SYM__ZNSt13random_device7_M_initERKSs)
RD_INIT(nd_rd_init_pretr1_old, "_ZNSt13random_device14_M_init_pretr1ERKSs",
	ND_SYM__ZNSt13random_device14_M_init_pretr1ERKSs)

static unsigned draw(enum nd_sym sym)
{
	unsigned v = 0;
	if (nd_passthrough()) {
		nd_real.getrandom(&v, sizeof(v), 0);
		return v;
	}
	nd_stream_fill(ND_STREAM_ENTROPY, &v, sizeof(v));
	nd_log_served(sym, sizeof(v));
	return v;
}

/* std::random_device::operator() */
ND_EXPORT unsigned nd_rd_getval(void *self) __asm__("_ZNSt13random_device9_M_getvalEv");
ND_EXPORT unsigned nd_rd_getval(void *self)
{
	ND_ORDERED();
	return draw(ND_SYM__ZNSt13random_device9_M_getvalEv);
}

ND_EXPORT unsigned nd_rd_getval_pretr1(void *self) __asm__("_ZNSt13random_device16_M_getval_pretr1Ev");
ND_EXPORT unsigned nd_rd_getval_pretr1(void *self)
{
	ND_ORDERED();
	return draw(ND_SYM__ZNSt13random_device16_M_getval_pretr1Ev);
}

/* std::random_device::entropy() */
ND_EXPORT double nd_rd_getentropy(const void *self) __asm__("_ZNKSt13random_device13_M_getentropyEv");
ND_EXPORT double nd_rd_getentropy(const void *self)
{
	ND_ORDERED();
	return 0.0;
}
