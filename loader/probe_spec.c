#include "loader/probe_spec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool is_fallback(const char *m, size_t len)
{
	static const char *const names[] = { "fentry", "fexit", "kprobe", "kretprobe" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && !strncmp(m, names[i], len))
			return true;
	return false;
}

int probe_spec_each(const char *list, int (*fn)(const struct probe_spec *s, void *arg),
		    void *arg, struct errbuf *err)
{
	const char *p = list;

	while (p && *p) {
		struct probe_spec s = { .what = PROBE_SPEC_OFF };
		size_t n, nl;
		const char *colon;
		int r;

		while (*p == ' ' || *p == ',')
			p++;
		n = strcspn(p, ",");
		while (n && p[n - 1] == ' ')
			n--;
		if (!n)
			break;
		colon = memchr(p, ':', n);
		nl = colon ? (size_t)(colon - p) : n;
		snprintf(s.name, sizeof(s.name), "%.*s", (int)nl, p);
		if (colon) {
			size_t ml = n - nl - 1;
			if (ml == 6 && !strncmp(colon + 1, "tp_btf", 6)) {
				s.what = PROBE_SPEC_NO_BTF;
			} else if (ml == 6 && !strncmp(colon + 1, "raw_tp", 6)) {
				s.what = PROBE_SPEC_NO_RAW;
			} else if (is_fallback(colon + 1, ml)) {
				s.what = PROBE_SPEC_NO_FALLBACK;
				snprintf(s.mech, sizeof(s.mech), "%.*s", (int)ml, colon + 1);
			} else {
				errbuf_set(err, "unknown attach mode '%.*s' for probe %s (tp_btf, raw_tp, "
					   "fentry, fexit, kprobe or kretprobe)", (int)ml, colon + 1, s.name);
				return -EINVAL;
			}
		}
		if ((r = fn(&s, arg)))
			return r;
		p += strcspn(p, ",");
	}
	return 0;
}

int func_nargs(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	const struct btf_type *t = id < 0 ? NULL : btf__type_by_id(btf, btf__type_by_id(btf, id)->type);

	return t && btf_is_func_proto(t) ? btf_vlen(t) : -1;
}

int probe_tp_nargs(const struct btf *btf, const char *name)
{
	char tname[128];
	const struct btf_type *t;
	int id;

	snprintf(tname, sizeof(tname), "btf_trace_%s", name);
	id = btf__find_by_name_kind(btf, tname, BTF_KIND_TYPEDEF);
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, id);
	while (t && (btf_is_typedef(t) || btf_is_ptr(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t))
		return 0;
	return btf_vlen(t) > 0 ? btf_vlen(t) - 1 : 0;
}
