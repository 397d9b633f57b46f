/*
 * Threads entering and leaving the scheduler. The first thread a process
 * starts makes its creator slot 0; each new thread gets its slot while its
 * creator holds the turn, so slot order, and with it every interleaving,
 * depends only on what the program did. A thread that ends wakes its
 * joiners and hands the turn on; a fork child has one thread and runs
 * unscheduled until it starts another, like a new process.
 */
#include "nodice.h"
#include "scheduler.h"
#include "turn.h"
#include "vclock.h"

#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>

static pthread_key_t exit_key;
static int exit_key_made;

static void on_thread_exit(void *unused)
{
	(void)unused;
	if (me < 0 || !nd_sched_on)
		return;
	nd_sched_depth++;
	if (__atomic_load_n(&nd_turn, __ATOMIC_ACQUIRE) != me)
		nd_sched_wait_turn();
	nd_sched_lock();
	struct slot *s = &nd_slots[me];
	s->state = S_FREE;
	nd_sched_wake_locked((const void *)s->pt, ND_SCHED_SLOTS);
	nd_sched_release();
	nd_sched_unlock();
	me = -1;
	nd_sched_depth--;
}

static void enter(int i)
{
	me = i;
	nd_slots[i].tid = (int)nd_sys0(SYS_gettid);
	nd_slots[i].pt = (unsigned long)pthread_self();
	nd_sched_quantum = nd_slots[i].quantum;
	pthread_setspecific(exit_key, (void *)1);
}

/* The first thread the process starts makes its creator slot 0. */
static void activate(void)
{
	if (!exit_key_made && pthread_key_create(&exit_key, on_thread_exit) == 0)
		exit_key_made = 1;
	nd_sched_rng = nd_cfg.schedule_seed;
	if (nd_cfg.parallel) {
		nd_ordered_install();
		nd_log_uncontrolled("schedule-parallel", "threads computed in parallel (--threads parallel): a program "
							 "that synchronizes through memory alone is not ordered in it; "
							 "if runs differ, use --threads serial");
	}
	/* Spinning only helps when the holder has another CPU to run on. */
	nd_sched_cpus = nd_sys_cpus_allowed();
	nd_sched_spin_limit = nd_sched_cpus >= 2 ? SPIN : 0;
	memset(nd_slots, 0, sizeof(nd_slots));
	nd_slots_hi = 1;
	nd_slots[0].state = S_RUN;
	nd_slots[0].deadline = ND_NO_DEADLINE;
	nd_slots[0].quantum = nd_sched_next_quantum();
	nd_turn_gen = nd_turn_gen_seen + 1; /* a turn nobody has timed yet */
	enter(0);
	nd_turn = 0;
	__atomic_store_n(&nd_sched_on, 1, __ATOMIC_RELEASE);
}

int nd_sched_thread_prepare(void)
{
	if (!nd_sched_on && nd_sched_depth == 0)
		activate();
	if (!nd_sched_managed())
		return -1;
	nd_sched_lock();
	int i = 0;
	while (i < ND_SCHED_SLOTS && nd_slots[i].state != S_FREE)
		i++;
	if (i == ND_SCHED_SLOTS) {
		nd_sched_unlock();
		nd_log_uncontrolled("schedule-unscheduled", "more than 512 live threads: the rest run unscheduled");
		return -1;
	}
	nd_slots[i] = (struct slot){ .state = S_RUN, .deadline = ND_NO_DEADLINE, .go = nd_slots[i].go,
				  .quantum = nd_sched_next_quantum() };
	if (i >= nd_slots_hi)
		nd_slots_hi = i + 1;
	nd_sched_unlock();
	return i;
}

void nd_sched_thread_created(int i, unsigned long pt)
{
	nd_slots[i].pt = pt;
}

void nd_sched_thread_abandon(int i)
{
	nd_sched_lock();
	nd_slots[i].state = S_FREE;
	nd_sched_unlock();
}

void nd_sched_thread_enter(int i)
{
	enter(i);
	nd_sched_depth++;
	nd_sched_wait_turn();
	nd_sched_depth--;
	if (nd_sched_parallel) { /* its start is an ordered call; its computation is not */
		nd_vclock_own_sync();
		nd_sched_pass_on();
	}
}

int nd_sched_thread_alive(unsigned long pt)
{
	for (int i = 0; i < nd_slots_hi; i++)
		if (__atomic_load_n(&nd_slots[i].state, __ATOMIC_ACQUIRE) != S_FREE && nd_slots[i].pt == pt)
			return 1;
	return 0;
}

void nd_sched_cancel(unsigned long pt)
{
	if (!nd_sched_on || nd_sched_depth)
		return;
	nd_sched_depth++;
	nd_sched_lock();
	for (int i = 0; i < nd_slots_hi; i++)
		if (nd_slots[i].pt == pt && nd_slots[i].state == S_BLOCKED && (nd_slots[i].flags & ND_BLOCK_CANCEL)) {
			nd_sched_runnable(i, ND_WOKEN_SIGNAL);
			if (nd_turn < 0)
				nd_sched_grant(i);
		}
	nd_sched_unlock();
	nd_sched_depth--;
}

/* The child of fork has one thread: it runs unscheduled until it starts
 * another, like a new process. */
void nd_sched_fork_child(void)
{
	nd_sched_lock_reset();
	memset(nd_slots, 0, (size_t)nd_slots_hi * sizeof(nd_slots[0])); /* the rest was never used */
	nd_slots_hi = 0;
	nd_turn = -1;
	nd_sched_noutside = nd_sched_nblocked = nd_sched_nfdwait = nd_sched_ntree = 0;
	nd_sched_jump_held = 0;
	nd_sched_lines_reset();
	nd_sched_next_deadline = ND_NO_DEADLINE;
	nd_sched_on = 0;
	me = -1;
	nd_sched_depth = 0;
}
