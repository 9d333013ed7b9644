/* The live progress line (src/progress.h). */
#define _GNU_SOURCE
#include "src/progress.h"

#include <unistd.h>

#include "common/fmt.h"

void progress_init(struct progress *p, FILE *out, bool quiet, const struct lg_options *o)
{
	*p = (struct progress){
		.out = !quiet && o->interval_ns && isatty(fileno(out)) ? out : NULL,
		.duration_ns = o->duration_ns,
		.requests = o->requests,
	};
}

void progress_update(struct progress *p, struct lg_run *run)
{
	struct lg_live l;
	if (!p->out || !lg_live_interval(run, &l) || l.index + 1 <= p->shown)
		return;
	p->shown = l.index + 1;
	char p99[32], done[64];
	double end_s = (double)(l.start_ns + l.duration_ns) / 1e9;
	if (p->requests)
		snprintf(done, sizeof(done), "%llu/%llu requests", (unsigned long long)l.requests_total,
			 (unsigned long long)p->requests);
	else if (p->duration_ns)
		snprintf(done, sizeof(done), "%.1f/%.1f s", end_s, (double)p->duration_ns / 1e9);
	else
		snprintf(done, sizeof(done), "%.1f s", end_s);
	/* \r and erase-to-end: the line is rewritten in place */
	fprintf(p->out, "\r\033[K  %s  %.0f req/s  p99 %s  errors %llu", done, l.rps,
		l.p99_ns ? fmt_duration((double)l.p99_ns, p99, sizeof(p99)) : "-",
		(unsigned long long)l.errors_total);
	fflush(p->out);
	p->drawn = true;
}

void progress_end(struct progress *p)
{
	if (p->out && p->drawn)
		fprintf(p->out, "\r\033[K");
	p->drawn = false;
}
