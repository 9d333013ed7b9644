#!/usr/bin/env bash
# Load generator vs wrk against one nginx worker, side by side.
#
#   scripts/bench-loadgen.sh [-p PAIRS] [-d SECONDS] [-c CONNS] [--engine NAME]
#                            [--tool loadgen-run|bench-ebpf] [--build DIR]
#                            [--no-open] [--open-rate R] [--no-ab] [--extra 'ARGS']
#
# nginx (one worker, CPU 0, its own config in a temp dir) serves the JSON
# hello-world on 127.0.0.1. Then PAIRS interleaved pairs run, A then B:
#   A: taskset -c 1 wrk -t1 -cCONNS -dSECONDSs URL
#   B: our load generator, 1 thread, CONNS connections, pinned to CPU 1
# Each side's req/s is what it reports; its CPU seconds are the whole
# process's user+sys (bash's `time`, i.e. the child's rusage), so requests
# per CPU-second is measured the same way for both. Medians over the pairs
# are compared with the targets: req/s >= 1.0x wrk, req/CPU-s >= 1.3x wrk.
# Then an open-loop check: --open-rate (default 20000) req/s for SECONDS,
# achieved rate within 1 %. ab -k runs too when it is installed.
# Exit status: 0 when every check passed, 1 when one failed, 2 on setup errors.
# CI can run a short version: scripts/bench-loadgen.sh -p 1 -d 1
set -euo pipefail

PAIRS=5
SECS=5
CONNS=100
ENGINE=
TOOL=loadgen-run
BUILD=build
OPEN=1
OPEN_RATE=20000
AB=1
EXTRA=

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    -p|--pairs) PAIRS=$2; shift 2 ;;
    -d|--duration) SECS=$2; shift 2 ;;
    -c|--connections) CONNS=$2; shift 2 ;;
    --engine) ENGINE=$2; shift 2 ;;
    --tool) TOOL=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    --no-open) OPEN=0; shift ;;
    --open-rate) OPEN_RATE=$2; shift 2 ;;
    --no-ab) AB=0; shift ;;
    --extra) EXTRA=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "bench-loadgen: unknown option $1" >&2; usage ;;
  esac
done
[[ $PAIRS =~ ^[1-9][0-9]*$ ]] || { echo "bench-loadgen: -p wants a positive integer" >&2; exit 2; }
[[ $SECS =~ ^[1-9][0-9]*$ ]] || { echo "bench-loadgen: -d wants whole seconds" >&2; exit 2; }

cd "$(dirname "$0")/.."
NGINX=/usr/sbin/nginx
LGRUN=$BUILD/tools/loadgen-run
BENCH=$BUILD/bench-ebpf
command -v wrk >/dev/null || { echo "bench-loadgen: wrk is not installed" >&2; exit 2; }
[ -x "$NGINX" ] || { echo "bench-loadgen: $NGINX is missing" >&2; exit 2; }
case "$TOOL" in
  loadgen-run) [ -x "$LGRUN" ] || { echo "bench-loadgen: build $LGRUN first (meson compile -C $BUILD)" >&2; exit 2; } ;;
  bench-ebpf) [ -x "$BENCH" ] || { echo "bench-loadgen: build $BENCH first" >&2; exit 2; } ;;
  *) echo "bench-loadgen: --tool is loadgen-run or bench-ebpf" >&2; exit 2 ;;
esac
[ "$(nproc)" -ge 2 ] || echo "bench-loadgen: warning: fewer than 2 CPUs; server and client share one" >&2

