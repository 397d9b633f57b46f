/*
 * The holders of channels several members write into (writers.c): a write
 * into one that another member holds is made at the writer's turn of the
 * tree's order. Async-signal-safe; nothing for a process without a slot.
 */
#ifndef ND_WRITERS_H
#define ND_WRITERS_H

/* Start-up of an image: register what it kept of its descriptors. */
void nd_writers_start(void);
/* Before a fork or spawn (or in a vfork child at its exec): child, a
 * member slot, holds what this process holds. */
void nd_writers_spawning(int child);
/* fd was closed or replaced; fd was copied to to (dup family). */
void nd_writers_closed(int fd);
void nd_writers_copied(int from, int to);
/* The process ends: it holds nothing — at its turn when it ends by itself;
 * at once when a signal kills it (when is the sender's real time anyway,
 * and a death must not wait for other members). */
void nd_writers_end(int at_turn);
/* Before a write into fd: waits for the turn when another member holds its
 * channel. 0: unordered; else ordered, and nd_writers_done after the write
 * counts it as an event of the tree (a blocking descriptor's). */
enum { ND_WRITE_ORDERED = 1, ND_WRITE_COUNTED = 2 };
int nd_writers_turn(int fd);
void nd_writers_done(int ordered);
/* 1 when this process holds a channel another member holds too. */
int nd_writers_any(void);
/* The turn when nd_writers_any (a flush of every stream); 1 when taken. */
int nd_writers_turn_any(void);

#endif
