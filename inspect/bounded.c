/* Waiting for a child with a bound; see bounded.h. */
#include "bounded.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void bounded_child(double timeout)
{
	if (timeout > 0)
		setpgid(0, 0);
}

double bounded_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits until pid ends or `until` passes; 1 when it ended. */
static int reaped(pid_t pid, double until, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, until > 0 ? WNOHANG : 0);
		if (r == pid)
			return 1;
		if (r < 0 && errno != EINTR)
			return 1; /* nothing left to wait for */
		if (until > 0 && bounded_now() >= until)
			return 0;
		if (until > 0)
			nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
}

int bounded_wait(pid_t pid, double timeout, int *timed_out)
{
	int status = 0;
	*timed_out = 0;
	if (!reaped(pid, timeout > 0 ? bounded_now() + timeout : 0, &status)) {
		*timed_out = 1;
		kill(-pid, SIGINT);
		if (!reaped(pid, bounded_now() + 3, &status)) {
			kill(-pid, SIGKILL);
			reaped(pid, 0, &status);
		}
		kill(-pid, SIGKILL); /* what the group left behind */
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

double bounded_parse(const char *v)
{
	char *end;
	errno = 0;
	double t = v ? strtod(v, &end) : -1;
	return v && *v && !*end && !errno && t > 0 && t <= 86400 ? t : -1;
}
