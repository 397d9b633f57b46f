/* verify's report: what was checked, and the report printed on stdout. */
#ifndef ND_VERIFY_REPORT_H
#define ND_VERIFY_REPORT_H

#include <json-c/json.h>

#include "verify_runs.h"

/* The items compared, in the order the report lists them. */
json_object *verify_checked_items(const struct verify_run *r);
void verify_print_report(json_object *report, long runs, const char *command);

#endif
