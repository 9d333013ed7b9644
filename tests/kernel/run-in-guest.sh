#!/usr/bin/env bash
# Runs a command as root inside Debian 12's own 6.1 kernel, booted under qemu,
# and exits with the command's status:
#   tests/kernel/run-in-guest.sh [--out DIR] CMD [ARGS...]
# The guest sees this machine's whole root read-only (writes go to a tmpfs
# overlay and are lost), a plain tmpfs on /tmp (through which a current
# directory or this tree under /tmp stays visible), and DIR read-write at /out
# (default: a temporary directory, removed afterwards): copy results there.
# The command starts in the current directory; output goes to the console.
# Environment: BENCH_GUEST_ARCH (amd64), BENCH_GUEST_TIMEOUT (seconds, 3600),
# BENCH_GUEST_MEM (2G), BENCH_GUEST_CPUS (2), and kernel-image.sh's knobs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "run-in-guest: $*" >&2; exit 1; }

out=
if [ "${1:-}" = "--out" ]; then
  [ $# -ge 2 ] || die "--out needs a directory"
  out=$2
  shift 2
fi
[ $# -gt 0 ] || die "usage: run-in-guest.sh [--out DIR] CMD [ARGS...]"
[ "$(id -u)" -eq 0 ] || die "needs root (qemu's 9p share of / must read every file)"

arch=${BENCH_GUEST_ARCH:-amd64}
case "$arch" in
  amd64) qemu=qemu-system-x86_64; console=ttyS0
         machine=(-accel tcg,thread=multi -cpu max) ;;
  arm64) qemu=qemu-system-aarch64; console=ttyAMA0
         machine=(-machine virt -accel tcg,thread=multi -cpu max) ;;
  *) die "unknown guest architecture '$arch' (amd64 or arm64)" ;;
esac
command -v "$qemu" >/dev/null || die "$qemu is missing (bootstrap.sh installs it)"
command -v cpio >/dev/null || die "cpio is missing"

tree=$("$here/kernel-image.sh" "$arch")
# This machine's static busybox, or the one for a guest of another
# architecture (kernel-image.sh fetched it).
busybox=/bin/busybox
[ -x "$tree/guest-busybox" ] && busybox=$tree/guest-busybox
[ -x "$busybox" ] && ! readelf -l "$busybox" | grep -q INTERP ||
  die "no static $busybox (package busybox-static)"
kernel=$(ls "$tree"/boot/vmlinuz-* | head -n 1)
kver=${kernel##*/vmlinuz-}

work=$(mktemp -d /tmp/bench-ebpf-guest.XXXXXX)
qpid=
cleanup() {
  [ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
  rm -rf "$work"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ -z "$out" ]; then
  out=$work/out
fi
mkdir -p "$out"
rm -f "$out/rc"

"$here/guest-initramfs.sh" "$busybox" "$tree" "$kver" "$here/guest-init.sh" "$work/initrd.gz"

# The guest's /tmp is a fresh tmpfs: the top directories under /tmp of the
# current directory and of this tree stay visible through it.
for d in "$PWD" "$(cd "$here/../.." && pwd)"; do
  case "$d" in /tmp/?*) d=${d#/tmp/}; echo "/tmp/${d%%/*}" ;; esac
done | sort -u > "$out/keep"

# The command, quoted, run from the current directory in the guest.
{
  echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root'
  printf 'cd %q || exit 1\n' "$PWD"
  printf 'exec'
  printf ' %q' "$@"
  echo
} > "$out/cmd"

timeout_s=${BENCH_GUEST_TIMEOUT:-3600}
timeout -k 10 "$timeout_s" "$qemu" "${machine[@]}" -m "${BENCH_GUEST_MEM:-2G}" \
  -smp "${BENCH_GUEST_CPUS:-2}" -nographic -no-reboot \
  -kernel "$kernel" -initrd "$work/initrd.gz" \
  -append "console=$console panic=-1 quiet loglevel=3" \
  -virtfs local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$out,mount_tag=out,security_model=none" \
  -nic none < /dev/null &
qpid=$!
wait "$qpid" || true
qpid=

[ -s "$out/rc" ] || die "the guest ($kver) ended without the command's exit status (crash, or over ${timeout_s}s)"
exit "$(cat "$out/rc")"
