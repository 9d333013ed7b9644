#!/usr/bin/env bash
# One entry point for a fresh Debian 12 / Ubuntu machine:
#   ./bootstrap.sh run [bench-ebpf options]   install, build, run (default: --server flask)
#   ./bootstrap.sh test                        install, build, run the whole test suite
#   ./bootstrap.sh install | build             just that step
# It needs root (packages, eBPF): run as a user, it asks sudo for it.
# Idempotent: packages already present are not fetched again; the build is incremental.
set -euo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 ||
    { echo "bootstrap: needs root (packages, eBPF) and there is no sudo: run it as root" >&2; exit 1; }
  exec sudo -E "$PWD/$(basename "$0")" "$@"
fi

# Everything the build, the servers and the tests need. Keep this the only list.
PACKAGES=(
  build-essential clang libclang-rt-14-dev llvm libbpf-dev bpftool libelf-dev zlib1g-dev
  libcurl4-openssl-dev libjansson-dev liburing-dev meson ninja-build pkg-config
  python3 python3-flask python3-aiohttp python3-fastapi python3-uvicorn
  python3-jsonschema nginx-light openssl ca-certificates procps iproute2 curl
  vagrant wrk chromium libhdrhistogram-java default-jre-headless
  debhelper dpkg-dev lintian bash-completion
  crossbuild-essential-arm64 libbpf-dev:arm64 libcurl4-openssl-dev:arm64
  libjansson-dev:arm64 liburing-dev:arm64 qemu-user
  qemu-system-x86 qemu-system-arm busybox-static cpio time
)

die() { echo "bootstrap: $*" >&2; exit 1; }

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "bootstrap: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # The arm64 cross build's libraries come from Debian's multiarch archive.
  dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # nginx-light's package starts a system nginx on port 80; the tool runs its own.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
    systemctl stop nginx || true; systemctl disable nginx >/dev/null 2>&1 || true
  fi
}

build() {
  [ -f build/build.ninja ] || meson setup build --buildtype=debugoptimized >/dev/null
  meson compile -C build >/dev/null || meson compile -C build
}

# One plain closing line from meson's log, e.g. "tests: 12 passed, 0 failed, 1 skipped".
summarize_tests() {
  local log=build/meson-logs/testlog.json
  [ -f "$log" ] || return 0
  local pass fail skip
  pass=$(grep -c '"result": "OK"' "$log" || true)
  fail=$(grep -c -E '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log" || true)
  skip=$(grep -c '"result": "SKIP"' "$log" || true)
  echo "tests: $pass passed, $fail failed, $skip skipped"
}

cmd=${1:-run}; shift || true
case "$cmd" in
  install) install_packages ;;
  build)   install_packages; build ;;
  run)     install_packages; build
           [ $# -gt 0 ] || set -- --server flask
           exec build/bench-ebpf "$@" ;;
  test)    install_packages; build
           rc=0
           meson test -C build --print-errorlogs --num-processes 1 "$@" || rc=$?
           summarize_tests
           exit $rc ;;
  *) die "unknown command '$cmd' (use: run, test, install, build)" ;;
esac
