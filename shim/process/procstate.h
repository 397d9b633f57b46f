/*
 * What the kernel says about a process or thread (procstate.c), read from
 * /proc with raw system calls and stack buffers: safe anywhere.
 */
#ifndef ND_PROCSTATE_H
#define ND_PROCSTATE_H

/* The state letter of thread tid of process pid (0: this process): 'R',
 * 'S', 'D', 'Z', ...; '?' when it cannot be read (gone). */
char nd_proc_state(int pid, int tid);

/* 1 when every thread of pid sleeps in the kernel (or is stopped or dead):
 * nothing it does can come before something wakes it. 0 when one runs or
 * is about to (a wake-up in flight is 'R'; a thread marked sleeping but
 * still on a run queue, preempted inside a wait's recheck, has no wchan),
 * or waits in uninterruptible sleep (a page fault, a disk). A process that
 * is gone sleeps. */
int nd_proc_asleep(int pid);

/* 1 when thread tid of process pid (0: this process) waits in the kernel
 * for something else: 'S' off every run queue (one woken and preempted
 * inside its wait's recheck is 'S' too, and is about to run). Not 'D': an
 * uninterruptible wait (a page fault, a disk write's fsync) is the
 * kernel's own work and ends by itself, as nd_proc_asleep counts it. Until
 * 2026-12-07 it counted, and a thread holding the turn through an fsync of
 * 32 MB lost it to the scheduler's watch in every run (schedule-preempted,
 * and a pipe's hidden write shown on real time: tree-order). */
int nd_proc_thread_waits(int pid, int tid);

/* 1 when pid no longer runs: no such process, or a zombie. */
int nd_proc_gone(int pid);

#endif
