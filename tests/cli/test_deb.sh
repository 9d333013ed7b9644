#!/usr/bin/env bash
# The Debian package: built from a copy of the tree with Debian's own tools,
# lintian without errors, installed with apt, bench-ebpf --server nginx run
# from PATH in another directory, purged, and nothing of it left behind.
# Needs root (apt, eBPF); skips (77) without it, without the packaging tools,
# or when a bench-ebpf package is already installed (it is not ours to purge).
set -euo pipefail
src=$1
skip() { echo "skip: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# Another apt-get or dpkg on the machine holds the lock for a while: wait for it.
apt_get() { apt-get -o DPkg::Lock::Timeout=300 "$@"; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
for t in dpkg-buildpackage lintian apt-get; do command -v $t >/dev/null || skip "no $t"; done
exec 9>/tmp/bench-ebpf-deb-test.lock
flock 9	# one package test at a time on this machine
dpkg-query -W -f='${Status}' bench-ebpf 2>/dev/null | grep -q 'install ok installed' &&
  skip "a bench-ebpf package is installed already"

work=$(mktemp -d /tmp/bench-ebpf-deb-test.XXXXXX)
trap 'apt_get purge -y -qq bench-ebpf >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
mkdir "$work/src"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$src" ls-files -co --exclude-standard -z | (cd "$src" && tar --null -cf - -T -) |
    tar -xf - -C "$work/src"
else
  tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . | tar -xf - -C "$work/src"
fi

(cd "$work/src" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) ||
  { tail -30 "$work/build.log" >&2; fail "dpkg-buildpackage failed"; }
deb=$(ls "$work"/bench-ebpf_*_*.deb)
lintian --allow-root --fail-on error "$deb" || fail "lintian reports errors"
deps=$(dpkg-deb -f "$deb" Depends)
for d in libbpf1 libcurl4 libjansson4 liburing2; do
  grep -q "$d" <<<"$deps" || fail "Depends lacks $d: $deps"
done
files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {sub(/^\./, "", $6); print $6}')

DEBIAN_FRONTEND=noninteractive apt_get install -y -qq "$deb" >"$work/apt.log" 2>&1 ||
  { cat "$work/apt.log" >&2; fail "apt-get install"; }
[ "$(command -v bench-ebpf)" = /usr/bin/bench-ebpf ] || fail "bench-ebpf is not on PATH"
(cd "$work" && env -u BENCH_EBPF_SERVERS_DIR bench-ebpf --server nginx -n 500 -c 10 -q -o "$work/n.json") ||
  fail "bench-ebpf --server nginx from PATH failed"
python3 - "$work/n.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["error"] is None and r["client"]["requests_completed"] == 500, r["client"]
PY
man -w bench-ebpf >/dev/null 2>&1 || [ -e /usr/share/man/man1/bench-ebpf.1.gz ] || fail "no man page"

apt_get purge -y -qq bench-ebpf >/dev/null 2>&1 || fail "apt-get purge"
if dpkg-query -W -f='${Status}' bench-ebpf 2>/dev/null | grep -q 'ok installed'; then
  fail "still installed after purge"
fi
left=$(for f in $files /usr/share/bench-ebpf; do if [ -e "$f" ]; then echo "$f"; fi; done)
[ -z "$left" ] || fail "left after purge: $left"
echo "ok: $(basename "$deb") built, lintian clean, installed, ran nginx from PATH, purged without a trace"
