/* signals: signals the shim owns or flushes the log on. */
#ifndef ND_SIGNALS_H
#define ND_SIGNALS_H

#include <signal.h>

/* signals.c: with the log on, flush it when a default-action signal kills;
 * signals the shim owns (its handler stays, the program's is chained). */
void nd_signals_start(void);
int nd_signals_own(int sig, void (*handler)(int, siginfo_t *, void *));
void nd_signals_chain(int sig, siginfo_t *info, void *ctx);
/* 1 when sig, sent to the calling thread now, would run a program handler
 * (not blocked in this thread, neither ignored nor default). */
int nd_signals_handled_here(int sig);
/* The program's action for sig, as it set it (the shim's own handlers
 * aside). */
struct sigaction;
int nd_signals_action(int sig, struct sigaction *out);
/* Every signal but the shim's own, which must never be blocked: the set a
 * wait blocks while it decides when to let the program's signals in. */
void nd_signals_all_unowned(sigset_t *out);
/* What follows the program's SIGCHLD handler (blocked: whether the signal
 * stays blocked in what it interrupted) and a mask change that may let
 * SIGCHLD in: set once at start (owed.c). */
struct nd_chld_hooks {
	void (*handled)(int blocked);
	void (*unblocked)(void);
};
void nd_signals_chld_hooks(const struct nd_chld_hooks *h);
/* Non-zero while this thread runs the program's SIGCHLD handler. */
extern __thread __attribute__((tls_model("initial-exec"))) int nd_signals_in_chld;

#endif
