/*
 * Counting that costs a plain add until the process has a second thread.
 */
#ifndef ND_COUNT_H
#define ND_COUNT_H

#include <stdint.h>

/* Set before the process's second thread starts (threads.c, stream.c). Until
 * then counters and the clock use plain adds: a locked add costs about as
 * much as the rest of a getrandom call. */
extern int nd_threaded;

static inline void nd_add(uint64_t *p, uint64_t v)
{
	if (__builtin_expect(__atomic_load_n(&nd_threaded, __ATOMIC_RELAXED), 0))
		__atomic_add_fetch(p, v, __ATOMIC_RELAXED);
	else
		*(volatile uint64_t *)p += v;
}

/* *p = max(*p, v), whoever else raises it at once (threads, or processes
 * sharing *p). */
static inline void nd_raise(uint64_t *p, uint64_t v)
{
	uint64_t have = __atomic_load_n(p, __ATOMIC_RELAXED);
	while (v > have && !__atomic_compare_exchange_n(p, &have, v, 1, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		;
}

/* Marks the process multi-threaded: counters and clock switch to atomics. */
static inline void nd_mark_threaded(void)
{
	__atomic_store_n(&nd_threaded, 1, __ATOMIC_SEQ_CST);
}

#endif
