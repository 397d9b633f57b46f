/*
 * What members.c and order.c share about the slots: not for other modules
 * (members.h is the interface).
 */
#ifndef ND_MEMBER_SLOTS_H
#define ND_MEMBER_SLOTS_H

#include "tree.h"

static inline struct nd_member *slot(int i)
{
	return &nd_tree->members[i];
}

/* Publishes a change of state, waking whoever waits for one; a wait's
 * event is ordered by (deadline, id): the member's own id, or another's. */
void nd_member_set_state(struct nd_member *m, uint32_t st, uint64_t deadline);
void nd_member_set_state_as(struct nd_member *m, uint32_t st, uint64_t deadline, uint64_t id);
/* ... ND_M_WAIT for a wait that ends at the tree's order alone (tree.h). */
void nd_member_set_ordered_wait(struct nd_member *m, uint64_t deadline, uint64_t id);
void nd_member_release(int k);
/* Member pid's slot, or NULL when it is none. */
struct nd_member *nd_member_of(int pid);
/* Wakes whoever waits for a change of m (its state or its count). */
void nd_member_changed(struct nd_member *m);

#endif
