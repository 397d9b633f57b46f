#include "knobs_report.h"
#include "jsonget.h"
#include "logformat.h"
#include "report.h"

#include <string.h>

void knobs_add(json_object *model, json_object *rec)
{
	json_object *list = json_object_object_get(model, "knobs");
	const char *name = str(rec, ND_LK_NAME), *value = str(rec, ND_LK_VALUE), *by = str(rec, ND_LK_SET_BY);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *k = json_object_array_get_idx(list, i);
		if (!strcmp(str(k, "name"), name) && !strcmp(str(k, "value"), value) && !strcmp(str(k, "set_by"), by)) {
			json_object_object_add(k, "processes", json_object_new_int64(num(k, "processes") + 1));
			return;
		}
	}
	json_object *k = json_object_new_object();
	json_object_object_add(k, "name", json_object_new_string(name));
	json_object_object_add(k, "value", json_object_new_string(value));
	json_object_object_add(k, "set_by", json_object_new_string(by));
	json_object_object_add(k, "processes", json_object_new_int64(1));
	json_object_array_add(list, k);
}

void knobs_note_object(json_object *model, const char *path)
{
	static const char *const gpu[] = { "libcuda.so", "libcudart.so", "libcublas.so", "libcublasLt.so",
					   "libcudnn.so", "libnccl.so", "libnvrtc.so", "libamdhip64.so" };
	const char *b = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	for (size_t i = 0; i < sizeof(gpu) / sizeof(gpu[0]); i++)
		if (!strncmp(b, gpu[i], strlen(gpu[i]))) {
			char detail[512];
			snprintf(detail, sizeof(detail), "%s was loaded", b);
			uncontrolled_add(model, "gpu", detail, 1, 1);
			return;
		}
}

void knobs_print(FILE *out, json_object *model)
{
	json_object *list = json_object_object_get(model, "knobs");
	size_t n = list ? json_object_array_length(list) : 0;
	if (!n) {
		fprintf(out, "\nFramework knobs: none set (--framework-knobs off, or no log of the run's root)\n");
		return;
	}
	fprintf(out, "\nFramework knobs (docs/gpu.md)\n");
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			json_object *k = json_object_array_get_idx(list, i);
			int user = !strcmp(str(k, "set_by"), "user");
			if (user != pass)
				continue;
			fprintf(out, "  %-24s %-10s %s\n", str(k, "name"), user ? "kept" : "set", str(k, "value"));
		}
}
