#!/usr/bin/env bash
# The Vagrantfile is valid on amd64 and arm64 hosts, every provider it names
# gets 2 CPUs, 2 GB and a Debian 12 box of the host's architecture, the tree
# is synced with rsync, and it provisions with the same bootstrap script users
# run; a broken copy is caught (so this test can fail).
set -euo pipefail
src=${1:?source root}
here=$(cd "$(dirname "$0")" && pwd)
# 77: skipped (meson); ./bootstrap.sh installs vagrant, so CI never skips
command -v vagrant >/dev/null || { echo "skipped: vagrant missing (./bootstrap.sh install)"; exit 77; }
command -v ruby >/dev/null || { echo "ruby missing (vagrant depends on it)"; exit 1; }
export VAGRANT_HOME=${VAGRANT_HOME:-$(mktemp -d)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$VAGRANT_HOME"' EXIT

cd "$src"
# Only the built-in providers could be validated with their own config, and
# no provider is installed here: the provider blocks go to providers.rb.
for arch in amd64 arm64; do
  out=$(BENCH_VAGRANT_ARCH=$arch vagrant validate --ignore-provider 2>&1) || { echo "$out"; exit 1; }
  grep -q "validated successfully" <<<"$out" || { echo "$out"; exit 1; }
  ruby "$here/providers.rb" Vagrantfile "$arch"
done
grep -q "bootstrap.sh build" Vagrantfile || { echo "Vagrantfile does not provision with bootstrap.sh"; exit 1; }

sed 's/config.vm.box = /config.vm.box_nonsense = /' Vagrantfile > "$tmp/Vagrantfile"
if (cd "$tmp" && vagrant validate --ignore-provider >/dev/null 2>&1); then
  echo "a broken Vagrantfile passed validation"; exit 1
fi
sed 's/prl.memory = 2048/prl.memory = 512/' Vagrantfile > "$tmp/Vagrantfile"
if ruby "$here/providers.rb" "$tmp/Vagrantfile" arm64 >/dev/null 2>&1; then
  echo "a provider with 512 MB passed the provider check"; exit 1
fi
echo "Vagrantfile ok"
