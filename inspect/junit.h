/* JUnit XML for CI test reporters (GitHub, GitLab): one test case per
 * compared item, a failure for each that diverged. */
#ifndef ND_JUNIT_H
#define ND_JUNIT_H

#include <json-c/json.h>

/* report: the verify JSON report. 0, or -1 with why. */
int junit_write(const char *path, json_object *report, const char *command, double seconds, char *why,
		size_t size);

#endif
