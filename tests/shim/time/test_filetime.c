/*
 * filetime.c through every stat form: a file the program writes reads the
 * same virtual time through the libc wrappers, syscall() and inline system
 * calls (trapped by dispatch), the same in every run, with ctime equal to
 * mtime; a file from before the run reads its real mtime through all of
 * them. Natively the forms agree too, at real times.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"

#define FILETIMES ND_TEST_BUILD_DIR "/../fixtures/filetimes"
#define OLD "/etc/passwd"

/* The seven forms of one output line agree; returns the first. */
static long long agreed(const char *line)
{
	long long v[7];
	int same;
	cr_assert_eq(sscanf(line, "%lld %lld %lld %lld %lld %lld %lld ctime-is-mtime %d", &v[0], &v[1], &v[2],
			    &v[3], &v[4], &v[5], &v[6], &same),
		     8, "%s", line);
	for (int i = 1; i < 7; i++)
		cr_assert_eq(v[i], v[0], "form %d disagrees: %s", i, line);
	return v[0];
}

static struct spawn_result run_in_fresh_dir(const char *const env[])
{
	char dir[] = "/tmp/nodice-ft-XXXXXX", path[64];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/new", dir);
	const char *argv[] = { FILETIMES, path, OLD, NULL };
	struct spawn_result r = spawn_run(argv, env);
	unlink(path);
	rmdir(dir);
	return r;
}

Test(filetime, every_stat_form_reads_the_virtual_time_and_it_repeats)
{
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=5", "NODICE_EPOCH=2030-01-01T00:00:00Z", NULL };
	struct spawn_result a = run_in_fresh_dir(env), b = run_in_fresh_dir(env);
	cr_assert_eq(a.status, 0, "%s%s", a.out, a.err);
	cr_assert_str_eq(a.out, b.out, "two runs, in two fresh directories");
	char *second = strchr(a.out, '\n');
	cr_assert_not_null(second);
	long long fresh = agreed(a.out), old = agreed(second + 1);
	cr_assert(strstr(a.out, "ctime-is-mtime 1"), "%s", a.out);
	/* The new file's time is the virtual clock's: after the 2030 epoch, and
	 * (nothing read was newer) within a second of it. */
	cr_assert(fresh >= 1893456000LL * 1000000000LL && fresh < 1893456001LL * 1000000000LL, "%s", a.out);
	struct stat st;
	cr_assert_eq(stat(OLD, &st), 0);
	cr_assert_eq(old, (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec,
		     "a file from before the run keeps its real time");
	spawn_free(&a);
	spawn_free(&b);
}

Test(filetime, natively_the_forms_agree_at_real_times)
{
	struct spawn_result a = run_in_fresh_dir((const char *[]){ NULL });
	cr_assert_eq(a.status, 0, "%s", a.err);
	long long fresh = agreed(a.out);
	cr_assert(fresh > 1893456001LL * 1000000000LL || fresh < 1893456000LL * 1000000000LL, "%s", a.out);
	spawn_free(&a);
}
