/*
 * JUnit XML in the shape the common schema (and GitHub's and GitLab's
 * reporters) accept: testsuites > testsuite > testcase, each failure with a
 * message attribute and the detail as text. Everything is XML-escaped.
 */
#include "junit.h"
#include "xmltext.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *str(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

int junit_write(const char *path, json_object *report, const char *command, double seconds, char *why,
		size_t size)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(why, size, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	json_object *checked = json_object_object_get(report, "checked");
	json_object *diffs = json_object_object_get(report, "differences");
	size_t n = json_object_array_length(checked), failures = json_object_array_length(diffs);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"nodice verify\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.3f\">\n", n,
		failures, seconds);
	fprintf(f, "  <testsuite name=\"determinism: ");
	xmltext_write(f, command);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n", n, failures,
		seconds);
	for (size_t i = 0; i < n; i++) {
		const char *what = json_object_get_string(json_object_array_get_idx(checked, i));
		fprintf(f, "    <testcase classname=\"nodice.verify\" name=\"");
		xmltext_write(f, what);
		fprintf(f, " is reproducible\" time=\"0\">\n");
		for (size_t k = 0; k < failures; k++) {
			json_object *d = json_object_array_get_idx(diffs, k);
			if (strcmp(str(d, "what"), what))
				continue;
			fprintf(f, "      <failure message=\"");
			xmltext_write(f, what);
			fprintf(f, " differs between runs\" type=\"nondeterminism\">");
			xmltext_write(f, str(d, "detail"));
			fprintf(f, "</failure>\n");
		}
		fprintf(f, "    </testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	if (fclose(f) != 0) {
		snprintf(why, size, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
