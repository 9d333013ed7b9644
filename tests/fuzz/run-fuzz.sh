#!/bin/sh
# Runs one libFuzzer target for FUZZ_SECONDS (30 unless set) from its seed
# corpus in the repository; what it finds new goes to a corpus in the build
# directory, never into the repository. Any crash, leak or broken property
# fails the test (exit 1: libFuzzer's own default, 77, would read as skipped).
#
#   run-fuzz.sh TARGET SEED-DIR WORK-DIR [LIBFUZZER OPTIONS...]
set -eu
target=$1 seeds=$2 work=$3
shift 3
mkdir -p "$work/corpus"
exec "$target" -max_total_time="${FUZZ_SECONDS:-30}" -error_exitcode=1 -timeout_exitcode=1 \
  -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" "$@" \
  "$work/corpus" "$seeds"
