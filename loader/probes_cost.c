/* Each probe's cost: BPF run-time statistics switched on at attach
 * (bpf_enable_stats: the kernel switches them off again when the fd is
 * closed, also when this process dies; where that call is missing, the
 * sysctl kernel.bpf_stats_enabled, restored to what it was at close), read
 * per program when the window opens and when it closes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader/probes_internal.h"
#include "loader/probes_cost.h"
#include "bpf/probes.skel.h"

#define STATS_SYSCTL "/proc/sys/kernel/bpf_stats_enabled"

static int read_sysctl(void)
{
	char c = 0;
	int fd = open(STATS_SYSCTL, O_RDONLY | O_CLOEXEC), n;

	if (fd < 0)
		return -errno;
	n = (int)read(fd, &c, 1);
	close(fd);
	return n == 1 ? c - '0' : -EIO;
}

static int write_sysctl(int v)
{
	char c = (char)('0' + v);
	int fd = open(STATS_SYSCTL, O_WRONLY | O_CLOEXEC), n;

	if (fd < 0)
		return -errno;
	n = (int)write(fd, &c, 1);
	close(fd);
	return n == 1 ? 0 : -EIO;
}

void probes_cost_enable(struct probes *p)
{
	int prev;

	p->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (p->stats_fd >= 0) {
		p->stats_how = "bpf_enable_stats";
		return;
	}
	snprintf(p->stats_err, sizeof(p->stats_err), "bpf_enable_stats: %s", strerror(errno));
	prev = read_sysctl();
	if (prev < 0 || (prev == 0 && write_sysctl(1))) {
		snprintf(p->stats_err + strlen(p->stats_err), sizeof(p->stats_err) - strlen(p->stats_err),
			 "; %s not writable", STATS_SYSCTL);
		return;
	}
	p->stats_sysctl_prev = prev;
	p->stats_how = "sysctl kernel.bpf_stats_enabled";
}

void probes_cost_restore(struct probes *p)
{
	if (p->stats_fd >= 0)
		close(p->stats_fd);
	p->stats_fd = -1;
	if (p->stats_sysctl_prev == 0)
		write_sysctl(0);
	p->stats_sysctl_prev = -1;
}

/* The attached program of hook h, NULL if none. */
static struct bpf_program *hook_prog(const struct probes *p, int h)
{
	char name[64];

	if (!p->skel || !p->hs[h].mode)	/* attached once (maybe detached since) */
		return NULL;
	if (p->hs[h].fallback)
		snprintf(name, sizeof(name), "%s", p->hs[h].fallback->prog);
	else
		snprintf(name, sizeof(name), "%s%s", probes_hook_names[h],
			 strcmp(p->hs[h].mode, "raw_tp") ? "" : "_raw");
	return bpf_object__find_program_by_name(p->skel->obj, name);
}

/* run_cnt and run_time_ns of every attached hook now, into v[hook][0..1]. */
void probes_cost_read(const struct probes *p, uint64_t v[][2])
{
	for (int h = 0; h < H_NR; h++) {
		struct bpf_program *prog = hook_prog(p, h);
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		v[h][0] = v[h][1] = 0;
		memset(&info, 0, sizeof(info));
		if (prog && !bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len)) {
			v[h][0] = info.run_cnt;
			v[h][1] = info.run_time_ns;
		}
	}
}

void probes_cost(const struct probes *p, struct probes_cost *out)
{
	memset(out, 0, sizeof(*out));
	out->available = p && p->stats_how;
	if (!p) {
		snprintf(out->reason, sizeof(out->reason), "no probes");
		return;
	}
	if (!out->available) {
		snprintf(out->reason, sizeof(out->reason), "%s", p->stats_err);
		return;
	}
	out->how = p->stats_how;
	for (int h = 0; h < H_NR && out->nhooks < sizeof(out->hooks) / sizeof(out->hooks[0]); h++) {
		struct probe_cost *c = &out->hooks[out->nhooks];

		if (!p->cost_seen[h] || p->cost_end[h][0] < p->cost_start[h][0])
			continue;	/* (the window never closed) */
		c->hook = probes_hook_names[h];
		c->mode = p->cost_mode[h];
		c->events = p->cost_end[h][0] - p->cost_start[h][0];
		c->run_time_ns = p->cost_end[h][1] - p->cost_start[h][1];
		out->events += c->events;
		out->run_time_ns += c->run_time_ns;
		out->nhooks++;
	}
	out->have_server_cpu = p->have_res && p->group_loaded[GROUP_SCHED] &&
			       p->ps[U_SCHED_SWITCH].status == PROBE_ATTACHED;
	out->server_cpu_ns = out->have_server_cpu ? p->res.oncpu_ns : 0;
}
