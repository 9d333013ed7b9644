#!/usr/bin/env bash
# meson install into a temporary prefix, then the installed binary, run from
# another directory, must find its own demo apps (not the source tree's) and
# benchmark nginx and Flask. Needs root (eBPF); skips (77) otherwise.
set -euo pipefail
build=$1
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
dest=$(mktemp -d /tmp/bench-ebpf-install-test.XXXXXX)
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

meson install -C "$build" --destdir "$dest" --no-rebuild --quiet
prefix=$(meson introspect "$build" --buildoptions |
  python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
root=$dest$prefix
for f in bin/bench-ebpf share/man/man1/bench-ebpf.1 share/bench-ebpf/report.schema.json \
         share/bench-ebpf/servers/flask_app.py share/bench-ebpf/servers/aiohttp_app.py \
         share/bench-ebpf/servers/app_common.py \
         share/bash-completion/completions/bench-ebpf; do
  [ -e "$root/$f" ] || fail "meson install did not install $f"
done

cd "$dest"
unset BENCH_EBPF_SERVERS_DIR
version=$("$root/bin/bench-ebpf" --version)
for want in '^bench-ebpf [0-9]' '^libbpf [0-9].*, libcurl [0-9].*, jansson [0-9]' 'tp_btf (yes|no)' \
            'fentry (yes|no)' 'kprobes (yes|no)' 'ring buffer (yes|no)' 'BPF stats (yes|no)'; do
  grep -qE "$want" <<<"$version" || fail "--version lacks '$want': $version"
done
run() {  # NAME N: the installed binary benchmarks NAME with N requests
  "$root/bin/bench-ebpf" --server "$1" -n "$2" -c 10 -q -o "$dest/$1.json" ||
    fail "the installed binary failed on --server $1 (exit $?)"
  python3 - "$dest/$1.json" "$2" "$root" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n, root = int(sys.argv[2]), sys.argv[3]
assert r["error"] is None, r["error"]
assert r["client"]["requests_completed"] == n, r["client"]["requests_completed"]
assert r["kernel"]["probes"]["attached"], "no probe attached"
cmd = r["server"]["command"]
assert r["server"]["name"] != "flask" or root + "/share/bench-ebpf/servers/flask_app.py" in cmd, cmd
PY
}
run nginx 500
run flask 200
echo "ok: installed under $prefix, found its servers, ran nginx and flask"
