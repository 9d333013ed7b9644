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

# the subcommands: their names, their own options, files as their operands
[ "$(complete_words bench-ebpf rep)" = report ] || fail "rep does not complete to report"
[ "$(complete_words bench-ebpf compare a.json --fail-if-s)" = --fail-if-slower ] || fail "compare --fail-if-s"
complete_words bench-ebpf compare --ser | grep -q . && fail "compare offers the benchmark's --server"
here=$(dirname "$0")
[ "$(complete_words bench-ebpf report "$here/test_compl")" = "$here/test_completion.sh" ] ||
  fail "report does not complete a saved report's file name"
[ "$(complete_words bench-ebpf report a.json --timeline-csv "$here/test_compl")" = "$here/test_completion.sh" ] ||
  fail "report --timeline-csv does not complete a file"

# the synopsis lines of --help: "  -c, --connections N  ..." and "      --warmup T ..."
total=0
for cmd in "" report compare; do
  help_opts=$("$binary" $cmd --help | sed -nE 's/^  (-([a-zA-Z]), |    )--([a-z0-9-]+).*/-\2 --\3/p' |
    tr ' ' '\n' | grep -vx -- - | sort -u)
  comp_opts=$(complete_words bench-ebpf $cmd - | sort -u)
  [ -n "$help_opts" ] || fail "bench-ebpf $cmd --help lists no option"
  [ "$help_opts" = "$comp_opts" ] || fail "bench-ebpf $cmd: --help and the completion differ: $(diff <(echo "$help_opts") <(echo "$comp_opts") | tr '\n' ' ')"
  total=$((total + $(wc -l <<<"$comp_opts")))
done
echo "ok: $total options of 3 commands, server and probe names"
