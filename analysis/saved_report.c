#define _GNU_SOURCE
#include "analysis/saved_report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

json_t *jget(json_t *o, const char *path)
{
	char key[128];
	while (o && *path) {
		size_t n = strcspn(path, ".");
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		o = json_is_object(o) ? json_object_get(o, key) : NULL;
		path += n + (path[n] == '.');
	}
	return o;
}

double jnum(json_t *o, const char *path)
{
	json_t *v = jget(o, path);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

const char *jstr(json_t *o, const char *path, const char *fallback)
{
	json_t *v = jget(o, path);
	return json_is_string(v) ? json_string_value(v) : fallback;
}

static json_t *dist_object(json_t *parent, const char *base)
{
	char key[128];
	if (!base)
		return NULL;
	snprintf(key, sizeof(key), "%s_ns", base);
	json_t *d = json_object_get(parent, key);
	return json_is_object(d) ? d : NULL;
}

double dist_stat(json_t *parent, const char *base, const char *stat)
{
	char key[64];
	json_t *v2 = dist_object(parent, base);
	if (v2) {
		json_t *v = json_object_get(v2, stat);
		return json_is_number(v) ? json_number_value(v) : NAN;
	}
	json_t *v1 = base ? json_object_get(parent, base) : parent;
	snprintf(key, sizeof(key), "%s_ns", stat);
	json_t *v = json_object_get(v1, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

json_t *dist_hist(json_t *parent, const char *base)
{
	json_t *d = dist_object(parent, base);
	if (!d)
		d = base ? json_object_get(parent, base) : parent;
	json_t *h = json_object_get(d, "hist");
	return json_is_array(h) ? h : NULL;
}

size_t saved_components(json_t *comp, const char **names, size_t cap)
{
	static const char *const order[] = {
		"connect", "net_in", "accept_wait", "wait", "wait_runq", "wait_other", "app", "net_out", "client",
	};
	bool split = isfinite(dist_stat(comp, "wait_runq", "mean"));
	size_t n = 0;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]) && n < cap; i++) {
		bool half = !strncmp(order[i], "wait_", 5), whole = !strcmp(order[i], "wait");
		if ((whole && split) || (half && !split))
			continue;
		if (isfinite(dist_stat(comp, order[i], "mean")))
			names[n++] = order[i];
	}
	return n;
}

/* Components measured per connection (connect) count fewer times than per
 * request ones: their share of all time is mean times count. */
void saved_component_shares(json_t *comp, json_t *tail, const char *const *names, size_t n, double *share)
{
	double total = 0;
	for (size_t k = 0; k < n; k++) {
		char key[64];
		if (tail) {
			snprintf(key, sizeof(key), "%s_share", names[k]);
			share[k] = jnum(tail, key);
			continue;
		}
		double c = dist_stat(comp, names[k], "count");
		if (!isfinite(c))
			c = jnum(json_object_get(comp, names[k]), "count");
		share[k] = dist_stat(comp, names[k], "mean") * (isfinite(c) ? c : 1);
		total += share[k];
	}
	for (size_t k = 0; !tail && k < n; k++)
		share[k] = total > 0 ? share[k] / total : NAN;
}

static int check_schema(const char *path, json_t *doc, struct errbuf *err)
{
	if (!json_is_object(doc)) {
		errbuf_set(err, "%s: not a bench-ebpf report (the JSON is not an object)", path);
		return -EINVAL;
	}
	const char *tool = jstr(doc, "tool.name", NULL);
	json_t *ver = json_object_get(doc, "schema_version");
	if (!tool || strcmp(tool, "bench-ebpf") || !json_is_integer(ver)) {
		errbuf_set(err, "%s: not a bench-ebpf report (no tool.name \"bench-ebpf\" and schema_version)", path);
		return -EINVAL;
	}
	json_int_t v = json_integer_value(ver);
	if (v < SAVED_SCHEMA_MIN || v > SAVED_SCHEMA_MAX) {
		errbuf_set(err, "%s: schema_version %lld is not one this bench-ebpf reads (%d to %d)%s",
			   path, (long long)v, SAVED_SCHEMA_MIN, SAVED_SCHEMA_MAX,
			   v > SAVED_SCHEMA_MAX ? ": written by a newer bench-ebpf" : "");
		return -EINVAL;
	}
	json_t *runs = json_object_get(doc, "runs");
	if (runs && (!json_is_array(runs) || !json_array_size(runs))) {
		errbuf_set(err, "%s: \"runs\" holds no runs", path);
		return -EINVAL;
	}
	if (!runs && !json_is_object(json_object_get(doc, "client"))) {
		errbuf_set(err, "%s: a bench-ebpf report without \"client\" or \"runs\"", path);
		return -EINVAL;
	}
	return 0;
}

