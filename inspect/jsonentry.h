/* Aggregating records into arrays of json-c objects: the entry with given
 * keys (made when absent), and counters in it. */
#ifndef ND_JSONENTRY_H
#define ND_JSONENTRY_H

#include <json-c/json.h>
#include <string.h>

#include "jsonget.h"

/* The entry of array whose keys equal the given pairs, created if absent. */
static inline json_object *json_entry(json_object *array, const char *k1, const char *v1, const char *k2,
			  const char *v2, const char *k3, json_object *v3)
{
	size_t n = json_object_array_length(array);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(array, i), *x;
		if (strcmp(str(e, k1), v1) || (k2 && strcmp(str(e, k2), v2)))
			continue;
		if (k3 && (!json_object_object_get_ex(e, k3, &x) || !json_object_equal(x, v3)))
			continue;
		if (k3)
			json_object_put(v3);
		return e;
	}
	json_object *e = json_object_new_object();
	json_object_object_add(e, k1, json_object_new_string(v1));
	if (k2)
		json_object_object_add(e, k2, json_object_new_string(v2));
	if (k3)
		json_object_object_add(e, k3, v3);
	json_object_array_add(array, e);
	return e;
}

static inline void json_add_count(json_object *e, const char *key, int64_t by)
{
	json_object_object_add(e, key, json_object_new_int64(num(e, key) + by));
}

#endif
