/* audit.c: verdicts on real objects, and bad input. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "child.h"

static json_object *audit_json(const char *path, int *status)
{
	const char *argv[] = { ND_TEST_NODICE, "audit", "--json", path, NULL };
	struct spawn_result r = spawn_run(argv, NULL);
	*status = r.status;
	json_object *j = json_tokener_parse(r.out);
	cr_assert_not_null(j, "not JSON: %s / %s", r.out, r.err);
	spawn_free(&r);
	return j;
}

static json_object *object_named(json_object *root, const char *needle)
{
	json_object *objects = json_object_object_get(root, "objects");
	for (size_t i = 0; i < json_object_array_length(objects); i++) {
		json_object *o = json_object_array_get_idx(objects, i);
		if (strstr(json_object_get_string(json_object_object_get(o, "path")), needle))
			return o;
	}
	return NULL;
}

static const char *verdict(json_object *o)
{
	return json_object_get_string(json_object_object_get(o, "verdict"));
}

Test(audit, static_program_is_not_coverable_and_exits_1)
{
	int status;
	json_object *j = audit_json(ND_TEST_STATIC, &status);
	cr_assert_eq(status, 1);
	json_object *o = object_named(j, "static_getrandom");
	cr_assert_str_eq(verdict(o), "not-coverable");
	cr_assert_str_eq(json_object_get_string(json_object_object_get(o, "linkage")), "static");
	json_object_put(j);
}

Test(audit, libstdcxx_random_device_rdrand_and_rdseed_found_and_covered)
{
	int status;
	json_object *j = audit_json("/usr/lib/x86_64-linux-gnu/libstdc++.so.6", &status);
	cr_assert_eq(status, 0);
	json_object *o = object_named(j, "libstdc++");
	/* Found, and covered: only std::random_device reaches them, and the
	 * shim replaces it. */
	cr_assert_str_eq(verdict(o), "covered");
	json_object *f = json_object_object_get(o, "findings");
	int rdrand = 0, rdseed = 0;
	for (size_t i = 0; i < json_object_array_length(f); i++) {
		json_object *e = json_object_array_get_idx(f, i);
		const char *kind = json_object_get_string(json_object_object_get(e, "kind"));
		const char *fn = json_object_get_string(json_object_object_get(e, "function"));
		int in_rd = strstr(fn, "std::random_device") != NULL;
		int covered = json_object_get_boolean(json_object_object_get(e, "covered"));
		rdrand += !strcmp(kind, "rdrand") && in_rd && covered;
		rdseed += !strcmp(kind, "rdseed") && in_rd && covered;
		if (strcmp(kind, "import"))
			cr_assert_not_null(json_object_object_get(e, "offset"));
	}
	cr_assert_geq(rdrand, 1);
	cr_assert_geq(rdseed, 1);
	json_object_put(j);
}

Test(audit, python_is_covered_and_its_closure_resolved)
{
	int status;
	json_object *j = audit_json("/usr/bin/python3.11", &status);
	cr_assert_eq(status, 0);
	cr_assert_str_eq(verdict(object_named(j, "python3.11")), "covered");
	cr_assert_not_null(object_named(j, "/libc.so.6"), "libc not in the closure");
	json_object_put(j);
}

static void assert_bad(const char *path, const char *reason)
{
	const char *argv[] = { ND_TEST_NODICE, "audit", path, NULL };
	struct spawn_result r = spawn_run(argv, NULL);
	cr_assert_eq(r.status, 3, "%s: status %d", path, r.status);
	cr_assert_not_null(strstr(r.err, reason), "%s: %s", path, r.err);
	cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "not one line: %s", r.err);
	spawn_free(&r);
}

static void write_file(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert_eq(write(fd, data, n), (ssize_t)n);
	close(fd);
}

/* A copy of the static fixture with bytes at `off` replaced. */
static void corrupt_copy(const char *out, size_t off, const void *bytes, size_t n, size_t keep)
{
	static char buf[4 << 20];
	int fd = open(ND_TEST_STATIC, O_RDONLY);
	ssize_t len = read(fd, buf, sizeof(buf));
	close(fd);
	cr_assert_gt(len, 0);
	memcpy(buf + off, bytes, n);
	write_file(out, buf, keep ? keep : (size_t)len);
}

Test(audit, bad_input_gets_one_line_and_exit_3)
{
	assert_bad("/etc/passwd", "not an ELF file");
	assert_bad("/tmp", "is a directory");
	assert_bad("/nonexistent-nodice", "cannot open");
	write_file("/tmp/nodice-empty", "", 0);
	assert_bad("/tmp/nodice-empty", "not an ELF file");
	corrupt_copy("/tmp/nodice-trunc", 0, "", 0, 200);
	assert_bad("/tmp/nodice-trunc", "truncated or corrupt");
	uint64_t far = 0x7fffffffffffULL;
	corrupt_copy("/tmp/nodice-shoff", 0x28, &far, sizeof(far), 0); /* e_shoff */
	assert_bad("/tmp/nodice-shoff", "truncated or corrupt");
	uint16_t many = 0xffff;
	corrupt_copy("/tmp/nodice-phnum", 0x38, &many, sizeof(many), 0); /* e_phnum */
	assert_bad("/tmp/nodice-phnum", "truncated or corrupt");
	unlink("/tmp/nodice-empty");
	unlink("/tmp/nodice-trunc");
	unlink("/tmp/nodice-shoff");
	unlink("/tmp/nodice-phnum");
}

Test(audit, inline_rdrand_makes_a_program_partial)
{
	int status;
	json_object *j = audit_json(ND_TEST_RDRAND, &status);
	cr_assert_eq(status, 0);
	json_object *o = object_named(j, "fixtures/rdrand");
	cr_assert_str_eq(verdict(o), "partial");
	cr_assert_not_null(strstr(json_object_get_string(json_object_object_get(o, "reason")), "rdrand in main"));
	json_object_put(j);
}

Test(audit, usage_errors_exit_2)
{
	const char *none[] = { ND_TEST_NODICE, "audit", NULL };
	struct spawn_result r = spawn_run(none, NULL);
	cr_assert_eq(r.status, 2);
	spawn_free(&r);
	const char *bad[] = { ND_TEST_NODICE, "audit", "--frob", "/bin/true", NULL };
	r = spawn_run(bad, NULL);
	cr_assert_eq(r.status, 2);
	spawn_free(&r);
}
