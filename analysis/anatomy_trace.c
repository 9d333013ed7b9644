/* --trace: one JSON line per matched request, and the debug line of an
 * unmatched one (BENCH_EBPF_ANATOMY_DEBUG=1). */
#include "analysis/anatomy_internal.h"

#include <inttypes.h>

void anat_trace_line(FILE *f, const char *server, const struct lg_record *c,
		     const struct anat_rec *k, const struct anat_comp *x)
{
	fprintf(f, "{\"server\":\"%s\",\"port\":%u,\"seq\":%u,\"new_conn\":%s,\"c0\":%" PRIu64,
		server, c->lport, c->seq, x->new_conn ? "true" : "false", c->c0);
	if (x->new_conn)
		fprintf(f, ",\"ce\":%" PRIu64 ",\"acc\":%" PRIu64, (uint64_t)k->ce, (uint64_t)k->acc);
	fprintf(f, ",\"s1\":%" PRIu64 ",\"s2\":%" PRIu64 ",\"s3\":%" PRIu64 ",\"c4\":%" PRIu64
		",\"c5\":%" PRIu64, (uint64_t)k->s1, (uint64_t)k->s2, (uint64_t)k->s3,
		(uint64_t)k->c4, c->c5);
	fprintf(f, ",\"connect\":%" PRIu64 ",\"net_in\":%" PRIu64 ",\"accept_wait\":%" PRIu64
		",\"wait\":%" PRIu64 ",\"app\":%" PRIu64 ",\"net_out\":%" PRIu64 ",\"client\":%" PRIu64
		",\"wait_runq\":%" PRIu64 ",\"wait_other\":%" PRIu64, x->v[AC_CONNECT], x->v[AC_NET_IN],
		x->v[AC_ACCEPT_WAIT], x->v[AC_WAIT], x->v[AC_APP], x->v[AC_NET_OUT], x->v[AC_CLIENT],
		x->v[AC_WAIT_RUNQ], x->v[AC_WAIT_OTHER]);
	fprintf(f, ",\"latency\":%" PRIu64 ",\"send_ns\":%" PRIu64 ",\"sends\":%u,\"bytes_in\":%u"
		",\"bytes_out\":%u,\"tid\":%u,\"flags\":%u}\n", x->latency, (uint64_t)k->send_ns, k->sends,
		k->bytes_in, k->bytes_out, k->tid, k->flags);
}

/* One line per unmatched request and the kernel record it was compared
 * with, times relative to its C0 (BENCH_EBPF_ANATOMY_DEBUG=1). */
void anat_debug_unmatched(FILE *f, int why, const struct lg_record *c, const struct anat_rec *k)
{
#define REL(t) ((t) ? (long long)((t) - c->c0) : 0LL)
	fprintf(f, "anatomy: unmatched (%s): port %u seq %u new_conn %u, c5 +%llu", anat_unmatched_names[why],
		c->lport, c->seq, c->new_conn, (unsigned long long)(c->c5 - c->c0));
	if (k)
		fprintf(f, "; kernel seq %u ce %+lld acc %+lld s1 %+lld s2 %+lld s3 %+lld c4 %+lld flags 0x%x",
			k->seq, REL(k->ce), REL(k->acc), REL(k->s1), REL(k->s2), REL(k->s3), REL(k->c4),
			(unsigned)k->flags);
	fputc('\n', f);
#undef REL
}
