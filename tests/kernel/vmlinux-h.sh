#!/usr/bin/env bash
# Writes bpf/<bpf-arch>/vmlinux_<MMmm>.h from Debian 12's kernel package for
# ARCH and points bpf/<bpf-arch>/vmlinux.h at it (the x86 header comes from
# the running kernel instead: bpftool btf dump file /sys/kernel/btf/vmlinux).
#   tests/kernel/vmlinux-h.sh arm64
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
arch=${1:?usage: vmlinux-h.sh ARCH (Debian architecture, e.g. arm64)}
case "$arch" in
  arm64) dir=arm64 ;;
  amd64) dir=x86 ;;
  *) echo "vmlinux-h: no BPF directory known for $arch" >&2; exit 2 ;;
esac

tree=$("$here/kernel-image.sh" "$arch")
kernel=$(ls "$tree"/boot/vmlinuz-* | head -n 1)
kver=${kernel##*/vmlinuz-}
IFS=. read -r major minor _ <<< "$kver"
name=$(printf 'vmlinux_%d%02d.h' "$major" "$minor")
btf=$(mktemp)
trap 'rm -f "$btf"' EXIT

python3 "$here/btf-from-image.py" "$kernel" "$btf"
out=$here/../../bpf/$dir
bpftool btf dump file "$btf" format c > "$out/$name.tmp"
mv "$out/$name.tmp" "$out/$name"
ln -sfn "$name" "$out/vmlinux.h"
echo "vmlinux-h: bpf/$dir/$name from $kver" >&2
