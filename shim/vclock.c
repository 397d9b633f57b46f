/*
 * The virtual time line.
 *
 * One counter, nd_vt, holds the nanoseconds elapsed since the run began; it
 * starts where the parent image left it (NODICE_CLOCK) and every clock read
 * moves it forward by NODICE_TICK_NS. Each clock id is a fixed offset from it:
 * wall clocks from NODICE_EPOCH, monotonic clocks from ND_MONO_BASE, CPU-time
 * clocks from this image's start. So clocks never go backwards, agree with
 * each other, and need neither a system call nor a TSC read. The wall clocks
 * alone can be set by the program (settime.c); they then jump, as natively.
 */
#include "nodice.h"
#include "tree.h"

#include <time.h>

uint64_t nd_vt;
uint64_t nd_vt_image_start;

void nd_vclock_advance(uint64_t ns)
{
	__atomic_add_fetch(&nd_vt, ns, __ATOMIC_RELAXED);
}

void nd_vclock_advance_to(uint64_t vt)
{
	uint64_t cur = __atomic_load_n(&nd_vt, __ATOMIC_RELAXED);
	while (cur < vt &&
	       !__atomic_compare_exchange_n(&nd_vt, &cur, vt, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

uint64_t nd_vclock_now(void)
{
	return __atomic_load_n(&nd_vt, __ATOMIC_RELAXED);
}

/* The wall clocks start at the epoch and move with the tree's settings
 * (settime.c): one relaxed load of a line that is almost never written. */
static int64_t wall_base(void)
{
	return nd_cfg.epoch * ND_NS + __atomic_load_n(&nd_tree->wall_offset, __ATOMIC_RELAXED);
}

int nd_vclock_at(int clk, uint64_t vt, int64_t *ns)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_REALTIME_ALARM:
		*ns = wall_base() + (int64_t)vt;
		return 0;
	case CLOCK_TAI:
		*ns = wall_base() + 37 * ND_NS + (int64_t)vt;
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		*ns = ND_MONO_BASE + (int64_t)vt;
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = (int64_t)(vt - nd_vt_image_start);
		return 0;
	}
	return -EINVAL;
}

uint64_t nd_vclock_deadline(int clk, int64_t abs_ns)
{
	int64_t zero;
	if (nd_vclock_at(clk, 0, &zero) < 0)
		zero = ND_MONO_BASE;
	return abs_ns > zero ? (uint64_t)(abs_ns - zero) : 0;
}
