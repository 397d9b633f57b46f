/*
 * What the flush (log.c) and the call sites (sites.c) share with record.c,
 * the bottom of the log: names, the trap table, and the writing of a line.
 */
#ifndef ND_RECORD_H
#define ND_RECORD_H

#include <stdint.h>

#include "families.h"
#include "log.h"

struct nd_buf;

/* Lines hold a head (exe up to 4 KiB, argv[0] up to 1 KiB, escaped) and a
 * body; 16 KiB always fits. */
#define LINE 16384

extern const char *const nd_sym_name[ND_SYM_COUNT];
extern const enum nd_family nd_sym_family[ND_SYM_COUNT];
extern const char *const nd_trap_name[ND_TRAP_COUNT];
extern int nd_log_traps_armed[ND_TRAP_COUNT];
extern int nd_log_flushing; /* 1 while a flush writes */

/* Opens NODICE_LOG for appending; the descriptor or -errno. */
int nd_log_open(void);
/* Closes the record in b and writes it as one line (nothing if it overflowed). */
void nd_log_emit(int fd, struct nd_buf *b, char *line);
void nd_log_write_line(int fd, const char *text, long len);
/* Writes the uncontrolled events counted since they were last written. */
void nd_log_event_records(int fd);
void nd_log_events_reset(void);

#endif
