/*
 * Deadlocks of record locks across the tree (lockcycle.c). Raw system
 * calls and a lock word of the tree's region; no allocation.
 */
#ifndef ND_LOCKCYCLE_H
#define ND_LOCKCYCLE_H

#include "tree.h"

/* At the turn, before a record-lock wait: EDEADLK when holder waits,
 * through others, for this process; else this process's wait on holder is
 * noted (*mine; NULL when the table is full) and 0. */
int nd_lockcycle_note(int holder, struct nd_tree_lockwait **mine);
/* The wait noted ended. */
void nd_lockcycle_done(struct nd_tree_lockwait *mine);

#endif
