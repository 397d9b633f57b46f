/* prng: the libc generators. */
#ifndef ND_PRNG_H
#define ND_PRNG_H

/* prng.c */
void nd_prng_seed_once(void);

#endif
