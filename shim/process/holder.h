/*
 * Who holds an event of the tree's order (holder.c), for order.c: private
 * to shim/process/.
 */
#ifndef ND_HOLDER_H
#define ND_HOLDER_H

#include "tree.h"

#include <stdint.h>

/* A holder unchanged this long lets a timed event go ahead. */
#define ND_HOLD_NS 5000000000ULL
/* Held by none, but a member runs outside the order. */
#define ND_OUTSIDE_ONLY (-2)

/* The real time, read once per look into *now (0: not yet read). */
uint64_t nd_holder_real_now(uint64_t *now);
/* The slot of a member that can still act before (d, id), -1 for none, or
 * ND_OUTSIDE_ONLY; by event count when count is set. */
int nd_holder(uint64_t d, uint64_t id, uint64_t *now, int count);
/* The signals sent to m or to a group so far (a quiet wait's mark). */
uint32_t nd_holder_signals(struct nd_member *m);

/* Members passed over by every later wait of this process until they
 * change state or count (found asleep in the kernel, or preempted): the
 * slot h is skipped now; whether slot i is. */
void nd_holder_skip(int h);
int nd_holder_skipped(int i);

/* A holder watched since `since`: checked for life every LIVE_NS. */
struct nd_watch {
	uint64_t since, checked;
	int asleep; /* times seen asleep */
};
/* 1 when a wait held by h since w->since may go ahead regardless (hold_ns
 * passed); frees a dead holder, passes over one asleep in the kernel. */
int nd_holder_watch(int h, uint64_t now, struct nd_watch *w, uint64_t hold_ns);

#endif
