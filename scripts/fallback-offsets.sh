#!/usr/bin/env bash
# Where each anatomy mark's fallback sits relative to its tracepoint, in ns,
# measured: the same server (nginx, one connection, kept alive) is run with
# every mark on its tracepoint and then with one mark forced onto each link
# of its fallback chain (--disable-probe NAME:MECHANISM), the runs of a
# round interleaved, ROUNDS rounds (every other one in reverse order). Each
# run's --trace gives every request's marks; fallback-offsets.py compares,
# per request, the intervals on both sides of the moved mark with the same
# round's tracepoint runs and prints the table (median shift in ns, its
# spread over the rounds, and the tracepoint-vs-tracepoint noise floor).
#
#   scripts/fallback-offsets.sh [-r ROUNDS] [-n REQUESTS] [--build DIR] [--out DIR] [--here]
#
# It needs a kernel with both the socket tracepoints (sk_data_ready 6.5+,
# sock_recv_length and sock_send_length 6.3+) and fentry/kprobes. Without
# --here it boots Debian 13's 6.12 under qemu (tests/kernel/run-in-guest.sh,
# BENCH_KERNEL_SUITE=trixie; TCG: the ns are those of the emulated machine)
# and runs itself there (loads both CPUs for minutes: on a shared machine
# run it under flock /tmp/bench-ebpf-bench.lock); --here runs on this kernel.
# Exit status: 0 table printed, 1 a run failed, 2 bad options or setup, 3 not root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
ROUNDS=5
REQS=2000
BUILD=$src/build
OUT=
HERE=0
die() { echo "fallback-offsets: $1" >&2; exit "${2:-2}"; }

while [ $# -gt 0 ]; do
  case "$1" in
    -r) ROUNDS=${2:?}; shift 2 ;;
    -n) REQS=${2:?}; shift 2 ;;
    --build) BUILD=$(cd "${2:?}" && pwd); shift 2 ;;
    --out) OUT=${2:?}; shift 2 ;;
    --here) HERE=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "-r needs a positive number"
[[ "$REQS" =~ ^[1-9][0-9]*$ ]] || die "-n needs a positive number"
bench=$BUILD/bench-ebpf
[ -x "$bench" ] || die "$bench is not built (meson compile -C $BUILD)"
[ "$(id -u)" -eq 0 ] || die "needs root (eBPF probes, and qemu's share of /)" 3

if [ -z "$OUT" ]; then
  OUT=$BUILD/fallback-offsets
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

if [ "$HERE" -eq 0 ]; then
  # The guest writes into OUT (the host's, visible read-write through /out
  # only): it works in /out and the results are copied back by the share.
  rm -f "$OUT"/*.jsonl "$OUT"/*.json "$OUT"/*.name "$OUT"/kernel
  t0=$(date +%s)
  BENCH_KERNEL_SUITE=${BENCH_KERNEL_SUITE:-trixie} BENCH_GUEST_TIMEOUT=${BENCH_GUEST_TIMEOUT:-3000} \
    "$src/tests/kernel/run-in-guest.sh" --out "$OUT" \
    "$0" --here -r "$ROUNDS" -n "$REQS" --build "$BUILD" --out /out ||
    die "the guest's runs failed (the console output above says why)" 1
  echo "fallback-offsets: the guest took $(( $(date +%s) - t0 )) s" >&2
  exec python3 "$here/fallback-offsets.py" "$OUT"
fi

# name|--disable-probe list (empty: every mark on its first link here)
configs=(
  "tracepoint|"
  "S1,C4 fentry sock_def_readable|anatomy/sk_data_ready:tp_btf,anatomy/sk_data_ready:raw_tp"
  "S1,C4 kprobe sock_def_readable|anatomy/sk_data_ready:tp_btf,anatomy/sk_data_ready:raw_tp,anatomy/sk_data_ready:fentry"
  "S2 fexit sock_recvmsg|anatomy/sock_recv_length:tp_btf,anatomy/sock_recv_length:raw_tp"
  "S2 kretprobe tcp_recvmsg|anatomy/sock_recv_length:tp_btf,anatomy/sock_recv_length:raw_tp,anatomy/sock_recv_length:fexit"
  "send end fexit tcp_sendmsg|anatomy/sock_send_length:tp_btf,anatomy/sock_send_length:raw_tp"
  "send end kretprobe tcp_sendmsg|anatomy/sock_send_length:tp_btf,anatomy/sock_send_length:raw_tp,anatomy/sock_send_length:fexit"
  "S3 kprobe tcp_sendmsg_locked|anatomy/tcp_sendmsg_locked:tp_btf,anatomy/tcp_sendmsg_locked:raw_tp,anatomy/tcp_sendmsg_locked:fentry"
  "raw_tp twins|anatomy/sk_data_ready:tp_btf,anatomy/sock_recv_length:tp_btf,anatomy/sock_send_length:tp_btf"
)
uname -r > "$OUT/kernel"
for ((r = 0; r < ROUNDS; r++)); do
  order=$(seq 0 $((${#configs[@]} - 1)))
  [ $((r % 2)) -eq 1 ] && order=$(echo "$order" | tac)
  for i in $order; do
    name=${configs[$i]%%|*} off=${configs[$i]#*|}
    base=$OUT/r$r-c$i
    args=(--server nginx -c 1 -n "$REQS" --probes anatomy -q --ready-timeout 300s
          --trace "$base.jsonl" -o "$base.json")
    [ -n "$off" ] && args+=(--disable-probe "$off")
    echo "fallback-offsets: round $((r + 1))/$ROUNDS: $name" >&2
    rc=0
    "$bench" "${args[@]}" || rc=$?
    [ "$rc" -eq 0 ] || die "bench-ebpf ${args[*]} exited $rc" 1
    # the configuration's name beside its results, for the analysis
    printf '%s\n' "$name" > "$base.name"
  done
done
