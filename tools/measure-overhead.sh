#!/bin/sh
# Cost of the probes, measured with wrk against a pinned server: interleaved
# pairs (probes off / probes on, order alternating), wrk -t1 -c50 on CPU 1,
# the server on CPU 0. Needs root, wrk, curl, bc and a build.
#
#   tools/measure-overhead.sh aiohttp|nginx [PAIRS] [SECONDS] [PROBE-ATTACH ARGS...]
#
# Two figures per pair: the throughput ratio (on/off req/s) and the ratio of
# the server's CPU time per request (off/on, from /proc/PID/stat; for nginx
# the worker's). The second one still means something when other work
# shares the machine and throughput swings; on a quiet machine the two agree.
# Summary: medians of the pair ratios.
set -eu
server=${1:?aiohttp or nginx}
pairs=${2:-5}
secs=${3:-5}
shift $(( $# < 3 ? $# : 3 ))
extra="$*"	# for probe-attach (no spaces inside arguments)
top=$(cd "$(dirname "$0")/.." && pwd)
attach=$top/build/tools/probe-attach
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
tmp=$(mktemp -d)
spid=
trap 'if [ -n "$spid" ]; then kill $spid 2>/dev/null; wait $spid 2>/dev/null; fi; rm -rf "$tmp"' EXIT INT TERM

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
# The process that does the work: nginx's worker, else the server itself.
cpid=$(pgrep -P "$spid" | head -1 || true)
[ -n "$cpid" ] || cpid=$spid
taskset -c 1 wrk -t1 -c50 -d2s "http://127.0.0.1:$port/" >/dev/null   # warm-up

ticks() { awk '{print $14 + $15}' "/proc/$cpid/stat"; }
# prints "req/s cpu-us-per-request"
run_wrk() {
	t0=$(ticks)
	taskset -c 1 wrk -t1 -c50 -d"${secs}s" "http://127.0.0.1:$port/" >"$tmp/wrk"
	t1=$(ticks)
	rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk")
	n=$(awk '/requests in/ {print $1}' "$tmp/wrk")
	echo "$rps $(echo "($t1 - $t0) * 1000000 / $(getconf CLK_TCK) / $n" | bc -l | cut -c1-6)"
}
run_on() {
	"$attach" --pid "$spid" --port "$port" --seconds $((secs + 30)) "$@" \
		>"$tmp/kernel.json" 2>"$tmp/summary" &
	apid=$!
	sleep 1	# attached
	run_wrk
	kill -INT $apid; wait $apid || true
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
tr_all=""; cr_all=""
for i in $(seq "$pairs"); do
	if [ $((i % 2)) -eq 1 ]; then
		off=$(run_wrk); on=$(run_on $extra)
	else
		on=$(run_on $extra); off=$(run_wrk)
	fi
	set -- $off; off_rps=$1; off_cpu=$2
	set -- $on; on_rps=$1; on_cpu=$2
	tr=$(echo "$on_rps / $off_rps" | bc -l | cut -c1-5)
	cr=$(echo "$off_cpu / $on_cpu" | bc -l | cut -c1-5)
	tr_all="$tr_all $tr"; cr_all="$cr_all $cr"
	echo "pair $i: off $off_rps req/s ${off_cpu} us/req, on $on_rps req/s ${on_cpu} us/req: throughput ratio $tr, cpu ratio $cr"
done
echo "$server: median throughput ratio on/off $(echo $tr_all | median), median CPU-per-request ratio off/on $(echo $cr_all | median), $pairs pairs of ${secs}s"
echo "last probed run:"; cat "$tmp/summary"
cp "$tmp/kernel.json" /tmp/probe-overhead-last.json
