/* fork.c: the fork child's member slot (init.c's fork hook calls this first). */
#ifndef ND_FORK_H
#define ND_FORK_H

void nd_fork_child_member(void);

#endif
