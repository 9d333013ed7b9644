# Inside the arm64 guest (POSIX sh: this machine's bash is amd64, the
# guest's shell is busybox): one short anatomy run of the cross-built
# bench-ebpf against the cross-built test server, the report into /out.
#   sh arm64-guest-run.sh BENCH_EBPF HTTP_SERVER
bench=$1 server=$2
uname -rm > /out/kernel
start=$(date +%s)
"$bench" --server-cmd "$server --port {port}" -n 300 -c 4 -q --ready-timeout 300s \
  -o /out/run.json 2> /out/stderr
rc=$?
echo $(( $(date +%s) - start )) > /out/run-seconds
exit $rc
