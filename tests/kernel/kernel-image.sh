#!/usr/bin/env bash
# Fetches Debian 12's own kernel package for ARCH (default amd64), unpacks it
# into a cache outside the build, and prints the unpacked tree's path.
#   tests/kernel/kernel-image.sh [amd64|arm64]
# The package is the one linux-image-ARCH depends on (the current 6.1 ABI);
# BENCH_KERNEL_PKG names another. Cache: BENCH_KERNEL_CACHE, else
# /var/cache/bench-ebpf/kernel (root) or ~/.cache/bench-ebpf/kernel. A cached
# tree is used as is, so runs after the first need no network.
set -euo pipefail

arch=${1:-amd64}
die() { echo "kernel-image: $*" >&2; exit 1; }

if [ -n "${BENCH_KERNEL_CACHE:-}" ]; then
  cache=$BENCH_KERNEL_CACHE
elif [ "$(id -u)" -eq 0 ]; then
  cache=/var/cache/bench-ebpf/kernel
else
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/bench-ebpf/kernel
fi
mkdir -p "$cache" || die "cannot create the cache directory $cache"

pkg=${BENCH_KERNEL_PKG:-}
if [ -z "$pkg" ]; then
  # The newest tree already unpacked wins: no network needed.
  cached=$(ls -d "$cache"/linux-image-6.1.0-*-"$arch" 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$cached" ] && [ -f "$cached/.complete" ]; then
    echo "$cached"
    exit 0
  fi
  pkg=$(apt-cache depends "linux-image-$arch:$arch" 2>/dev/null |
        sed -n "s/^ *Depends: \(linux-image-6\.1\.0-[0-9]*-$arch\)\(:$arch\)\?$/\1/p" | head -n 1)
  [ -n "$pkg" ] ||
    die "no Debian 12 kernel package for $arch in apt's index (is deb.debian.org bookworm reachable? run apt-get update)"
fi

tree=$cache/$pkg
if [ ! -f "$tree/.complete" ]; then
  dl=$(mktemp -d "$cache/.download.XXXXXX")
  trap 'rm -rf "$dl"' EXIT
  # _apt cannot write into root's cache: download as the caller.
  (cd "$dl" && apt-get download -o APT::Sandbox::User=root "$pkg:$arch" >/dev/null 2>"$dl/err") ||
    die "could not download $pkg:$arch: $(tail -n 1 "$dl/err")"
  rm -rf "$tree"
  dpkg-deb -x "$dl"/*.deb "$dl/tree" || die "could not unpack $pkg"
  ls "$dl"/tree/boot/vmlinuz-* >/dev/null 2>&1 || die "$pkg has no /boot/vmlinuz-*"
  # The package's postinst would run depmod; the guest's modprobe needs it.
  kver=$(basename "$(ls -d "$dl"/tree/lib/modules/*)")
  busybox depmod -b "$dl/tree" "$kver" || die "depmod failed for $kver"
  mv "$dl/tree" "$tree"
  touch "$tree/.complete"
fi
echo "$tree"
