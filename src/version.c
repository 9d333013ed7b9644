/* --version: this build, the libraries it runs with (their run-time
 * versions, which may differ from the build's), and what the kernel offers
 * the probes, found by trying each feature. */
#include "src/version.h"

#include <bpf/libbpf.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "loader/kernel_features.h"

#ifndef BENCH_EBPF_VERSION
#define BENCH_EBPF_VERSION "unknown"
#endif

void version_print(FILE *out)
{
	curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
	struct utsname u;

	fprintf(out, "bench-ebpf %s\n", BENCH_EBPF_VERSION);
	const char *bpf = libbpf_version_string();
	fprintf(out, "libbpf %s, libcurl %s, jansson %s\n", bpf + (*bpf == 'v'),
		curl ? curl->version : "?", jansson_version_str());
	fprintf(out, "kernel %s:", uname(&u) == 0 ? u.release : "?");
	for (int f = 0; f < KFEAT__COUNT; f++) {
		int e = kernel_feature_probe(f);
		fprintf(out, "%s %s ", f ? "," : "", kernel_feature_names[f]);
		if (!e)
			fputs("yes", out);
		else if (e == -EPERM && geteuid() != 0)
			fputs("unknown (needs root)", out);
		else if (e == -ENOENT)
			fputs("no (not in this kernel)", out);
		else
			fprintf(out, "no (%s)", strerror(-e));
	}
	fputc('\n', out);
}
