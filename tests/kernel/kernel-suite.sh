#!/usr/bin/env bash
# The kernel suite: runs the tests named in guest-tests inside Debian 12's own
# 6.1 kernel (run-in-guest.sh) and judges the guest's results against
# expected-failures (check-results.py).
#   tests/kernel/kernel-suite.sh BUILD_DIR
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "kernel-suite: not root: skipped (the guest shares this machine's whole root)" >&2; exit 77; }
build=$(cd "${1:?usage: kernel-suite.sh BUILD_DIR}" && pwd)
out=$(mktemp -d /tmp/bench-ebpf-kernel-suite.XXXXXX)
trap 'rm -rf "$out"' EXIT

mapfile -t tests < <(grep -v -e '^#' -e '^$' "$here/guest-tests")
# Fetched first, on its own: a download that is impossible fails the suite
# with kernel-image.sh's reason, never as a skip.
"$here/kernel-image.sh" amd64 >/dev/null ||
  { echo "kernel-suite: failed: no Debian 12 kernel to boot (reason above)" >&2; exit 1; }
# Under TCG every instruction is emulated: the tests' own timeouts stretch.
# The guest's own cap stays under meson's timeout for this test, so that
# an overrun says so.
BENCH_GUEST_TIMEOUT=${BENCH_GUEST_TIMEOUT:-2400} "$here/run-in-guest.sh" --out "$out" sh -c '
  build=$1; shift
  uname -r > /out/kernel
  meson test -C "$build" --no-rebuild --num-processes 1 --print-errorlogs \
    --timeout-multiplier 6 --logbase guest "$@"
  rc=$?
  cp "$build/meson-logs/guest.json" "$build/meson-logs/guest.txt" /out/ 2>/dev/null
  exit $rc' guest "$build" "${tests[@]}" || true

[ -s "$out/guest.json" ] || { echo "kernel-suite: the guest wrote no test log" >&2; exit 1; }
# The guest's own log (each test's output) stays beside meson's.
cp "$out/guest.txt" "$build/meson-logs/kernel-guest.txt" 2>/dev/null &&
  echo "kernel-suite: the guest's log: $build/meson-logs/kernel-guest.txt"
echo "kernel-suite: the guest ran kernel $(cat "$out/kernel" 2>/dev/null || echo '(unknown)')"
# Not exec: the EXIT trap must still remove the results directory.
rc=0
python3 "$here/check-results.py" "$out/guest.json" "$here/guest-tests" "$here/expected-failures" || rc=$?
exit $rc
