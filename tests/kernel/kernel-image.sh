#!/usr/bin/env bash
# Fetches a Debian kernel package for ARCH (default amd64), unpacks it into a
# cache outside the build, and prints the unpacked tree's path.
#   tests/kernel/kernel-image.sh [amd64|arm64]
# The package is the one linux-image-ARCH depends on in BENCH_KERNEL_SUITE:
# bookworm (default, Debian 12's 6.1, from this machine's apt index) or
# trixie (Debian 13's 6.12, from an index of its own under the cache, so this
# machine's apt never sees trixie); BENCH_KERNEL_PKG names another package of
# that suite. Cache: BENCH_KERNEL_CACHE, else /var/cache/bench-ebpf/kernel
# (root) or ~/.cache/bench-ebpf/kernel. A cached tree is used as is, so runs
# after the first need no network.
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

suite=${BENCH_KERNEL_SUITE:-bookworm}
apt=()
case "$suite" in
  bookworm) series='6\.1\.0-[0-9]*' glob='6.1.0-*' ;;
  trixie) series='6\.12\.[0-9]*+deb13' glob='6.12.*+deb13'
    # apt with its own sources, lists and cache: nothing of this machine's
    # apt configuration changes.
    a=$cache/apt-$suite
    apt=(-o "Dir::Etc::SourceList=$a/sources.list" -o Dir::Etc::SourceParts=/nonexistent
         -o "Dir::State::Lists=$a/lists" -o "Dir::Cache=$a/cache" -o Acquire::Languages=none) ;;
  *) die "unknown BENCH_KERNEL_SUITE '$suite' (bookworm or trixie)" ;;
esac
[ "$arch" = amd64 ] || [ "$arch" = arm64 ] || die "unknown architecture '$arch' (amd64 or arm64)"

# Fills the suite's own apt index (trixie), once.
own_index() {
  [ ${#apt[@]} -gt 0 ] || return 0
  [ -n "$(ls "$a"/lists/*_Packages 2>/dev/null)" ] && return 0
  mkdir -p "$a/lists/partial" "$a/cache/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg arch=amd64,arm64] http://deb.debian.org/debian $suite main" \
    > "$a/sources.list"
  apt-get "${apt[@]}" update >"$a/update.log" 2>&1 ||
    die "could not read the $suite package index: $(grep -E '^(E|W):' "$a/update.log" | head -n 1)"
}

# A guest of another architecture than this machine's needs a static
# busybox of its own for the initramfs (and, since this machine's root is
# not of its architecture, for the shell there): busybox-static:ARCH,
# unpacked once into TREE/guest-busybox.
guest_busybox() {
  local tree=$1 d
  [ "$arch" != "$(dpkg --print-architecture)" ] || return 0
  [ -x "$tree/guest-busybox" ] && return 0
  d=$(mktemp -d "$cache/.busybox.XXXXXX")
  (cd "$d" && apt-get "${apt[@]}" download -o APT::Sandbox::User=root "busybox-static:$arch" >/dev/null 2>"$d/err") ||
    { rm -rf "$d"; die "could not download busybox-static:$arch (the $arch guest's shell)"; }
  dpkg-deb -x "$d"/*.deb "$d/x" && mv "$d/x/bin/busybox" "$tree/guest-busybox.tmp" &&
    mv "$tree/guest-busybox.tmp" "$tree/guest-busybox" || { rm -rf "$d"; die "could not unpack busybox-static:$arch"; }
  rm -rf "$d"
}

pkg=${BENCH_KERNEL_PKG:-}
if [ -z "$pkg" ]; then
  # The newest tree already unpacked wins: no network needed.
  cached=$(ls -d "$cache"/linux-image-$glob-"$arch" 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$cached" ] && [ -f "$cached/.complete" ]; then
    guest_busybox "$cached"
    echo "$cached"
    exit 0
  fi
  own_index
  pkg=$(apt-cache "${apt[@]}" depends "linux-image-$arch:$arch" 2>/dev/null |
        sed -n "s/^ *Depends: \(linux-image-$series-$arch\)\(:$arch\)\?$/\1/p" | head -n 1)
  [ -n "$pkg" ] ||
    die "no $suite kernel package for $arch in apt's index (is deb.debian.org $suite reachable? run apt-get update)"
else
  own_index
fi

tree=$cache/$pkg
if [ ! -f "$tree/.complete" ]; then
  dl=$(mktemp -d "$cache/.download.XXXXXX")
  trap 'rm -rf "$dl"' EXIT
  # _apt cannot write into root's cache: download as the caller.
  (cd "$dl" && apt-get "${apt[@]}" download -o APT::Sandbox::User=root "$pkg:$arch" >/dev/null 2>"$dl/err") ||
    die "could not download $pkg:$arch: $(tail -n 1 "$dl/err")"
  rm -rf "$tree"
  dpkg-deb -x "$dl"/*.deb "$dl/tree" || die "could not unpack $pkg"
  ls "$dl"/tree/boot/vmlinuz-* >/dev/null 2>&1 || die "$pkg has no /boot/vmlinuz-*"
  # Merged /usr (trixie): the modules are under usr/lib; depmod and the
  # initramfs look under lib.
  [ -e "$dl/tree/lib" ] || ln -s usr/lib "$dl/tree/lib"
  # The package's postinst would run depmod; the guest's modprobe needs it.
  kver=$(basename "$(ls -d "$dl"/tree/lib/modules/*)")
  busybox depmod -b "$dl/tree" "$kver" || die "depmod failed for $kver"
  mv "$dl/tree" "$tree"
  touch "$tree/.complete"
fi
guest_busybox "$tree"
echo "$tree"
