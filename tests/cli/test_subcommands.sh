#!/usr/bin/env bash
# report and compare take their options from the option table: --help lists
# each with its argument, and a bad option, a missing value or a bad value
# is one line on stderr and exit 2.
set -euo pipefail
binary=$1
fail() { echo "FAIL: $*" >&2; exit 1; }

expect_help() {  # COMMAND LINE...: each LINE is in COMMAND --help
  local cmd=$1 text
  shift
  text=$("$binary" "$cmd" --help) || fail "$cmd --help exits $?"
  for line in "$@"; do
    grep -qxF -- "$line" <<<"$text" || fail "$cmd --help lacks '$line'"
  done
}
expect_help report \
  "  -o, --output FILE           write the page to FILE" \
  "      --export-csv FILE       the runs as CSV (hyperfine's columns)" \
  "      --export-markdown FILE  the runs as a Markdown table" \
  "      --timeline-csv FILE     every run's timeline, one row per interval" \
  "  -h, --help                  this text"
expect_help compare \
  "  -o, --output FILE            the comparison as JSON" \
  "      --export-markdown FILE   the comparison as a Markdown table" \
  "      --fail-if-slower PCT     exit 1 when B's req/s is significantly lower by more than PCT %" \
  "      --fail-if-p99-above PCT  exit 1 when B's p99 is significantly higher by more than PCT %"
[ "$("$binary" compare -h)" = "$("$binary" compare --help)" ] || fail "compare -h is not --help"

expect_usage_error() {  # NEEDLE ARGS...: exit 2 and one line holding NEEDLE
  local needle=$1 rc=0 err
  shift
  err=$("$binary" "$@" 2>&1 >/dev/null) || rc=$?
  [ "$rc" = 2 ] || fail "$*: exit $rc, not 2 ($err)"
  [ "$(wc -l <<<"$err")" = 1 ] || fail "$*: not one line: $err"
  grep -qF -- "$needle" <<<"$err" || fail "$*: '$err' lacks '$needle'"
}
expect_usage_error "bench-ebpf compare: unknown option '--server' (see bench-ebpf compare --help)" \
  compare --server flask a.json b.json
expect_usage_error "bench-ebpf report: unknown option '-x' (see bench-ebpf report --help)" report -x a.json
expect_usage_error "bench-ebpf report: option --export-csv needs a value" report a.json --export-csv
expect_usage_error "invalid value '-3' for --fail-if-p99-above: expected a percentage such as 10" \
  compare --fail-if-p99-above -3 a.json b.json
expect_usage_error "invalid value '' for -o: expected a file name" compare -o "" a.json b.json
expect_usage_error "name two saved reports" compare a.json
expect_usage_error "name at least one saved report" report -o x.html
echo "ok: report and compare options from the table"
