/* Saved reports read back (schema_version 1 and 2) for the HTML view and
 * compare: loading with one-line errors, the runs a file holds, and getters
 * that hide the key convention that changed between the two versions. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "common/errbuf.h"

#define SAVED_SCHEMA_MIN 1
#define SAVED_SCHEMA_MAX 2
#define SAVED_MAX_RUNS 64

struct saved_run {
	const char *file;	/* the path it was read from */
	json_t *run;		/* borrowed from the document */
	char label[128];	/* "nginx" or "nginx (b.json)" when names repeat */
};

struct saved_set {
	json_t *docs[SAVED_MAX_RUNS];
	const char *doc_files[SAVED_MAX_RUNS];
	size_t n_docs;
	struct saved_run runs[SAVED_MAX_RUNS];
	size_t n_runs;
};

/* Reads a bench-ebpf report; -EINVAL with "FILE: why" in err otherwise. */
int saved_load(const char *path, json_t **doc, struct errbuf *err);
/* Loads every file and collects their runs (a multi-server file gives several). */
int saved_set_load(struct saved_set *s, const char *const *paths, size_t n, struct errbuf *err);
/* One report already in memory (a run just measured), named file in labels. */
int saved_set_from_doc(struct saved_set *s, json_t *doc, const char *file, struct errbuf *err);
void saved_set_free(struct saved_set *s);

/* "a.b.c" below o; NULL when any step is missing. */
json_t *jget(json_t *o, const char *path);
/* A number at path, NAN when missing or null. */
double jnum(json_t *o, const char *path);
const char *jstr(json_t *o, const char *path, const char *fallback);

/* One statistic of a duration distribution named base below parent: schema 2
 * writes parent.<base>_ns.<stat>, schema 1 parent.<base>.<stat>_ns (or
 * parent.<stat>_ns when base is NULL). NAN when absent. stat: "p50", "mean". */
double dist_stat(json_t *parent, const char *base, const char *stat);
/* The anatomy components below breakdown.components that add up to a
 * request's latency, in the order a request meets them (wait, or its two
 * halves when the report splits it). Returns how many names it set. */
size_t saved_components(json_t *components, const char **names, size_t cap);
/* Each of those components' share of the latency: of all requests' time
 * (tail NULL), or of the slowest requests' (tail = breakdown.tail.p99). */
void saved_component_shares(json_t *components, json_t *tail, const char *const *names, size_t n,
			    double *share);

/* Its bucket array [{lo,hi,count}], or NULL. */
json_t *dist_hist(json_t *parent, const char *base);