TMP=$(mktemp -d /tmp/bench-loadgen.XXXXXX)
NGINX_PID=
cleanup() {
  if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port outside the ephemeral range (a client socket may hold any port in
# it) that nothing uses now; if nginx still cannot bind it, try another.
read -r EPH_LO EPH_HI < /proc/sys/net/ipv4/ip_local_port_range
pick_port() {
  local p
  for _ in $(seq 100); do
    if [ "$EPH_LO" -gt 11000 ]; then p=$((10000 + RANDOM % (EPH_LO - 10000)))
    else p=$((EPH_HI + 1 + RANDOM % (65535 - EPH_HI))); fi
    ss -Htan "sport = :$p" | grep -q . || { echo "$p"; return 0; }
  done
  return 1
}

mkdir -p "$TMP/logs" "$TMP/tmp"
start_nginx() {
  cat >"$TMP/nginx.conf" <<EOF
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/logs/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  client_body_temp_path $TMP/tmp/body;
  proxy_temp_path $TMP/tmp/proxy;
  fastcgi_temp_path $TMP/tmp/fastcgi;
  uwsgi_temp_path $TMP/tmp/uwsgi;
  scgi_temp_path $TMP/tmp/scgi;
  server {
    listen 127.0.0.1:$PORT;
    location = / { default_type application/json; return 200 '{"message":"Hello, World!"}'; }
  }
}
EOF
  taskset -c 0 "$NGINX" -p "$TMP" -c "$TMP/nginx.conf" 2>"$TMP/logs/stderr" &
  NGINX_PID=$!
  for _ in $(seq 100); do
    curl -fs -o /dev/null "$URL" 2>/dev/null && return 0
    if ! kill -0 "$NGINX_PID" 2>/dev/null; then wait "$NGINX_PID" 2>/dev/null || true; NGINX_PID=; return 1; fi
    sleep 0.05
  done
  return 1
}
for attempt in 1 2 3 4 5; do
  PORT=$(pick_port) || { echo "bench-loadgen: no free port" >&2; exit 2; }
  URL=http://127.0.0.1:$PORT/
  start_nginx && break
  if [ "$attempt" = 5 ] || ! cat "$TMP/logs/stderr" "$TMP/logs/error.log" 2>/dev/null | grep -q "Address already in use"; then
    echo "bench-loadgen: nginx failed:" >&2; cat "$TMP/logs/stderr" "$TMP/logs/error.log" >&2 2>/dev/null; exit 2
  fi
  : >"$TMP/logs/stderr"; : >"$TMP/logs/error.log"
done
curl -fs -o /dev/null "$URL" || { echo "bench-loadgen: nginx does not answer on $URL" >&2; exit 2; }
echo "nginx $("$NGINX" -v 2>&1 | sed 's/.*\///') on CPU 0, $URL; clients on CPU 1; $CONNS connections, ${SECS}s, $PAIRS pairs" >&2

# run_timed OUT CMD...: runs CMD with its output in OUT, and prints the
# process's "user sys" CPU seconds.
run_timed() {
  local out=$1; shift
  local TIMEFORMAT='%U %S'
  { time "$@" >"$out" 2>&1; } 2>"$out.time" || { echo "bench-loadgen: failed: $*" >&2; cat "$out" >&2; exit 2; }
  awk '{ print $1 + $2 }' "$out.time"
}

# wrk: prints "REQUESTS REQ_PER_S CPU_S"
run_wrk() {
  local cpu
  cpu=$(run_timed "$TMP/wrk.out" taskset -c 1 wrk -t1 -c"$CONNS" -d"${SECS}s" "$URL")
  awk -v cpu="$cpu" '/requests in/ { n = $1 } /^Requests\/sec:/ { r = $2 }
    END { if (!n || !r) exit 1; printf "%d %.0f %.3f\n", n, r, cpu }' "$TMP/wrk.out" ||
    { echo "bench-loadgen: cannot read wrk's output:" >&2; cat "$TMP/wrk.out" >&2; exit 2; }
}

# ours: prints "REQUESTS REQ_PER_S CPU_S"
run_ours() {
  local cpu eng=()
  [ -n "$ENGINE" ] && eng=(--engine "$ENGINE")
  if [ "$TOOL" = loadgen-run ]; then
    # shellcheck disable=SC2086
    cpu=$(run_timed "$TMP/ours.out" "$LGRUN" "$URL" -t 1 -c "$CONNS" --cpu 1 -d "$SECS" "${eng[@]}" $EXTRA)
    awk -v cpu="$cpu" '/ requests \(/ { n = $1; for (i = 1; i <= NF; i++) if ($i == "req/s,") r = $(i - 1) }
      END { if (!n || !r) exit 1; printf "%d %.0f %.3f\n", n, r, cpu }' "$TMP/ours.out" ||
      { echo "bench-loadgen: cannot read loadgen-run's output:" >&2; cat "$TMP/ours.out" >&2; exit 2; }
  else
    # shellcheck disable=SC2086
    cpu=$(run_timed "$TMP/ours.out" taskset -c 1 "$BENCH" --url "$URL" --no-ebpf -c "$CONNS" -t 1 \
      -d "${SECS}s" --client-cpu 1 -o "$TMP/ours.json" "${eng[@]}" $EXTRA)
    python3 - "$TMP/ours.json" "$cpu" <<'EOF' || { echo "bench-loadgen: cannot read the JSON report" >&2; exit 2; }
import json, sys
c = json.load(open(sys.argv[1]))["client"]
print("%d %.0f %s" % (c["requests_completed"], c["rps"], sys.argv[2]))
EOF
  fi
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

FAIL=0
: >"$TMP/ratios"
printf '%-5s %12s %12s %12s %12s %8s %8s\n' pair wrk_req/s ours_req/s wrk_req/cpu ours_req/cpu rps_x cpu_x
for i in $(seq "$PAIRS"); do
  read -r wn wr wc < <(run_wrk)
  read -r on or oc < <(run_ours)
  awk -v i="$i" -v wn="$wn" -v wr="$wr" -v wc="$wc" -v on="$on" -v or="$or" -v oc="$oc" 'BEGIN {
    we = wn / wc; oe = on / oc
    printf "%-5s %12.0f %12.0f %12.0f %12.0f %8.3f %8.3f\n", i, wr, or, we, oe, or / wr, oe / we
  }' | tee -a "$TMP/ratios"
done
med() { awk -v c="$1" '{ print $c }' "$TMP/ratios" | median; }
RPS_X=$(med 6); CPU_X=$(med 7)
printf 'median %11.0f %12.0f %12.0f %12.0f %8.3f %8.3f\n' "$(med 2)" "$(med 3)" "$(med 4)" "$(med 5)" "$RPS_X" "$CPU_X"
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t) ? "PASS" : "FAIL" }'; }
V1=$(verdict "$RPS_X" 1.0); V2=$(verdict "$CPU_X" 1.3)
echo "req/s ours/wrk:        $RPS_X (target >= 1.0) $V1"
echo "req per CPU-s ours/wrk: $CPU_X (target >= 1.3) $V2"
[ "$V1" = PASS ] && [ "$V2" = PASS ] || FAIL=1

