/*
 * carry.c: an end of file carries the time of the pipe's last close. A
 * parent waiting for a child's pipe to end (poll, read) reads a clock after
 * the child's sleep, as natively; before, its clock had not moved. The
 * fixture's first pipe takes a number a file closed inside glibc had: the
 * shim forgets it at pipe(2).
 */
#include <criterion/criterion.h>

#include "child.h"

#define EOF_TIME ND_TEST_BUILD_DIR "/../fixtures/eof_time"

Test(eof, natively_the_wait_lasts_the_childs_sleep)
{
	const char *argv[] = { EOF_TIME, NULL };
	spawn_expect(argv, (const char *[]){ NULL }, "poll 0.5 read 0.5 close 0.3\n");
}

Test(eof, under_nodice_too)
{
	const char *argv[] = { EOF_TIME, NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=7", NULL };
	spawn_expect(argv, env, "poll 0.5 read 0.5 close 0.3\n");
}
