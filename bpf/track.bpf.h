/* Track group: whose events. The loader seeds `tracked` with the server's
 * tgid (and, for a server that is already running, its existing
 * descendants); fork adds children of tracked processes, and the exit of a
 * whole thread group removes it so a recycled pid is never mistaken for the
 * server. Hooks: sched_process_fork, sched_process_exit (probes.bpf.c). */
#pragma once

/* sched_process_exit gained its group_dead argument in 6.x; without it, the
 * exit of the group leader stands for the exit of the group. */
const volatile bool exit_has_group_dead = true;

__u64 tracked_added = 0;	/* children added by fork, ever */

/* Plain stores, no compare-and-swap (32-bit atomics need -mcpu=v3 and a
 * 5.12+ kernel): losing a race here takes two forks at the same instant of
 * processes whose tgids are equal modulo TGID_TBL_SIZE. */
static __always_inline void tbl_add(__u32 tgid)
{
	__u32 idx = tgid & (TGID_TBL_SIZE - 1), *v;

	v = bpf_map_lookup_elem(&tgid_tbl, &idx);
	if (v)
		*v = (*v == 0 || *v == tgid) ? tgid : TGID_TBL_COLLIDE;	/* then the hash decides */
}

static __always_inline void tbl_del(__u32 tgid)
{
	__u32 idx = tgid & (TGID_TBL_SIZE - 1), *v;

	v = bpf_map_lookup_elem(&tgid_tbl, &idx);
	if (v && *v == tgid)	/* a collided entry stays so: the hash still answers right */
		*v = 0;
}

static __always_inline void track_fork(__u32 ptgid, __u32 ctgid)
{
	__u32 one = 1;
	long err;

	if (ptgid == ctgid || !is_tracked(ptgid))
		return;		/* a new thread, or not ours */
	err = bpf_map_update_elem(&tracked, &ctgid, &one, BPF_NOEXIST);
	if (!err) {
		tbl_add(ctgid);
		__sync_fetch_and_add(&tracked_added, 1);
	} else if (err != -17 /* EEXIST */) {
		count_drop(DROP_TRACKED_FULL);
	}
}

static __always_inline void track_exit(__u32 tgid, bool group_dead)
{
	if (!group_dead || !bpf_map_lookup_elem(&tracked, &tgid))
		return;
	bpf_map_delete_elem(&tracked, &tgid);
	tbl_del(tgid);
}
