/*
 * The libc generators: rand/random share one state, the *rand48 functions
 * another. Natively both start from a fixed seed, so a program that never
 * seeds them is already repeatable, but cannot be moved by --seed. Here each
 * starts from the PRNG stream instead, once, before its first use; a program
 * that seeds a state explicitly (srand(x), initstate, setstate for random;
 * srand48, seed48, lcong48 for rand48) gets exactly libc's behaviour for that
 * state from then on. The generators themselves are libc's, so their
 * sequences and locking are unchanged.
 */
#include "nodice.h"
#include "stream.h"
#include "prng.h"

#include <stdlib.h>

enum { RANDOM, RAND48 };
static int seeded[2]; /* per state: 0 until seeded, by us or by the program */
static uint64_t draws[2];
static int drawn;

static int claim(int which)
{
	int expected = 0;
	return !__atomic_load_n(&seeded[which], __ATOMIC_ACQUIRE) &&
	       __atomic_compare_exchange_n(&seeded[which], &expected, 1, 0, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

/* Both seeds are drawn in a fixed order, whichever state is used first. */
void nd_prng_seed_once(void)
{
	if (__atomic_load_n(&seeded[RANDOM], __ATOMIC_ACQUIRE) &&
	    __atomic_load_n(&seeded[RAND48], __ATOMIC_ACQUIRE))
		return;
	if (!__atomic_exchange_n(&drawn, 1, __ATOMIC_ACQ_REL)) {
		draws[0] = nd_stream_u64(ND_STREAM_PRNG);
		draws[1] = nd_stream_u64(ND_STREAM_PRNG);
	}
	if (claim(RANDOM)) {
		nd_real.srandom((unsigned)draws[0]);
		nd_log_served(ND_SYM_srandom, 0);
	}
	if (claim(RAND48)) {
		uint64_t b = draws[1];
		unsigned short x[3] = { (unsigned short)b, (unsigned short)(b >> 16),
					(unsigned short)(b >> 32) };
		nd_real.seed48(x);
		nd_log_served(ND_SYM_seed48, 0);
	}
}

static void program_seeds(int which)
{
	nd_ready();
	__atomic_store_n(&seeded[which], 1, __ATOMIC_RELEASE);
}

#define DRAW(ret, name)                              \
	ND_EXPORT ret name(void)                     \
	{                                            \
		ND_ORDERED();                        \
		if (!nd_passthrough())               \
			nd_prng_seed_once();         \
		return nd_real.name();               \
	}

/* rand(3), random(3), drand48(3), lrand48(3), mrand48(3). */
DRAW(int, rand)
DRAW(long, random)
DRAW(double, drand48)
DRAW(long, lrand48)
DRAW(long, mrand48)

/* srand(3) and the other seeding calls: the program's seed keeps its meaning. */
ND_EXPORT void srand(unsigned seed)
{
	ND_ORDERED();
	program_seeds(RANDOM);
	nd_real.srand(seed);
}

ND_EXPORT void srandom(unsigned seed)
{
	ND_ORDERED();
	program_seeds(RANDOM);
	nd_real.srandom(seed);
}

ND_EXPORT char *initstate(unsigned seed, char *state, size_t n)
{
	ND_ORDERED();
	program_seeds(RANDOM);
	return nd_real.initstate(seed, state, n);
}

ND_EXPORT char *setstate(char *state)
{
	ND_ORDERED();
	program_seeds(RANDOM);
	return nd_real.setstate(state);
}

ND_EXPORT void srand48(long seed)
{
	ND_ORDERED();
	program_seeds(RAND48);
	nd_real.srand48(seed);
}

ND_EXPORT unsigned short *seed48(unsigned short seed[3])
{
	ND_ORDERED();
	program_seeds(RAND48);
	return nd_real.seed48(seed);
}

ND_EXPORT void lcong48(unsigned short param[7])
{
	ND_ORDERED();
	program_seeds(RAND48);
	nd_real.lcong48(param);
}
