/* verify's report on stdout; see verify_report.h. */
#include "verify_report.h"
#include "pylines.h"

#include <stdio.h>
#include <string.h>

json_object *verify_checked_items(const struct verify_run *r)
{
	json_object *c = json_object_new_array();
	json_object_array_add(c, json_object_new_string("exit status"));
	json_object_array_add(c, json_object_new_string("stdout"));
	json_object_array_add(c, json_object_new_string("stderr"));
	for (size_t i = 0; i < r->art.n; i++) {
		char what[4200];
		snprintf(what, sizeof(what), "artifact %s", r->art.files[i].path);
		json_object_array_add(c, json_object_new_string(what));
	}
	json_object_array_add(c, json_object_new_string("event log"));
	return c;
}

void verify_print_report(json_object *report, long runs, const char *command)
{
	json_object *diffs = json_object_object_get(report, "differences"), *v;
	printf("nodice verify: %s\n", command);
	printf("%ld run%s with seed %s: %s\n", runs, runs == 1 ? "" : "s",
	       json_object_get_string(json_object_object_get(report, "seed")),
	       json_object_get_boolean(json_object_object_get(report, "identical")) ? "reproducible" : "NOT reproducible");
	json_object *checked = json_object_object_get(report, "checked");
	for (size_t i = 0; i < json_object_array_length(checked); i++) {
		const char *what = json_object_get_string(json_object_array_get_idx(checked, i));
		int bad = 0;
		for (size_t k = 0; k < json_object_array_length(diffs); k++)
			bad |= !strcmp(json_object_get_string(json_object_object_get(json_object_array_get_idx(diffs, k), "what")), what);
		printf("  %-10s %s\n", bad ? "DIFFERS" : "same", what);
	}
	for (size_t k = 0; k < json_object_array_length(diffs); k++) {
		json_object *d = json_object_array_get_idx(diffs, k);
		printf("\n%s: %s\n", json_object_get_string(json_object_object_get(d, "what")),
		       json_object_get_string(json_object_object_get(d, "detail")));
	}
	if (json_object_object_get_ex(report, "first_divergent_event", &v)) {
		printf("\nfirst divergent intercepted event: in %s (lineage %s): %s\n",
		       json_object_get_string(json_object_object_get(v, "process")),
		       json_object_get_string(json_object_object_get(v, "lineage")),
		       json_object_get_string(json_object_object_get(v, "detail")));
		json_object *site, *py, *calls, *which = json_object_object_get(v, "runs");
		if (json_object_object_get_ex(v, "python", &py)) {
			char line[1200];
			pylines_format(py, line, sizeof(line));
			if (json_object_object_get_ex(py, "calls", &calls))
				printf("  first divergence: %s at %s — run %d: %lld calls, run %d: %lld\n",
				       json_object_get_string(json_object_object_get(v, "symbol")), line,
				       json_object_get_int(json_object_array_get_idx(which, 0)),
				       (long long)json_object_get_int64(json_object_array_get_idx(calls, 0)),
				       json_object_get_int(json_object_array_get_idx(which, 1)),
				       (long long)json_object_get_int64(json_object_array_get_idx(calls, 1)));
			else
				printf("  at %s (the busiest Python line that reached it)\n", line);
		}
		if (json_object_object_get_ex(v, "site", &site))
			printf("  at %s\n", json_object_get_string(site));
	}
	if (json_object_object_get_ex(report, "likely_causes", &v) && json_object_array_length(v)) {
		printf("\nlikely causes (not controlled by nodice):\n");
		for (size_t i = 0; i < json_object_array_length(v); i++)
			printf("  - %s\n", json_object_get_string(json_object_array_get_idx(v, i)));
	}
	if (json_object_object_get_ex(report, "seed_dependent", &v)) {
		printf("\nwith another seed: %s\n", json_object_get_boolean(v)
							  ? "the outputs change (they depend on the seed)"
							  : "the outputs are the same (they do not depend on the seed)");
	}
	if (json_object_object_get_ex(report, "seed_ignored_draws", &v)) {
		printf("  though the program drew seeded randomness:");
		for (size_t i = 0; i < json_object_array_length(v); i++)
			printf("%s %s", i ? "," : "", json_object_get_string(json_object_array_get_idx(v, i)));
		printf("\n  its outputs ignore the draws, or something pinned them: a generator seeded from the clock\n"
		       "  under a fixed --epoch, or a seed written in the program\n");
	}
}

