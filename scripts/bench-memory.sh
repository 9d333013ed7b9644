#!/usr/bin/env bash
# Peak memory of one long run: nginx with every probe group on, N requests
# (default 10 000 000) on C connections (default 50), bench-ebpf's maximum
# RSS (/usr/bin/time -v: the whole process, the report's building included)
# next to the goals: at most 64 MiB, breakdown.coverage >= 0.99,
# kernel.records_lost 0. Exit 1 when a goal is missed or the run fails.
# A benchmark, not a test: it takes both CPUs for minutes, so as root under
# the bench lock:
#   flock /tmp/bench-ebpf-bench.lock scripts/bench-memory.sh [-n N] [-c C] [--bin build/bench-ebpf]
set -euo pipefail
cd "$(dirname "$0")/.."
requests=10000000 conns=50 bin=build/bench-ebpf
while [ $# -gt 0 ]; do
  case "$1" in
    -n) requests=$2; shift 2 ;;
    -c) conns=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    *) echo "usage: $0 [-n N] [-c C] [--bin build/bench-ebpf]" >&2; exit 2 ;;
  esac
done
[ -x "$bin" ] || { echo "bench-memory: $bin not built (./bootstrap.sh build)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-memory: /usr/bin/time missing (./bootstrap.sh install)" >&2; exit 4; }
[ "$(id -u)" = 0 ] || { echo "bench-memory: needs root (the probes)" >&2; exit 3; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
rc=0
/usr/bin/time -v -o "$tmp/time" "$bin" --server nginx -n "$requests" -c "$conns" -q \
  -o "$tmp/report.json" 2>"$tmp/stderr" || rc=$?
if [ "$rc" != 0 ]; then
  echo "bench-memory: bench-ebpf failed (exit $rc): $(tail -n 1 "$tmp/stderr")" >&2
  exit 1
fi
/usr/bin/python3 - "$tmp/time" "$tmp/report.json" <<'PY'
import json, os, sys
peak_kib = next(int(l.split(":")[1]) for l in open(sys.argv[1]) if "Maximum resident set size" in l)
elapsed = next(l.split("):")[1].strip() for l in open(sys.argv[1]) if "Elapsed (wall clock)" in l)
r = json.load(open(sys.argv[2]))
b, k = r.get("breakdown", {}), r.get("kernel", {})
cov, lost = b.get("coverage"), k.get("records_lost")
buckets = 0
def walk(o):
    global buckets
    if isinstance(o, dict):
        buckets += len(o["hist"]) if isinstance(o.get("hist"), list) else 0
        for v in o.values():
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(r)
goals = [("peak RSS MiB", peak_kib / 1024, "<=", 64, peak_kib / 1024 <= 64),
         ("breakdown.coverage", cov, ">=", 0.99, cov is not None and cov >= 0.99),
         ("kernel.records_lost", lost, "==", 0, lost == 0)]
print(f"requests {r['client']['latency_ns']['count']} in {elapsed}, report "
      f"{os.path.getsize(sys.argv[2]) / 1e6:.1f} MB with {buckets} histogram buckets")
print("%-22s %12s %4s %6s %s" % ("figure", "measured", "", "goal", "verdict"))
for name, v, op, goal, ok in goals:
    shown = "null" if v is None else f"{v:.1f}" if name.startswith("peak") else f"{v}"
    print("%-22s %12s %4s %6s %s" % (name, shown, op, goal, "PASS" if ok else "FAIL"))
sys.exit(0 if all(g[4] for g in goals) else 1)
PY
