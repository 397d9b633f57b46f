/*
 * Python frames for call sites: which lines of Python code were running on
 * the calling thread when it reached an interposed function.
 *
 * The thread reads its own interpreter state directly, without the GIL and
 * without calling into the interpreter beyond two read-only functions
 * (PyGILState_GetThisThreadState, a thread-local lookup, and
 * PyCode_Addr2Line, a walk over the code object's line table): os.urandom
 * releases the GIL around getrandom, and taking it back from inside the call
 * could deadlock. The frames are the thread's own, so nothing changes them
 * while it is inside the shim; the code objects they name are alive for the
 * same reason. Layouts come from pylayout.h.
 */
#ifndef ND_PYFRAMES_H
#define ND_PYFRAMES_H

#include <stdint.h>

#define ND_PY_FRAMES 8

/* A frame as read: its code object, the code's file and function names
 * (str objects: with the code's address they tell frames apart even when a
 * freed code object's memory is reused), and the byte offset of its
 * instruction. */
struct nd_py_raw {
	const void *code, *file, *name;
	int64_t addr;
};

/* A frame resolved: offsets of its file and function names in the string
 * pool (nd_py_text), and its line. */
struct nd_py_frame {
	uint32_t file, function;
	int32_t line;
};

/* Finds the interpreter in the process (from the constructor, where dlsym is
 * safe) and picks its layout. 0, or -1 when the program has an interpreter
 * whose layout is not known (C frames only: the caller logs it). */
int nd_py_start(void);

/* The calling thread's innermost Python frames, up to max (importlib's
 * bootstrap frames left out, as CPython leaves them out of tracebacks); 0
 * when no Python code runs on it, the interpreter is starting or
 * finalizing, or the thread belongs to a sub-interpreter. */
int nd_py_take(struct nd_py_raw *raw, int max);

/* Names and lines of frames just taken (the same call: their code objects
 * are still alive). */
void nd_py_resolve(const struct nd_py_raw *raw, int n, struct nd_py_frame *out);

/* From the SIGSEGV handler: a fault while this thread reads frames jumps
 * back out of the read (C frames only); 0 for any other fault. */
int nd_py_fault(void *ctx);

/* A name from the pool; never NULL. */
const char *nd_py_text(uint32_t off);

/* Appends ,"python":[{"file","line","function"}…] for n > 0 frames. */
struct nd_buf;
void nd_py_format(struct nd_buf *b, const struct nd_py_frame *f, uint32_t n);

#endif
