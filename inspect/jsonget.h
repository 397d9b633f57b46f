/* Reading fields of json-c objects with defaults: "" and 0 when absent. */
#ifndef ND_JSONGET_H
#define ND_JSONGET_H

#include <json-c/json.h>
#include <stdint.h>

static inline const char *str(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static inline int64_t num(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static inline int flag(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

#endif
