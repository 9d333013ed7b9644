#!/bin/bash
# Soak: nginx with every probe group on for a given time, bench-ebpf's RSS
# sampled every 10 s; prints the samples, the growth per minute (after the
# first 30 s, when the windows and histograms are allocated), records lost
# and coverage; samples after the load (the report being built) apart.
# Exit 1 when the last sample is more than 10 % above the one at 30 s.
# A benchmark, not a test: run it on a quiet machine, as root, under the
# bench lock:
#   flock /tmp/bench-ebpf-bench.lock scripts/soak.sh [--duration 5m] [--bin build/bench-ebpf]
set -euo pipefail

duration=5m
bin=build/bench-ebpf
while [ $# -gt 0 ]; do
	case "$1" in
	--duration) duration=$2; shift 2 ;;
	--bin) bin=$2; shift 2 ;;
	*) echo "usage: $0 [--duration 5m] [--bin build/bench-ebpf]" >&2; exit 2 ;;
	esac
done
[ -x "$bin" ] || { echo "soak: $bin not built" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "soak: needs root (the probes)" >&2; exit 3; }

tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$bin" --server nginx -d "$duration" -q -o "$tmp/report.json" 2>"$tmp/stderr" &
pid=$!
start=$(date +%s)
echo "seconds rss_kib"
while kill -0 "$pid" 2>/dev/null; do
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
	[ -n "$rss" ] && echo "$(( $(date +%s) - start )) $rss" | tee -a "$tmp/rss"
	sleep 10
done
rc=0
wait "$pid" || rc=$?
pid=
if [ "$rc" != 0 ]; then
	echo "soak: bench-ebpf failed (exit $rc): $(tail -n 1 "$tmp/stderr")" >&2
	exit 1
fi
python3 - "$tmp/rss" "$tmp/report.json" "$duration" <<'EOF'
import json, sys
every = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
r = json.load(open(sys.argv[2]))
b = r.get("breakdown", {})
d = sys.argv[3]
load_s = float(d[:-1]) * {"s": 1, "m": 60, "h": 3600}[d[-1]] if d[-1] in "smh" else float(d)
# while the load runs; the report is built after it (its peak apart)
samples = [s for s in every if s[0] <= load_s] or every
after = [s[1] for s in every if s[0] > load_s]
late = [s for s in samples if s[0] >= 30] or samples
t0, r0 = late[0]
t1, r1 = late[-1]
growth = (r1 - r0) / 1024 / ((t1 - t0) / 60) if t1 > t0 else 0.0
print(f"rss at {t0} s: {r0 / 1024:.1f} MiB, at {t1} s: {r1 / 1024:.1f} MiB, "
      f"peak {max(s[1] for s in samples) / 1024:.1f} MiB; growth {growth:+.2f} MiB/min "
      f"({(r1 - r0) / r0 * 100 if r0 else 0:+.1f} % after {t0} s)")
if after:
    print(f"after the load (the report being built): {max(after) / 1024:.1f} MiB")
print(f"requests {r['client']['latency_ns']['count']}, matched {b.get('matched')}, "
      f"coverage {b.get('coverage')}, kernel records lost {b.get('records_lost')}, "
      f"client records lost {b.get('client_records_lost')}")
flat = r0 > 0 and (r1 - r0) / r0 <= 0.10
print(f"goal: the last sample within 10 % of the one at {t0} s: {'PASS' if flat else 'FAIL'}")
sys.exit(0 if flat else 1)
EOF
