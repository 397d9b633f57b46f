/* Native checks of the machine's abilities (machine.h), each in a forked
 * child so a fault or a signal disposition never touches the test. */
#include "machine.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_segv(int sig)
{
	(void)sig;
	_exit(0); /* the trap fired */
}

int machine_traps_rdtsc(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, on_segv);
		if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0) < 0)
			_exit(1);
		unsigned lo, hi;
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		_exit(1);
	}
	int st;
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int machine_runs_32bit(const char *m32_program)
{
	pid_t pid = fork();
	if (pid == 0) {
		execl(m32_program, m32_program, (char *)NULL);
		_exit(126);
	}
	int st;
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) != 126;
}
