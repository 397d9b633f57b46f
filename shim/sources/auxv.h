/* auxv: AT_RANDOM. */
#ifndef ND_AUXV_H
#define ND_AUXV_H

/* auxv.c: replaces the AT_RANDOM bytes with stream bytes. */
void nd_auxv_start(void);

#endif
