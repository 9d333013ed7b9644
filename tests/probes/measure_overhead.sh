#!/bin/sh
# Throughput cost of the probes, measured with wrk against a pinned server:
# interleaved pairs (probes off / probes on, order alternating), wrk -t1
# -c50 on CPU 1, the server on CPU 0. Needs root, wrk, and a build.
#
#   tests/probes/measure_overhead.sh aiohttp|nginx [PAIRS] [SECONDS] [PROBE-ATTACH ARGS...]
#
# Prints each run's req/s and the ratio on/off (mean of on / mean of off).
set -eu
server=${1:?aiohttp or nginx}
pairs=${2:-5}
secs=${3:-5}
shift $(( $# < 3 ? $# : 3 ))
top=$(cd "$(dirname "$0")/../.." && pwd)
attach=$top/build/tests/probes/probe-attach
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
tmp=$(mktemp -d)
trap 'kill $spid 2>/dev/null; wait $spid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM

case $server in
aiohttp)
	taskset -c 0 /usr/bin/python3 "$top/servers/aiohttp_app.py" --port "$port" >"$tmp/log" 2>&1 &
	spid=$!;;
nginx)
	cat >"$tmp/nginx.conf" <<CONF
worker_processes 1; daemon off; master_process on; pid $tmp/nginx.pid;
error_log $tmp/error.log warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 10000000;
  client_body_temp_path $tmp/cb; proxy_temp_path $tmp/p; fastcgi_temp_path $tmp/f;
  uwsgi_temp_path $tmp/u; scgi_temp_path $tmp/s;
  server { listen 127.0.0.1:$port;
    location = / { default_type application/json; return 200 '{"message":"Hello, World!"}'; } } }
CONF
	taskset -c 0 /usr/sbin/nginx -c "$tmp/nginx.conf" >"$tmp/log" 2>&1 &
	spid=$!;;
*) echo "unknown server $server" >&2; exit 2;;
esac
for i in $(seq 50); do
	curl -s "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
	sleep 0.2
done
taskset -c 1 wrk -t1 -c50 -d2s "http://127.0.0.1:$port/" >/dev/null   # warm-up

run_wrk() {
	taskset -c 1 wrk -t1 -c50 -d"${secs}s" "http://127.0.0.1:$port/" |
		awk '/Requests\/sec/ {print $2}'
}
run_on() {
	"$attach" --pid "$spid" --port "$port" --seconds $((secs + 30)) "$@" \
		>"$tmp/kernel.json" 2>"$tmp/summary" &
	apid=$!
	sleep 1.5	# attached
	r=$(run_wrk)
	kill -INT $apid; wait $apid || true
	echo "$r"
}
off_sum=0; on_sum=0
for i in $(seq "$pairs"); do
	if [ $((i % 2)) -eq 1 ]; then
		off=$(run_wrk); on=$(run_on "$@")
	else
		on=$(run_on "$@"); off=$(run_wrk)
	fi
	echo "pair $i: off $off req/s, on $on req/s, ratio $(echo "$on / $off" | bc -l | cut -c1-5)"
	off_sum=$(echo "$off_sum + $off" | bc -l); on_sum=$(echo "$on_sum + $on" | bc -l)
done
echo "$server: throughput ratio on/off = $(echo "$on_sum / $off_sum" | bc -l | cut -c1-5) over $pairs pairs of ${secs}s"
echo "last probed run:"; cat "$tmp/summary"
cp "$tmp/kernel.json" /tmp/probe-overhead-last.json
