/* The anatomy join and components on synthetic records (no kernel needed):
 * exact telescoping, the new-connection formulas, port reuse, open-loop
 * requests whose due times overlap, a completion seen out of order, and
 * every unmatched reason. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/anatomy.h"
#include "tests/lib/check.h"
#include "tests/lib/json_path.h"


static struct lg_record crec(uint16_t port, uint32_t seq, uint64_t c0, uint64_t c5, bool nc)
{
	return (struct lg_record){ .c0 = c0, .c5 = c5, .seq = seq, .lport = port, .ok = 1,
				   .new_conn = nc };
}

static struct anat_rec krec(uint16_t port, uint32_t seq, uint64_t s1, uint64_t s2, uint64_t s3,
			    uint64_t c4)
{
	return (struct anat_rec){ .port = port, .seq = seq, .s1 = s1, .s2 = s2, .s3 = s3, .c4 = c4,
				  .sends = 1 };
}

static void test_components(void)
{
	struct lg_record c = crec(1, 3, 1000, 2000, false);
	struct anat_rec k = krec(1, 3, 1100, 1300, 1700, 1900);
	struct anat_comp x;
	uint64_t sum = 0;

	k.runq_ns = 50;
	CHECK(anat_components(&c, &k, true, &x) == -1, "kept-alive request matches");
	CHECK(x.v[AC_NET_IN] == 100 && x.v[AC_WAIT] == 200 && x.v[AC_APP] == 400 &&
	      x.v[AC_NET_OUT] == 200 && x.v[AC_CLIENT] == 100 && x.v[AC_CONNECT] == 0 &&
	      x.v[AC_ACCEPT_WAIT] == 0, "components of a kept-alive request");
	CHECK(x.v[AC_WAIT_RUNQ] == 50 && x.v[AC_WAIT_OTHER] == 150, "wait split");
	for (int i = 0; i < AC_TELESCOPING; i++)
		sum += x.v[i];
	CHECK(sum == c.c5 - c.c0 && x.latency == 1000, "telescoping: %llu", (unsigned long long)sum);

	/* A new connection whose accept() came after the request's bytes. */
	c = crec(2, 0, 1000, 5000, true);
	k = krec(2, 0, 1200, 2500, 3000, 4000);
	k.ce = 1100;
	k.se = 1150;
	k.acc = 2000;
	k.runq_ns = 10000;	/* more than wait: clamped */
	CHECK(anat_components(&c, &k, true, &x) == -1, "new connection matches");
	CHECK(x.v[AC_CONNECT] == 100 && x.v[AC_NET_IN] == 100 && x.v[AC_ACCEPT_WAIT] == 800 &&
	      x.v[AC_WAIT] == 500 && x.v[AC_APP] == 500 && x.v[AC_NET_OUT] == 1000 &&
	      x.v[AC_CLIENT] == 1000, "components of a new connection");
	CHECK(x.v[AC_WAIT_RUNQ] == 500 && x.v[AC_WAIT_OTHER] == 0, "runq clamped to wait");
	sum = 0;
	for (int i = 0; i < AC_TELESCOPING; i++)
		sum += x.v[i];
	CHECK(sum == 4000, "new connection telescopes: %llu", (unsigned long long)sum);

	/* accept() before the bytes: no accept_wait. */
	k.acc = 1180;
	CHECK(anat_components(&c, &k, true, &x) == -1 && x.v[AC_ACCEPT_WAIT] == 0 &&
	      x.v[AC_WAIT] == 1300, "accept before arrival");
	/* accept() returns unseen: all of it is wait. */
	k.acc = 0;
	CHECK(anat_components(&c, &k, false, &x) == -1 && x.v[AC_ACCEPT_WAIT] == 0 &&
	      x.v[AC_WAIT] == 1300, "no accept probe");
	CHECK(anat_components(&c, &k, true, &x) == -1 && !x.accept_seen && x.v[AC_WAIT] == 1300,
	      "accept probe on, this accept not seen");

	k = krec(3, 0, 1200, 1100, 1300, 1400);	/* s2 < s1 */
	c = crec(3, 0, 1000, 2000, false);
	CHECK(anat_components(&c, &k, true, &x) == AU_OUT_OF_ORDER, "out of order");
	k = krec(3, 0, 1200, 1250, 1300, 0);
	CHECK(anat_components(&c, &k, true, &x) == AU_MARKS_MISSING, "c4 missing");
	k = krec(3, 0, 1200, 1250, 1300, 2100);
	CHECK(anat_components(&c, &k, true, &x) == AU_OUT_OF_ORDER, "c4 after c5");
}

