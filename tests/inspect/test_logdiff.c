/* logdiff.c: which divergence between two runs' logs verify names. Logs
 * written here in the shim's format, so that each case is exactly the one
 * meant (a real pair's counts follow the machine's load). */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logdiff.h"

#define PROC "{\"type\":\"process\",\"pid\":2,\"lineage\":\"aa\",\"exe\":\"/usr/bin/python3.11\",\"end\":\"exit\"}\n"

/* A source and its one site, reached from the program's own line. */
static void source(FILE *f, const char *family, const char *symbol, int count, int first, int line)
{
	fprintf(f,
		"{\"type\":\"source\",\"pid\":2,\"lineage\":\"aa\",\"exe\":\"/usr/bin/python3.11\",\"family\":\"%s\","
		"\"symbol\":\"%s\",\"controlled\":true,\"count\":%d,\"bytes\":0,\"first\":%d}\n",
		family, symbol, count, first);
	fprintf(f,
		"{\"type\":\"site\",\"pid\":2,\"lineage\":\"aa\",\"exe\":\"/usr/bin/python3.11\",\"symbol\":\"%s\","
		"\"controlled\":true,\"count\":%d,\"frames\":[],\"python\":[{\"file\":\"/srv/job/train.py\",\"line\":%d,"
		"\"function\":\"step\"}]}\n",
		symbol, count, line);
}

/* A log: a clock read at line 24 (clocks times), then draws at line 18. */
static void write_log(char *path, int clocks, int draws)
{
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs(PROC, f);
	source(f, "clock", "clock_gettime", clocks, 1, 24);
	source(f, "entropy", "getrandom", draws, 2, 18);
	fclose(f);
}

static json_object *first(int clocks_a, int draws_a, int clocks_b, int draws_b)
{
	char a[] = "/tmp/nodice-logdiff-a-XXXXXX", b[] = "/tmp/nodice-logdiff-b-XXXXXX";
	write_log(a, clocks_a, draws_a);
	write_log(b, clocks_b, draws_b);
	json_object *e = logdiff_first(a, b);
	unlink(a);
	unlink(b);
	return e;
}

static const char *get(json_object *o, const char *k)
{
	return json_object_get_string(json_object_object_get(o, k));
}

/* A parent's clock reads while pool.map waits are counted at the user's
 * line and follow the load: the draws at a line as near are named. */
Test(logdiff, draws_come_before_clock_reads_at_lines_as_near)
{
	json_object *e = first(7, 100, 6, 120);
	cr_assert_not_null(e);
	cr_assert_str_eq(get(e, "symbol"), "getrandom");
	json_object *py = json_object_object_get(e, "python");
	cr_assert_eq(json_object_get_int(json_object_object_get(py, "line")), 18);
	json_object *calls = json_object_object_get(py, "calls");
	cr_assert_eq(json_object_get_int(json_object_array_get_idx(calls, 0)), 100);
	cr_assert_eq(json_object_get_int(json_object_array_get_idx(calls, 1)), 120);
	json_object_put(e);
}

Test(logdiff, a_clock_read_is_named_when_nothing_else_differs)
{
	json_object *e = first(7, 100, 6, 100);
	cr_assert_not_null(e);
	cr_assert_str_eq(get(e, "symbol"), "clock_gettime");
	json_object_put(e);
}

Test(logdiff, equal_logs_have_no_divergence)
{
	cr_assert_null(first(7, 100, 7, 100));
}
