/* cpu: one CPU count. */
#ifndef ND_CPU_H
#define ND_CPU_H

#include <sched.h>
#include <stddef.h>

/* cpu.c */
void nd_cpu_fill(cpu_set_t *set, size_t size);
void nd_cpu_export_env(void);

#endif