if [ "$AB" = 1 ]; then
  if command -v ab >/dev/null; then
    cpu=$(run_timed "$TMP/ab.out" taskset -c 1 ab -q -k -c "$CONNS" -t "$SECS" -n 100000000 "$URL")
    awk -v cpu="$cpu" '/^Complete requests:/ { n = $3 } /^Requests per second:/ { r = $4 }
      END { printf "ab -k: %.0f req/s, %.0f req per CPU-s (for reference)\n", r, n / cpu }' "$TMP/ab.out"
  else
    echo "ab -k: skipped (apache2-utils is not installed)"
  fi
fi

if [ "$OPEN" = 1 ]; then
  if [ "$TOOL" = loadgen-run ]; then
    eng=(); [ -n "$ENGINE" ] && eng=(--engine "$ENGINE")
    run_timed "$TMP/open.out" "$LGRUN" "$URL" -t 1 -c "$CONNS" --cpu 1 -d "$SECS" --rate "$OPEN_RATE" "${eng[@]}" >/dev/null
    got=$(awk '/^open loop:/ { for (i = 1; i <= NF; i++) if ($i == "achieved") print $(i + 1) }' "$TMP/open.out")
  else
    run_timed "$TMP/open.out" taskset -c 1 "$BENCH" --url "$URL" --no-ebpf -c "$CONNS" -t 1 -d "${SECS}s" \
      --client-cpu 1 --rate "$OPEN_RATE" -o "$TMP/open.json" >/dev/null
    got=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["client"].get("achieved_rate") or r["client"]["rps"])' "$TMP/open.json")
  fi
  [ -n "$got" ] || { echo "bench-loadgen: no achieved rate in the open-loop output:" >&2; cat "$TMP/open.out" >&2; exit 2; }
  grep -E '^(latency|uncorrected|open loop)' "$TMP/open.out" | sed 's/^/  /' || true
  V3=$(awk -v g="$got" -v r="$OPEN_RATE" 'BEGIN { d = (g - r) / r; if (d < 0) d = -d; print (d <= 0.01) ? "PASS" : "FAIL" }')
  awk -v g="$got" -v r="$OPEN_RATE" 'BEGIN { printf "open loop %s req/s for '"$SECS"' s: achieved %.1f req/s (%+.3f %%, target within 1 %%) ", r, g, (g - r) / r * 100 }'
  echo "$V3"
  [ "$V3" = PASS ] || FAIL=1
fi
exit $FAIL
