/*
 * process.c's SOURCE_DATE_EPOCH: the virtual epoch is exported to the
 * program and its children unless the environment names one, so tools that
 * date their output by it repeat — py_compile writes hash-based .pyc files
 * whose header no longer holds the source's mtime.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "child.h"

Test(source_date, the_epoch_is_exported_unless_set)
{
	const char *argv[] = { "/bin/sh", "-c", "echo $SOURCE_DATE_EPOCH", NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_EPOCH=1234567890", NULL };
	struct spawn_result r = spawn_run(argv, env);
	cr_assert_str_eq(r.out, "1234567890\n", "%s", r.err);
	spawn_free(&r);
	const char *set[] = { "LD_PRELOAD=" ND_TEST_LIB, "SOURCE_DATE_EPOCH=77", NULL };
	r = spawn_run(argv, set);
	cr_assert_str_eq(r.out, "77\n", "%s", r.err);
	spawn_free(&r);
}

/* The same source with two different mtimes compiles to the same bytes. */
Test(source_date, a_pyc_does_not_depend_on_the_sources_mtime)
{
	char dir[] = "/tmp/nd-pyc-XXXXXX";
	cr_assert(mkdtemp(dir));
	char script[1024];
	snprintf(script, sizeof(script),
		 "import os, py_compile, sys\n"
		 "src = '%s/m.py'\n"
		 "open(src, 'w').write('x = 1\\n')\n"
		 "os.utime(src, (int(sys.argv[1]), int(sys.argv[1])))\n"
		 "py_compile.compile(src, cfile=src + 'c')\n"
		 "print(open(src + 'c', 'rb').read().hex())\n",
		 dir);
	const char *a1[] = { "/usr/bin/python3", "-c", script, "1000000000", NULL };
	const char *a2[] = { "/usr/bin/python3", "-c", script, "1500000000", NULL };
	const char *env[] = { "LD_PRELOAD=" ND_TEST_LIB, "NODICE_SEED=1", NULL };
	struct spawn_result x = spawn_run(a1, env), y = spawn_run(a2, env);
	cr_assert_eq(x.status, 0, "%s", x.err);
	cr_assert_str_eq(x.out, y.out);
	spawn_free(&x);
	spawn_free(&y);
	struct spawn_result n1 = spawn_run(a1, (const char *[]){ NULL }), n2 = spawn_run(a2, (const char *[]){ NULL });
	cr_assert_str_neq(n1.out, n2.out, "natively the header holds the mtime");
	spawn_free(&n1);
	spawn_free(&n2);
	char rm[64];
	snprintf(rm, sizeof(rm), "rm -rf %s", dir);
	cr_assert_eq(system(rm), 0);
}
