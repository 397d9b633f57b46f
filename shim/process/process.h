/* process: lineage, children's environment, the end of a process. */
#ifndef ND_PROCESS_H
#define ND_PROCESS_H

#include <stddef.h>
#include <stdint.h>

/* process.c — lineage across fork and exec, and the environment children get. */
void nd_process_start(void);
/* The constructor: SOURCE_DATE_EPOCH for the program and its children. */
void nd_process_export_env(void);
/* The process's records go to the log (an exec: "exec"); nd_process_end
 * also leaves its time line for the parent (exit, _exit, a killing signal).
 * Both do nothing in a vfork child, which shares its parent's memory. */
void nd_process_flush_log(const char *end);
void nd_process_end(const char *end);
/* Called by nd_process_end before the process leaves the tree: the file
 * locks' end (sched/filelock.c sets it; process/ does not call up into
 * sched/). */
extern void (*nd_process_locks_end)(void);
/* ... and the mark of its end for a thread that waits for it (childend.c
 * sets it at start-up: the order's files do not call into the exit path's
 * and back). */
extern void (*nd_process_end_mark)(uint64_t id, uint64_t ev);
/* ... and the stamps of the pipes it still writes (carry.c sets it: the
 * exit path does not call into the files that carry time). */
extern void (*nd_process_pipes_end)(void);
/* Around fork (init.c registers them): the count before, and in the child
 * its own lineage, pid and counters. */
void nd_process_before_fork(void);
void nd_process_fork_child(void);
uint64_t nd_process_forks(void);
uint64_t nd_process_spawns(void);
void nd_process_spawn_failed(void); /* an exec or spawn that started nothing */
int nd_process_in_vfork_child(void);
/* Builds a child's environment on the caller's stack: see process.c. */
/* Room for what the shim adds: eleven configuration entries, LD_PRELOAD,
 * the lineage, the clock, the tree, the member slot and the terminating NULL. */
#define ND_ENV_EXTRA 19
struct nd_child_env {
	char lineage[40];
	char clock[40];
	char wall[40];
	char tree[32];
	char member[32];
	char preload[8192];
	char config[8][48];
	char log[4160];
	char exempt[1040];
	char host[80];
};
char **nd_process_child_env(char *const envp[], char **out, size_t cap, struct nd_child_env *buf,
			    int without_shim, int member);
size_t nd_process_env_count(char *const envp[]);

#endif
