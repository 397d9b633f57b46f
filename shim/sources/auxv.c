/*
 * AT_RANDOM: 16 bytes the kernel puts on the stack of every new program.
 * ld.so has already taken the stack canary and pointer guard from them, so
 * the constructor can replace them with stream bytes without touching
 * either; programs that seed from getauxval(AT_RANDOM) then get repeatable
 * bytes, and getauxval agrees because it returns a pointer to them. Reads of
 * AT_RANDOM are counted as served; getauxval is otherwise libc's.
 */
#include "nodice.h"
#include "stream.h"
#include "auxv.h"

#include <sys/auxv.h>

void nd_auxv_start(void)
{
	unsigned char *bytes = (unsigned char *)nd_real.getauxval(AT_RANDOM);
	if (bytes)
		nd_stream_fill(ND_STREAM_PRNG, bytes, 16);
}

/* getauxval(3). */
ND_EXPORT unsigned long getauxval(unsigned long type)
{
	ND_ORDERED();
	if (!nd_passthrough() && type == AT_RANDOM)
		nd_log_served(ND_SYM_getauxval, 16);
	return nd_real.getauxval(type);
}
