#!/usr/bin/env bash
# The arm64 build, proven: configures a cross build with
# cross/aarch64-linux-gnu.ini (Debian multiarch: crossbuild-essential-arm64
# and the :arm64 -dev packages bootstrap.sh installs), compiles it, and checks
# that bench-ebpf came out as a 64-bit little-endian AArch64 ELF that runs
# (under qemu-aarch64).
#   tests/cross/cross-build.sh SOURCE_DIR BUILD_DIR
set -euo pipefail

src=${1:?usage: cross-build.sh SOURCE_DIR BUILD_DIR}
build=${2:?usage: cross-build.sh SOURCE_DIR BUILD_DIR}
die() { echo "cross-build: $*" >&2; exit 1; }

command -v aarch64-linux-gnu-gcc >/dev/null ||
  die "aarch64-linux-gnu-gcc is missing (package crossbuild-essential-arm64; bootstrap.sh installs it)"
[ -f /usr/lib/aarch64-linux-gnu/pkgconfig/libbpf.pc ] ||
  die "libbpf-dev:arm64 is missing (bootstrap.sh adds the arm64 architecture and installs it)"

# meson test sets variables of the outer build; the inner one needs none.
unset MESON_TESTTHREADS MALLOC_PERTURB_
mkdir -p "$build"
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$src" --cross-file "$src/cross/aarch64-linux-gnu.ini" >"$build/cross-setup.log" 2>&1 ||
    { tail -n 20 "$build/cross-setup.log" >&2; die "meson setup failed (log above)"; }
fi
# The product only: fuzz targets and such are built for the build machine.
meson compile -C "$build" bench-ebpf >"$build/cross-compile.log" 2>&1 ||
  { grep -E 'error|FAILED' "$build/cross-compile.log" | head -n 20 >&2; die "the arm64 build failed (errors above)"; }

bin=$build/bench-ebpf
hdr=$(readelf -h "$bin") || die "$bin is not an ELF file"
for want in 'Class: *ELF64' 'Data: *2.s complement, little endian' 'Machine: *AArch64'; do
  grep -Eq "$want" <<<"$hdr" || die "$bin: expected '$want' in its ELF header"
done
# And it runs there: user-mode emulation, the cross file's exe_wrapper.
if command -v qemu-aarch64 >/dev/null; then
  ver=$(qemu-aarch64 "$bin" --version 2>&1) || die "$bin --version failed under qemu-aarch64: $ver"
  grep -q '^bench-ebpf ' <<<"$ver" || die "$bin --version printed: $ver"
else
  die "qemu-aarch64 is missing (package qemu-user; bootstrap.sh installs it)"
fi
echo "cross-build: $bin is an AArch64 ELF64 executable and runs under qemu-aarch64"
