/*
 * The event log's format, shared by the writer (the shim's log/) and the
 * readers (the command's logread.c and logdiff.c): the format version, the
 * record types and the keys. docs/log-format.md describes each record.
 *
 * Every process record carries "format": ND_LOG_FORMAT. A change a reader
 * of the previous format would misread (a key renamed or given another
 * meaning, a record type changed) bumps it; adding a key does not. A reader
 * that meets another version, or a process record without one, says so and
 * exits 3 (CONTRACT.md) instead of writing a wrong report. rr's
 * preload_interface.h, with its protocol version, is the model.
 */
#ifndef ND_LOGFORMAT_H
#define ND_LOGFORMAT_H

#define ND_LOG_FORMAT 2 /* 1: the unversioned logs before it */

/* Record types (the "type" key). */
#define ND_LT_PROCESS "process"
#define ND_LT_SOURCE "source"
#define ND_LT_SITE "site"
#define ND_LT_UNCONTROLLED "uncontrolled"
#define ND_LT_OBJECTS "objects"
#define ND_LT_KNOB "knob"

/* Keys. Every record: type, pid, lineage, exe, argv0. */
#define ND_LK_TYPE "type"
#define ND_LK_PID "pid"
#define ND_LK_LINEAGE "lineage"
#define ND_LK_EXE "exe"
#define ND_LK_ARGV0 "argv0"
/* process */
#define ND_LK_FORMAT "format"
#define ND_LK_PPID "ppid"
#define ND_LK_SEED "seed"
#define ND_LK_END "end"
#define ND_LK_VTIME_NS "vtime_ns"
#define ND_LK_ASLR "aslr"
#define ND_LK_THREADS "threads" /* "parallel" under NODICE_THREADS=parallel, else absent */
#define ND_LK_FORKS "forks"
#define ND_LK_SPAWNS "spawns"
#define ND_LK_TRAPS "traps"
/* source and site */
#define ND_LK_FAMILY "family"
#define ND_LK_SYMBOL "symbol"
#define ND_LK_CONTROLLED "controlled"
#define ND_LK_COUNT "count"
#define ND_LK_BYTES "bytes"
#define ND_LK_FIRST "first"
#define ND_LK_FRAMES "frames"
#define ND_LK_OBJECT "object"
#define ND_LK_ADDRESS "address"
#define ND_LK_FILE_OFFSET "file_offset"
#define ND_LK_PYTHON "python" /* [{file, line, function}], innermost first */
#define ND_LK_FILE "file"
#define ND_LK_LINE "line"
#define ND_LK_FUNCTION "function"
/* uncontrolled */
#define ND_LK_KIND "kind"
#define ND_LK_DETAIL "detail"
/* knob */
#define ND_LK_NAME "name"
#define ND_LK_VALUE "value"
#define ND_LK_SET_BY "set_by"
/* objects */
#define ND_LK_PATHS "paths"

#endif