int saved_load(const char *path, json_t **doc, struct errbuf *err)
{
	json_error_t je;
	FILE *f = fopen(path, "r");
	if (!f) {
		errbuf_set(err, "%s: cannot open: %s", path, strerror(errno));
		return -EINVAL;
	}
	*doc = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
	fclose(f);
	if (!*doc) {
		errbuf_set(err, "%s: not JSON (line %d: %s)", path, je.line, je.text);
		return -EINVAL;
	}
	if (check_schema(path, *doc, err)) {
		json_decref(*doc);
		*doc = NULL;
		return -EINVAL;
	}
	return 0;
}

static const char *basename_of(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* Server names label the runs; where one repeats, the file (and ordinal) tells them apart. */
static void label_runs(struct saved_set *s)
{
	for (size_t i = 0; i < s->n_runs; i++) {
		struct saved_run *r = &s->runs[i];
		const char *name = jstr(r->run, "server.name", "server");
		int same = 0, ord = 0;
		for (size_t j = 0; j < s->n_runs; j++) {
			if (j != i && !strcmp(name, jstr(s->runs[j].run, "server.name", "server")))
				same++;
			if (j < i && !strcmp(name, jstr(s->runs[j].run, "server.name", "server")))
				ord++;
		}
		json_t *rep = json_object_get(r->run, "repeat");
		if (!same)
			snprintf(r->label, sizeof(r->label), "%s", name);
		else if (json_is_integer(rep) && s->n_docs == 1)	/* --repeat: its own numbering */
			snprintf(r->label, sizeof(r->label), "%s run %lld", name, (long long)json_integer_value(rep));
		else
			snprintf(r->label, sizeof(r->label), "%s #%d (%s)", name, ord + 1, basename_of(r->file));
	}
}

/* Takes a reference to doc and adds its runs. */
static int add_doc(struct saved_set *s, json_t *doc, const char *file, struct errbuf *err)
{
	if (s->n_docs == SAVED_MAX_RUNS) {
		errbuf_set(err, "%s: more than %d files", file, SAVED_MAX_RUNS);
		json_decref(doc);
		return -EINVAL;
	}
	s->doc_files[s->n_docs] = file;
	s->docs[s->n_docs++] = doc;
	json_t *runs = json_object_get(doc, "runs");
	size_t k = runs ? json_array_size(runs) : 1;
	for (size_t j = 0; j < k; j++) {
		if (s->n_runs == SAVED_MAX_RUNS) {
			errbuf_set(err, "%s: more than %d runs in all", file, SAVED_MAX_RUNS);
			return -EINVAL;
		}
		struct saved_run *r = &s->runs[s->n_runs++];
		r->file = file;
		r->run = runs ? json_array_get(runs, j) : doc;
	}
	return 0;
}

int saved_set_load(struct saved_set *s, const char *const *paths, size_t n, struct errbuf *err)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < n; i++) {
		json_t *doc;
		if (saved_load(paths[i], &doc, err) || add_doc(s, doc, paths[i], err)) {
			saved_set_free(s);
			return -EINVAL;
		}
	}
	label_runs(s);
	return 0;
}

int saved_set_from_doc(struct saved_set *s, json_t *doc, const char *file, struct errbuf *err)
{
	memset(s, 0, sizeof(*s));
	if (check_schema(file, doc, err) || add_doc(s, json_incref(doc), file, err)) {
		saved_set_free(s);
		return -EINVAL;
	}
	label_runs(s);
	return 0;
}

void saved_set_free(struct saved_set *s)
{
	for (size_t i = 0; i < s->n_docs; i++)
		json_decref(s->docs[i]);
	s->n_docs = s->n_runs = 0;
}
