#!/usr/bin/env bash
# Builds the guest's initramfs: a static busybox, the init script, and the
# kernel package's modules the init loads (virtio PCI, 9p over virtio,
# overlayfs) with everything they depend on.
#   guest-initramfs.sh BUSYBOX KERNEL_TREE KVER INIT OUTPUT.gz
set -euo pipefail

busybox=$1 tree=$2 kver=$3 init=$4 output=$5
die() { echo "guest-initramfs: $*" >&2; exit 1; }

mods=$tree/lib/modules/$kver
[ -f "$mods/modules.dep" ] || die "$mods/modules.dep is missing"
stage=$(mktemp -d "${output%/*}/initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,proc,sys,dev,lib/modules/"$kver"}
cp "$busybox" "$stage/bin/busybox"
cp "$init" "$stage/init"
chmod 0755 "$stage/init" "$stage/bin/busybox"

# Each wanted module's line of modules.dep names all it depends on; one
# built into the kernel (6.12's virtio_pci) needs nothing. /modules lists
# those the init loads, in order.
deps=$stage/lib/modules/$kver/modules.dep
: > "$stage/modules"
for m in virtio_pci 9pnet_virtio 9p overlay; do
  if grep -Eq "(^|/)$m\.ko$" "$mods/modules.builtin" 2>/dev/null; then
    continue
  fi
  line=$(grep -E "(^|/)$m\.ko(\.[a-z]+)?:" "$mods/modules.dep") ||
    die "module $m is not in the $kver package"
  echo "$line" >> "$deps"
  echo "$m" >> "$stage/modules"
done
touch "$deps"
# Dependencies need their own (empty or not) lines for modprobe.
for f in $(cut -d: -f2 "$deps" | tr ' ' '\n' | sort -u); do
  grep -q "^$f:" "$deps" || grep "^$f:" "$mods/modules.dep" >> "$deps"
done
# Compressed modules (6.12's .ko.xz) go in uncompressed: busybox's modprobe
# may lack the decompressor.
for f in $(tr -d ':' < "$deps" | tr ' ' '\n' | sort -u); do
  mkdir -p "$stage/lib/modules/$kver/${f%/*}"
  case "$f" in
    *.ko.xz) xz -dc "$mods/$f" > "$stage/lib/modules/$kver/${f%.xz}" ;;
    *.ko.zst) zstd -qdc "$mods/$f" > "$stage/lib/modules/$kver/${f%.zst}" ;;
    *.ko.gz) gzip -dc "$mods/$f" > "$stage/lib/modules/$kver/${f%.gz}" ;;
    *) cp "$mods/$f" "$stage/lib/modules/$kver/$f" ;;
  esac
done
sed -i -E 's/\.ko\.(xz|zst|gz)( |:|$)/.ko\2/g' "$deps"
(cd "$stage" && find . | cpio -o -H newc --quiet) | gzip -1 > "$output"
