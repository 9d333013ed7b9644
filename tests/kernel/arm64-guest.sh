#!/usr/bin/env bash
# The arm64 build, run: boots Debian 12's own arm64 6.1 kernel under
# qemu-system-aarch64 (TCG) with this machine's root over 9p (its :arm64
# libraries and loader serve the guest's programs), runs the cross-built
# bench-ebpf (tests/cross/cross-build.sh builds it) for one short run
# against the cross-built test server, and checks that the probes loaded
# and the anatomy covered the requests.
#   tests/kernel/arm64-guest.sh SOURCE_DIR CROSS_BUILD_DIR
# Exit status: 0 passed, 1 failed, 77 skipped (not root).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=${1:?usage: arm64-guest.sh SOURCE_DIR CROSS_BUILD_DIR}
build=${2:?usage: arm64-guest.sh SOURCE_DIR CROSS_BUILD_DIR}
die() { echo "arm64-guest: $1" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "arm64-guest: not root: skipped (the guest shares this machine's whole root)" >&2; exit 77; }

t0=$(date +%s)
"$src/tests/cross/cross-build.sh" "$src" "$build" >&2
meson compile -C "$build" tests/lib/http-server >"$build/cross-compile-server.log" 2>&1 ||
  { tail -n 20 "$build/cross-compile-server.log" >&2; die "the arm64 test server did not build"; }
build=$(cd "$build" && pwd)
# The guest's report and stderr stay in the cross build, for a look after.
out=$build/arm64-guest
rm -rf "$out"
mkdir -p "$out"
t1=$(date +%s)
BENCH_GUEST_ARCH=arm64 BENCH_GUEST_TIMEOUT=${BENCH_GUEST_TIMEOUT:-1500} \
  "$here/run-in-guest.sh" --out "$out" sh "$here/arm64-guest-run.sh" \
  "$build/bench-ebpf" "$build/tests/lib/http-server" ||
  { cat "$out/stderr" >&2 2>/dev/null; die "the run in the arm64 guest failed (its stderr above)"; }
t2=$(date +%s)
echo "arm64-guest: kernel $(cat "$out/kernel"), build $((t1 - t0)) s, guest $((t2 - t1)) s (the run itself $(cat "$out/run-seconds") s)" >&2
python3 - "$out/run.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
k, b = r["kernel"], r["breakdown"]
att = {p["name"]: p["mechanism"] for p in k["probes"]["attached"]}
marks = ["anatomy/sk_data_ready", "anatomy/sock_recv_length", "anatomy/tcp_sendmsg_locked",
         "anatomy/sock_send_length"]
print("arm64-guest: marks " + ", ".join("%s=%s" % (m[8:], att.get(m)) for m in marks)
      + "; coverage %s, records lost %d, requests %d"
      % (b.get("coverage"), k["records_lost"], r["client"]["requests_completed"]), file=sys.stderr)
bad = [m for m in marks if m not in att]
if bad:
    sys.exit("arm64-guest: not attached: %s (missing: %s)" % (bad, k["probes"]["missing"]))
if not b.get("available") or b["coverage"] < 0.99:
    sys.exit("arm64-guest: anatomy coverage %s (%s)" % (b.get("coverage"), b.get("unmatched_reasons")))
if k["records_lost"]:
    sys.exit("arm64-guest: %d records lost" % k["records_lost"])
if r["client"]["requests_completed"] != 300:
    sys.exit("arm64-guest: %d of 300 requests completed" % r["client"]["requests_completed"])
PYEOF
echo "arm64-guest: passed"
