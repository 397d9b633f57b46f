/* random: the entropy family. */
#ifndef ND_RANDOM_H
#define ND_RANDOM_H

#include <stddef.h>

/* random.c */
long nd_random_getrandom(void *buf, size_t len, unsigned flags);

#endif
