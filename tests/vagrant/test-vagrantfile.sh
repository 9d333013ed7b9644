#!/usr/bin/env bash
# The Vagrantfile is valid, and provisions with the same bootstrap script users
# run; a broken copy is caught (so this test can fail).
set -euo pipefail
src=${1:?source root}
# 77: skipped (meson); ./bootstrap.sh installs vagrant, so CI never skips
command -v vagrant >/dev/null || { echo "skipped: vagrant missing (./bootstrap.sh install)"; exit 77; }
export VAGRANT_HOME=${VAGRANT_HOME:-$(mktemp -d)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$VAGRANT_HOME"' EXIT

cd "$src"
out=$(vagrant validate --ignore-provider 2>&1) || { echo "$out"; exit 1; }
grep -q "validated successfully" <<<"$out" || { echo "$out"; exit 1; }
grep -q "bootstrap.sh build" Vagrantfile || { echo "Vagrantfile does not provision with bootstrap.sh"; exit 1; }

sed 's/config.vm.box = /config.vm.box_nonsense = /' Vagrantfile > "$tmp/Vagrantfile"
if (cd "$tmp" && vagrant validate --ignore-provider >/dev/null 2>&1); then
  echo "a broken Vagrantfile passed validation"; exit 1
fi
echo "Vagrantfile ok"
