#!/usr/bin/env bash
# The question of fallback-offsets.sh (where does each anatomy mark's
# fallback sit relative to its tracepoint, in ns) asked of one kernel call
# at a time: fallback-pairs.bpf.c puts a mark's tracepoint and one fallback
# hook on the same call and histograms the later hook's clock minus the
# earlier one's (bpf_ktime_get_ns, the anatomy's clock), while bench-ebpf
# --no-ebpf loads nginx (one connection, kept alive). A control pair puts
# two programs on one tracepoint: what it gives is the first program's own
# cost, the floor under every other pair. fallback-pairs.py loads the
# pairs (libbpf through ctypes) and prints the table.
#
#   scripts/fallback-pairs.sh [-n REQUESTS] [--build DIR] [--out DIR]
#
# It boots Debian 13's 6.12 under qemu (tests/kernel/run-in-guest.sh,
# BENCH_KERNEL_SUITE=trixie; TCG: the ns are those of the emulated machine)
# and runs there; both CPUs for minutes: on a shared machine under
# flock /tmp/bench-ebpf-bench.lock. Exit status: 0 table printed, 1 a run
# failed, 2 bad options or setup, 3 not root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
REQS=3000
BUILD=$src/build
OUT=
die() { echo "fallback-pairs: $1" >&2; exit "${2:-2}"; }

while [ $# -gt 0 ]; do
  case "$1" in
    -n) REQS=${2:?}; shift 2 ;;
    --build) BUILD=$(cd "${2:?}" && pwd); shift 2 ;;
    --out) OUT=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[[ "$REQS" =~ ^[1-9][0-9]*$ ]] || die "-n needs a positive number"
bench=$BUILD/bench-ebpf
[ -x "$bench" ] || die "$bench is not built (meson compile -C $BUILD)"
[ "$(id -u)" -eq 0 ] || die "needs root (eBPF, and qemu's share of /)" 3
OUT=${OUT:-$BUILD/fallback-pairs}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -f "$OUT/pairs.json" "$OUT/pairs.bpf.o"

# Built here (the guest emulates every instruction), with the tree's own
# vmlinux.h (CO-RE) and libbpf's headers.
clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$src/bpf/x86" -Wall -Werror \
  -c "$here/fallback-pairs.bpf.c" -o "$OUT/pairs.bpf.o" || die "the BPF object did not build"
t0=$(date +%s)
BENCH_KERNEL_SUITE=${BENCH_KERNEL_SUITE:-trixie} BENCH_GUEST_TIMEOUT=${BENCH_GUEST_TIMEOUT:-1800} \
  "$src/tests/kernel/run-in-guest.sh" --out "$OUT" \
  python3 "$here/fallback-pairs.py" run /out/pairs.bpf.o /out "$bench" "$REQS" ||
  die "the guest's runs failed (the console output above says why)" 1
echo "fallback-pairs: the guest took $(( $(date +%s) - t0 )) s" >&2
exec python3 "$here/fallback-pairs.py" table "$OUT"
