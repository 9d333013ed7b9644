/* The anatomy in the summary: a stacked text bar of the mean components,
 * the legend with p50 and p99, and the slowest 1 %'s shares. */
#include "analysis/anatomy.h"

#include <math.h>
#include "common/fmt.h"

static double jnum(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	if (b)
		v = json_object_get(v, b);
	return v && json_is_number(v) ? json_number_value(v) : NAN;
}

#define BAR 60

void anat_summary(FILE *out, json_t *b)
{
	/* Bar segments, in the order of the request's life. */
	static const struct { int id; char letter; const char *label; } seg[] = {
		{ AC_CONNECT, 'c', "connect      client connect() until established" },
		{ AC_NET_IN, 'i', "net_in       on the way in, until queued on the server socket" },
		{ AC_ACCEPT_WAIT, 'q', "accept_wait  queued, connection not yet accepted" },
		{ AC_WAIT_RUNQ, 'r', "wait (runq)  queued, server thread waiting for a CPU" },
		{ AC_WAIT_OTHER, 'w', "wait (busy)  queued, server busy elsewhere" },
		{ AC_APP, 'a', "app          read returned until the response's first send" },
		{ AC_NET_OUT, 'o', "net_out      send until the last bytes are at the client" },
		{ AC_CLIENT, 'l', "client       load generator wake-up and parsing" },
	};
	const int nseg = sizeof(seg) / sizeof(seg[0]);
	json_t *comps = json_object_get(b, "components");
	double mean[8], total = 0, cov = jnum(b, "coverage", NULL);
	int width[8], used = 0;
	char bar[BAR + 1], d[3][32];

	if (!json_is_true(json_object_get(b, "available"))) {
		fprintf(out, "  Anatomy:              not available (%s)\n",
			json_string_value(json_object_get(b, "reason")) ?
			json_string_value(json_object_get(b, "reason")) : "?");
		return;
	}
	for (int i = 0; i < nseg; i++) {
		json_t *c = json_object_get(comps, anat_comp_keys[seg[i].id]);
		double m = jnum(c, "mean", NULL), n = jnum(c, "count", NULL);
		double all = jnum(b, "matched", NULL);

		/* connect and accept_wait are means over new connections: spread
		 * over all requests for the bar, so the segments add up. */
		mean[i] = isfinite(m) && n > 0 && all > 0 ? m * n / all : 0;
		total += mean[i];
	}
	fprintf(out, "  Anatomy:              %.0f of %.0f requests matched (coverage %.2f %%)",
		jnum(b, "matched", NULL), jnum(b, "client_requests", NULL),
		isfinite(cov) ? cov * 100 : 0);
	if (jnum(b, "records_lost", NULL) > 0)
		fprintf(out, ", %.0f kernel records lost", jnum(b, "records_lost", NULL));
	fputc('\n', out);
	if (!(total > 0))
		return;
	/* Largest remainders, so the bar is exactly BAR wide. */
	double rem[8];
	for (int i = 0; i < nseg; i++) {
		double w = mean[i] / total * BAR;

		width[i] = (int)w;
		rem[i] = w - width[i];
		used += width[i];
	}
	while (used < BAR) {
		int best = 0;

		for (int i = 1; i < nseg; i++)
			if (rem[i] > rem[best])
				best = i;
		width[best]++;
		rem[best] = -1;
		used++;
	}
	int p = 0;
	for (int i = 0; i < nseg; i++)
		for (int k = 0; k < width[i] && p < BAR; k++)
			bar[p++] = seg[i].letter;
	bar[p] = 0;
	fprintf(out, "    [%s]  mean %s\n", bar, fmt_duration(total, d[0], sizeof(d[0])));
	for (int i = 0; i < nseg; i++) {
		json_t *c = json_object_get(comps, anat_comp_keys[seg[i].id]);

		if (!c)
			continue;
		fprintf(out, "    %c %-60s %5.1f %%  p50 %-9s p99 %s\n", seg[i].letter, seg[i].label,
			mean[i] / total * 100, fmt_duration(jnum(c, "p50", NULL), d[0], sizeof(d[0])),
			fmt_duration(jnum(c, "p99", NULL), d[1], sizeof(d[1])));
	}
	json_t *t = json_object_get(json_object_get(b, "tail"), "p99");
	if (jnum(t, "requests", NULL) > 0) {
		fprintf(out, "    slowest 1 %% (> %s):", fmt_duration(jnum(t, "threshold_ns", NULL), d[0], sizeof(d[0])));
		for (int i = 0; i < nseg; i++) {
			double sh = jnum(t, anat_share_keys[seg[i].id], NULL);

			if (isfinite(sh) && sh >= 0.005)
				fprintf(out, " %s %.0f %%", seg[i].id == AC_WAIT_RUNQ ? "wait(runq)" :
					seg[i].id == AC_WAIT_OTHER ? "wait(busy)" : anat_comp_names[seg[i].id],
					sh * 100);
		}
		fputc('\n', out);
	}
}
