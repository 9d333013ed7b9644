#!/usr/bin/env bash
# The generated bash completion loads, completes options, server and probe
# names, and offers exactly the options --help lists (one table makes both).
set -euo pipefail
script=$1 binary=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
complete_words() {  # WORDS...: what the completion offers for the last one
  bash -c 'source "$0" || exit 3
    COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=()
    _bench_ebpf; printf "%s\n" "${COMPREPLY[@]}"' "$script" "$@"
}
got=$(complete_words bench-ebpf --ser)
grep -qx -- --server <<<"$got" || fail "--ser does not complete to --server: $got"
grep -qx -- --url <<<"$got" && fail "--ser offers --url"
[ "$(complete_words bench-ebpf --server fl)" = flask ] || fail "--server fl"
[ "$(complete_words bench-ebpf --server flask,ngi)" = flask,nginx ] || fail "--server flask,ngi"
[ "$(complete_words bench-ebpf --engine ur)" = uring ] || fail "--engine ur"
complete_words bench-ebpf --disable-probe sched_sw | grep -qx sched_switch || fail "--disable-probe sched_sw"
[ -z "$(complete_words bench-ebpf -c "")" ] || fail "-c offers values"

# the synopsis lines of --help: "  -c, --connections N  ..." and "      --warmup T ..."
help_opts=$("$binary" --help | sed -nE 's/^  (-([a-zA-Z]), |    )--([a-z0-9-]+).*/-\2 --\3/p' |
  tr ' ' '\n' | grep -vx -- - | sort -u)
comp_opts=$(complete_words bench-ebpf - | sort -u)
[ "$help_opts" = "$comp_opts" ] || fail "--help and the completion differ: $(diff <(echo "$help_opts") <(echo "$comp_opts") | tr '\n' ' ')"
echo "ok: $(wc -l <<<"$comp_opts") options, server and probe names"
