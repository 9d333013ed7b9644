#!/usr/bin/env bash
# The probes' cost, measured by bench-ebpf itself: for each server, N
# interleaved pairs of the same load with probes off and on against one
# server process (--overhead), then the median on/off throughput ratio
# against the goal. Needs root and a build (./bootstrap.sh build).
#   scripts/bench-overhead.sh [--pairs N] [--duration T] [--connections C]
#                             [--probes GROUPS] [server...]
# Default: 5 pairs of 5 s, 100 connections, every probe group, aiohttp and nginx.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=5 duration=5s conns=100 probes=()
while [ $# -gt 0 ]; do
  case "$1" in
    --pairs) pairs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    --probes) probes=(--probes "$2"); shift 2 ;;
    -*) echo "bench-overhead: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(aiohttp nginx)
[ -x build/bench-ebpf ] || { echo "bench-overhead: build first: ./bootstrap.sh build" >&2; exit 1; }

goal_for() { case "$1" in nginx) echo 0.90 ;; *) echo 0.97 ;; esac; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
printf '%-10s %6s %10s %10s %10s %12s %12s %6s %s\n' server pairs ratio min max p50_ratio p99_ratio goal verdict
for s in "${servers[@]}"; do
  out="$tmp/$s.json"
  build/bench-ebpf --server "$s" --overhead="$pairs" -d "$duration" -c "$conns" "${probes[@]}" -q -o "$out" ||
    { echo "bench-overhead: $s failed" >&2; status=1; continue; }
  goal=$(goal_for "$s")
  /usr/bin/python3 - "$out" "$s" "$goal" <<'PY' || status=1
import json, sys
path, name, goal = sys.argv[1], sys.argv[2], float(sys.argv[3])
rep = json.load(open(path))
o = rep["overhead"]
r, sp = o["throughput_ratio"], o["throughput_ratio_spread"]
ok = r >= goal
print("%-10s %6d %10.3f %10.3f %10.3f %12.3f %12.3f %6.2f %s" % (
    name, o["pairs"], r, sp["min"], sp["max"], o["latency_p50_ratio"]["median"],
    o["latency_p99_ratio"]["median"], goal, "PASS" if ok else "FAIL"))
# What each hook cost in the last probes-on load (kernel.probes.cost).
cost = rep.get("kernel", {}).get("probes", {}).get("cost", {})
n = rep.get("client", {}).get("requests_completed") or 0
if cost.get("available") and n:
    for p in sorted(cost["programs"], key=lambda p: -p["run_time_ns"]):
        if p["events"]:
            print("  %-22s %-6s %10d events %8.1f ns/event %8.1f ns/request" % (
                p["hook"], p["mode"], p["events"], p["ns_per_event"], p["run_time_ns"] / n))
    share = cost.get("server_cpu_share")
    print("  %-22s %.3f CPU-s, %.0f ns per request%s" % (
        "all probes", cost["cpu_seconds"], cost["run_time_ns"] / n,
        ", %.1f %% of the server's CPU" % (100 * share) if share is not None else ""))
sys.exit(0 if ok else 1)
PY
done
exit $status
