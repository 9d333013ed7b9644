#include "tests/lib/json_path.h"

#include <string.h>

json_t *json_path(json_t *root, const char *path)
{
	const char *p = path;

	while (root && *p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		root = json_object_getn(root, p, len);
		p += len + (dot != NULL);
	}
	return root;
}

long long json_path_int(json_t *root, const char *path)
{
	json_t *v = json_path(root, path);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

double json_path_num(json_t *root, const char *path)
{
	json_t *v = json_path(root, path);

	return json_is_number(v) ? json_number_value(v) : -1;
}
