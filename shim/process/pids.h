/*
 * Process and thread ids that repeat (pids.c). Inside the PID namespace
 * `nodice run` makes, each new process or thread gets an id derived from its
 * identity in the tree (its parent's identity and how many it started
 * before), so pid N is the same process in every run. Outside such a
 * namespace nothing here does anything: ids stay the kernel's.
 */
#ifndef ND_PIDS_H
#define ND_PIDS_H

#include <stdint.h>

/* Start-up: whether this process is in nodice's namespace (NODICE_PIDNS
 * names it, and /proc/self/ns/pid must agree). */
void nd_pids_start(void);
/* 1 when ids are placed (getpid and friends are then controlled). */
int nd_pids_placed(void);

/* Before creating the process or thread whose identity is id: hold the
 * tree's pid lock under `token` and point the kernel at the id's pid.
 * Returns that pid, or 0 when ids are not placed. The caller's own token is
 * nd_pids_token(); a spawned child given `ND_PIDS_CHILD_TOKEN(slot)` lets
 * go of the lock itself when it starts (nd_pids_child_started). */
int nd_pids_before(uint64_t id, uint32_t token);
uint32_t nd_pids_token(void);
#define ND_PIDS_CHILD_TOKEN(slot) ((uint32_t)(slot) + 1u)
/* After the kernel gave `got` (0: unknown yet; <0: nothing was created):
 * lets go of the lock, and logs a pid the kernel could not give. */
void nd_pids_after(uint32_t token, int target, int got);
/* A spawned image that adopted member slot k lets go of the lock its
 * parent holds for it. */
void nd_pids_child_started(int k);
/* A new thread checks the id it got against the one meant for it. */
void nd_pids_check_self(int target);

#endif