static void test_join(void)
{
	struct lg_record c[24];
	struct anat_rec k[24];
	const struct anat_rec *kp[24];
	size_t nc = 0, nk = 0;
	struct hist lat;
	char *buf = NULL;
	size_t blen = 0;
	FILE *trace = open_memstream(&buf, &blen);
	struct errbuf err = { "" };

	/* port 100, kept alive: two back-to-back requests (c0 of the second
	 * is the c5 of the first). */
	c[nc++] = crec(100, 0, 1000, 2000, false);
	c[nc++] = crec(100, 1, 2000, 3000, false);
	k[nk++] = krec(100, 1, 2100, 2200, 2300, 2900);
	k[nk++] = krec(100, 0, 1100, 1200, 1300, 1900);
	/* port 200 reused: two connections far apart in time. */
	c[nc++] = crec(200, 0, 10000, 11000, true);
	c[nc++] = crec(200, 0, 50000, 51000, true);
	k[nk] = krec(200, 0, 50200, 50300, 50400, 50900);
	k[nk].ce = 50100;
	k[nk++].acc = 50250;
	k[nk] = krec(200, 0, 10200, 10300, 10400, 10900);
	k[nk].ce = 10100;
	k[nk++].acc = 10150;
	/* port 300: open loop, the second request due before the first
	 * was done. */
	c[nc++] = crec(300, 0, 20000, 20300, false);
	c[nc++] = crec(300, 1, 20150, 20500, false);
	k[nk++] = krec(300, 0, 20010, 20020, 20030, 20290);
	k[nk++] = krec(300, 1, 20310, 20320, 20330, 20490);
	/* port 400: a kernel record of the warmup, and a client request the
	 * kernel never saw. */
	k[nk++] = krec(400, 0, 100, 110, 120, 130);
	c[nc++] = crec(400, 1, 30000, 31000, false);
	/* port 500: marks missing (no c4). */
	c[nc++] = crec(500, 0, 40000, 41000, false);
	k[nk++] = krec(500, 0, 40100, 40200, 40300, 0);
	/* port 600: a failed request with its kernel record (not counted). */
	c[nc] = crec(600, 0, 60000, 61000, false);
	c[nc++].ok = 0;
	k[nk++] = krec(600, 0, 60100, 60200, 60300, 60400);

	/* port 700: a completion seen late (curl engine): A's [C0, C5] spans
	 * B and C on the same port; A still gets its own record. */
	c[nc++] = crec(700, 5, 70000, 75000, false);
	c[nc++] = crec(700, 6, 72000, 72500, false);
	c[nc++] = crec(700, 7, 72500, 73000, false);
	k[nk++] = krec(700, 5, 70100, 70200, 70300, 70500);
	k[nk++] = krec(700, 6, 72100, 72200, 72300, 72400);
	k[nk++] = krec(700, 7, 72600, 72700, 72800, 72900);

	for (size_t i = 0; i < nk; i++)
		kp[i] = &k[i];
	hist_init(&lat);
	for (size_t i = 0; i < nc; i++)
		if (c[i].ok)
			hist_record(&lat, c[i].c5 - c[i].c0);
	struct anat_join_in in = {
		.client = c, .n_client = nc, .kernel = kp, .n_kernel = nk,
		.window_start = 1000, .window_end = 100000,
		.client_latency = &lat, .have_accept = true, .arrival = "sk_data_ready",
		.trace = trace, .server = "test",
	};
	json_t *b = anat_breakdown(&in, &err);

	fclose(trace);
	CHECK(b, "breakdown: %s", err.msg);
	CHECK(json_path_int(b, "client_requests") == 11, "client requests %lld",
	      (long long)json_path_int(b, "client_requests"));
	CHECK(json_path_int(b, "matched") == 9, "matched %lld", (long long)json_path_int(b, "matched"));
	CHECK(json_path_int(b, "unmatched") == 2, "unmatched");
	CHECK(json_path_int(b, "unmatched_reasons.no_kernel_record") == 1, "no kernel record");
	CHECK(json_path_int(b, "unmatched_reasons.marks_missing") == 1, "marks missing");
	CHECK(json_path_int(b, "kernel_only.outside_window") == 1, "warmup record");
	CHECK(json_path_int(b, "kernel_only.no_client_request") == 1, "failed request's record");
	CHECK(json_path_int(b, "new_connections") == 2, "new connections");
	CHECK(json_path_int(b, "components.connect_ns.count") == 2, "connect only for new connections");
	CHECK(json_path_int(b, "components.accept_wait_ns.max") == 50, "accept_wait max %lld",
	      (long long)json_path_int(b, "components.accept_wait_ns.max"));
	CHECK(json_path_int(b, "components.net_in_ns.count") == 9, "net_in count");
	CHECK(json_real_value(json_object_get(b, "coverage")) == 9.0 / 11, "coverage");

	/* Trace: one line per match, with the marks. */
	int lines = 0;
	for (char *p = buf; p && *p; p++)
		lines += *p == '\n';
	CHECK(lines == 9, "trace lines %d", lines);
	CHECK(buf && strstr(buf, "\"port\":700,\"seq\":5,\"new_conn\":false,\"c0\":70000,\"s1\":70100"),
	      "late completion joined in the second pass");
	CHECK(buf && strstr(buf, "\"port\":300,\"seq\":1,\"new_conn\":false,\"c0\":20150,\"s1\":20310"),
	      "open-loop second request joined to its own record:\n%s", buf ? buf : "");
	CHECK(buf && strstr(buf, "\"c0\":50000,\"ce\":50100,\"acc\":50250,\"s1\":50200"),
	      "reused port joined by time");
	free(buf);
	json_decref(b);
	hist_free(&lat);
}

int main(void)
{
	test_components();
	test_join();
	return check_status();
}
