/* One request's anatomy: its components from its marks, and the names the
 * report and the trace give them (see anatomy.h and anatomy.md). */
#include "analysis/anatomy.h"

#include <string.h>

const char *const anat_comp_names[AC_NR] = {
	[AC_CONNECT] = "connect", [AC_NET_IN] = "net_in", [AC_ACCEPT_WAIT] = "accept_wait",
	[AC_WAIT] = "wait", [AC_APP] = "app", [AC_NET_OUT] = "net_out", [AC_CLIENT] = "client",
	[AC_WAIT_RUNQ] = "wait_runq", [AC_WAIT_OTHER] = "wait_other",
};
const char *const anat_comp_keys[AC_NR] = {
	[AC_CONNECT] = "connect_ns", [AC_NET_IN] = "net_in_ns",
	[AC_ACCEPT_WAIT] = "accept_wait_ns", [AC_WAIT] = "wait_ns", [AC_APP] = "app_ns",
	[AC_NET_OUT] = "net_out_ns", [AC_CLIENT] = "client_ns",
	[AC_WAIT_RUNQ] = "wait_runq_ns", [AC_WAIT_OTHER] = "wait_other_ns",
};
const char *const anat_share_keys[AC_NR] = {
	[AC_CONNECT] = "connect_share", [AC_NET_IN] = "net_in_share",
	[AC_ACCEPT_WAIT] = "accept_wait_share", [AC_WAIT] = "wait_share",
	[AC_APP] = "app_share", [AC_NET_OUT] = "net_out_share", [AC_CLIENT] = "client_share",
	[AC_WAIT_RUNQ] = "wait_runq_share", [AC_WAIT_OTHER] = "wait_other_share",
};
const char *const anat_unmatched_names[AU_NR] = {
	[AU_NO_KERNEL_RECORD] = "no_kernel_record",
	[AU_MARKS_MISSING] = "marks_missing",
	[AU_OUT_OF_ORDER] = "out_of_order",
};
const char *const anat_kernel_only_names[AK_NR] = {
	[AK_OUTSIDE_WINDOW] = "outside_window",
	[AK_NO_CLIENT_REQUEST] = "no_client_request",
};

/* Definitions (every difference is of two marks ordered by causality, so
 * none is negative, and consecutive ones share a mark, so they add up):
 *
 *   kept-alive connection            connection opened for this request
 *   net_in      = S1 - C0            connect     = CE - C0
 *                                    net_in      = S1 - CE
 *                                    accept_wait = A  - S1,  A = max(ACC, S1)
 *   wait        = S2 - S1            wait        = S2 - A
 *   app = S3 - S2,  net_out = C4 - S3,  client = C5 - C4
 *
 * CE: the client socket became ESTABLISHED; ACC: the server's accept()
 * returned it. accept_wait is the part of the time in the accept queue
 * that the request's bytes spent waiting there (before S1 they were not
 * there yet, and that time is the way in). wait_runq is the run-queue
 * delay of the reading thread inside [A, S2] (at most wait), wait_other =
 * wait - wait_runq. */
int anat_components(const struct lg_record *c, const struct anat_rec *k, bool have_accept,
		    struct anat_comp *out)
{
	uint64_t a, start;
	bool nc = c->new_conn;

	memset(out, 0, sizeof(*out));
	if (!k->s1 || !k->s2 || !k->s3 || !k->c4 || (k->flags & ANAT_F_NO_ARRIVAL))
		return AU_MARKS_MISSING;
	if (nc && (k->seq != 0 || !k->ce))
		return AU_MARKS_MISSING;
	start = nc ? k->ce : k->s1;
	/* An accept() return not seen (the probe missing, or detached once the
	 * connections proved kept alive) leaves accept_wait inside wait. */
	a = nc && have_accept && k->acc > k->s1 ? k->acc : k->s1;
	if (c->c0 > start || (nc && k->ce > k->s1) || a > k->s2 || k->s2 > k->s3 ||
	    k->s3 > k->c4 || k->c4 > c->c5)
		return AU_OUT_OF_ORDER;
	out->new_conn = nc;
	out->accept_seen = nc && have_accept && k->acc;
	out->a = a;
	out->latency = c->c5 - c->c0;
	out->v[AC_CONNECT] = nc ? k->ce - c->c0 : 0;
	out->v[AC_NET_IN] = k->s1 - (nc ? k->ce : c->c0);
	out->v[AC_ACCEPT_WAIT] = a - k->s1;
	out->v[AC_WAIT] = k->s2 - a;
	out->v[AC_APP] = k->s3 - k->s2;
	out->v[AC_NET_OUT] = k->c4 - k->s3;
	out->v[AC_CLIENT] = c->c5 - k->c4;
	out->v[AC_WAIT_RUNQ] = k->runq_ns < out->v[AC_WAIT] ? k->runq_ns : out->v[AC_WAIT];
	out->v[AC_WAIT_OTHER] = out->v[AC_WAIT] - out->v[AC_WAIT_RUNQ];
	return -1;
}
