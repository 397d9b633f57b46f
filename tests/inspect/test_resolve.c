/* resolve.c: DT_NEEDED found as ld.so finds it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "object.h"
#include "resolve.h"

Test(resolve, ld_so_cache_names_libc)
{
	char out[4096];
	cr_assert_eq(resolve_cache("/etc/ld.so.cache", "libc.so.6", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "/lib/x86_64-linux-gnu/libc.so.6");
	cr_assert_eq(resolve_cache("/etc/ld.so.cache", "libnodice-nonexistent.so.9", out, sizeof(out)), -1);
	cr_assert_eq(resolve_cache("/nonexistent/ld.so.cache", "libc.so.6", out, sizeof(out)), -1);
}

Test(resolve, runpath_origin_is_expanded)
{
	struct object exe;
	char why[256], out[4096];
	cr_assert_eq(object_open(ND_TEST_USES_NDFIX, &exe, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(exe.runpath, "$ORIGIN/sub");
	cr_assert_eq(resolve_needed("libndfix.so", &exe, &exe, "/etc/ld.so.cache", out, sizeof(out)), 0);
	cr_assert_not_null(strstr(out, "/fixtures/sub/libndfix.so"), "%s", out);
	cr_assert_eq(resolve_needed("libc.so.6", &exe, &exe, "/etc/ld.so.cache", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "/lib/x86_64-linux-gnu/libc.so.6");
	cr_assert_eq(resolve_needed("libmissing-nodice.so", &exe, &exe, "/etc/ld.so.cache", out, sizeof(out)), -1);
	object_close(&exe);
}

Test(resolve, ld_library_path_comes_before_runpath)
{
	struct object exe;
	char why[256], out[4096], dir[4096];
	cr_assert_eq(object_open(ND_TEST_USES_NDFIX, &exe, why, sizeof(why)), 0);
	/* A directory holding another libndfix.so: the build's lib dir has none, so
	 * point at the fixture's own sub/ through a different spelling. */
	snprintf(dir, sizeof(dir), "%s/../fixtures/sub/.", ND_TEST_BUILD_DIR);
	setenv("LD_LIBRARY_PATH", dir, 1);
	cr_assert_eq(resolve_needed("libndfix.so", &exe, &exe, "/etc/ld.so.cache", out, sizeof(out)), 0);
	cr_assert_not_null(strstr(out, "/sub/./libndfix.so"), "LD_LIBRARY_PATH not used first: %s", out);
	unsetenv("LD_LIBRARY_PATH");
	object_close(&exe);
}
