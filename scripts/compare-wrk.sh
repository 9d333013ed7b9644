#!/usr/bin/env bash
# bench-ebpf's req/s against wrk's on the same server, same pinning, measured
# side by side: interleaved pairs (wrk, ours, wrk, ours, ...) and medians, so
# the machine's drift favours neither. Default: aiohttp, -c 50, 3 s, 5 pairs.
#   scripts/compare-wrk.sh [--server aiohttp|fastapi|nginx] [--pairs N] [--duration S] [--connections C]
# Prints each pair, the medians, the ratio ours/wrk and PASS when within 10 %.
set -euo pipefail
cd "$(dirname "$0")/.."
server=aiohttp pairs=5 dur=3 conns=50
while [ $# -gt 0 ]; do
  case "$1" in
    --server) server=$2; shift 2 ;;
    --pairs) pairs=$2; shift 2 ;;
    --duration) dur=${2%s}; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    *) echo "compare-wrk: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "compare-wrk: wrk missing: ./bootstrap.sh install" >&2; exit 1; }
[ -x build/bench-ebpf ] || { echo "compare-wrk: build first: ./bootstrap.sh build" >&2; exit 1; }

tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
case "$server" in
  nginx)
    mkdir -p "$tmp/t"
    cat > "$tmp/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $tmp/nginx.pid; error_log $tmp/error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 10000000; client_body_temp_path $tmp/t;
  server { listen 127.0.0.1:$port;
    location = / { default_type application/json; return 200 '{"message":"Hello, World!"}'; } } }
CONF
    taskset -c 0 /usr/sbin/nginx -c "$tmp/nginx.conf" >/dev/null 2>&1 & pid=$! ;;
  aiohttp|fastapi)
    taskset -c 0 /usr/bin/python3 "servers/${server}_app.py" --port "$port" >"$tmp/server.log" 2>&1 & pid=$! ;;
  *) echo "compare-wrk: server must be aiohttp, fastapi or nginx" >&2; exit 2 ;;
esac
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
url="http://127.0.0.1:$port/"
taskset -c 1 wrk -t1 -c"$conns" -d1s "$url" >/dev/null   # warm the server up once

wrk_rps() { taskset -c 1 wrk -t1 -c"$conns" -d"${dur}s" "$url" | awk '/^Requests\/sec/ {print $2}'; }
our_rps() {
  build/bench-ebpf --url "$url" --no-ebpf -q -c "$conns" -t 1 -d "${dur}s" --client-cpu 1 --server-cpu 0 -o "$tmp/r.json"
  /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client"]["rps"])' "$tmp/r.json"
}
w=() o=()
printf '%-5s %12s %12s %8s\n' pair wrk_rps ours_rps ratio
for i in $(seq "$pairs"); do
  a=$(wrk_rps); b=$(our_rps)
  w+=("$a"); o+=("$b")
  printf '%-5s %12.1f %12.1f %8.3f\n' "$i" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN{print b/a}')"
done
/usr/bin/python3 - "${w[*]}" "${o[*]}" "$server" "$conns" "$dur" <<'PY'
import statistics, sys
w = [float(x) for x in sys.argv[1].split()]
o = [float(x) for x in sys.argv[2].split()]
mw, mo = statistics.median(w), statistics.median(o)
r = mo / mw
print("median  wrk %.1f (%.1f-%.1f)  ours %.1f (%.1f-%.1f)  ratio %.3f  %s" % (
    mw, min(w), max(w), mo, min(o), max(o), r, "PASS (within 10 %)" if abs(r - 1) <= 0.10 else "FAIL"))
print("server %s, -c %s, %s s per run, server on CPU 0, clients on CPU 1" % tuple(sys.argv[3:6]))
sys.exit(0 if abs(r - 1) <= 0.10 else 1)
PY
