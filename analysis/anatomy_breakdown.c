/* The anatomy of each request (see anatomy.h and anatomy.md): the join
 * (anatomy_join.c) feeds the statistics (anatomy_stats.c), which make the
 * report's "breakdown" object. One request's components are in
 * anatomy_components.c, the trace in anatomy_trace.c, the summary bar in
 * anatomy_bar.c. */
#include "analysis/anatomy_internal.h"

json_t *anat_breakdown(struct anat_join_in *in, struct errbuf *err)
{
	struct anat_join_counts jc = { { 0 } };
	struct anat_stats *s = anat_stats_new();
	json_t *o = NULL;

	if (s && !anat_join(in, s, &jc))
		o = anat_stats_json(s, &jc, in);
	anat_stats_free(s);
	if (!o)
		errbuf_set(err, "out of memory building the breakdown");
	return o;
}

json_t *anat_breakdown_unavailable(const char *reason)
{
	return json_pack("{s:b,s:s}", "available", 0, "reason", reason ? reason : "not run");
}
