/*
 * Process-shared objects of the tree (objects.c): a key that names one
 * object in every process, its entry in the tree's region, and the line of
 * threads waiting for it. Async-signal-safe, no allocation.
 */
#ifndef ND_OBJECTS_H
#define ND_OBJECTS_H

#include <signal.h>
#include <stdint.h>

struct nd_tree_object;
struct nd_tree_waiter;

/* The key of the object at addr in a shared mapping, or 0 (private memory,
 * or the map could not be read). nd_object_forget drops what is known of
 * addr's page (the object was closed: another may be mapped there). */
uint64_t nd_object_key(const void *addr);
void nd_object_forget(const void *addr);

/* The object's entry, made on first use (or given an entry no event to come
 * depends on); NULL when the table is full. An entry can be given to another
 * key while it is not held: nd_object_hold finds it and takes its lock. */
struct nd_tree_object *nd_object(uint64_t key);
/* The entry key has now, or NULL: none is made. */
struct nd_tree_object *nd_object_find(uint64_t key);
struct nd_tree_object *nd_object_hold(uint64_t key, sigset_t *saved_mask);

/* Under the object's lock: a place in the line for key (NULL: the line is
 * full), and leaving it. hand wakes the first waiter not yet woken, which
 * goes on from count join (1), or finds none (0). queued says whether any
 * waits in line, sleeping whether one waits that no release has woken yet;
 * pending whether one was woken and has not yet taken it (a dead one is
 * dropped). */
struct nd_tree_waiter *nd_waiter_enqueue(uint64_t key);
void nd_waiter_dequeue(struct nd_tree_waiter *w);
int nd_waiter_hand(uint64_t key, uint64_t join);
/* Drops the waiters of other processes that died asleep in key's line
 * (killed: nothing else takes them out): how many. Reads /proc per waiter. */
int nd_waiter_drop_dead(uint64_t key);
int nd_waiter_queued(uint64_t key);
int nd_waiter_sleeping(uint64_t key);
int nd_waiter_pending(uint64_t key);

/* The object's lock, with the caller's signals blocked meanwhile (a handler
 * that posts the same semaphore must not find it held). */
void nd_object_lock(struct nd_tree_object *o, sigset_t *saved_mask);
void nd_object_unlock(struct nd_tree_object *o, const sigset_t *saved_mask);

#endif
