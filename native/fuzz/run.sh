#!/usr/bin/env bash
# Runs every libFuzzer harness for a bounded time from its committed seed corpus
# (native/fuzz/corpus/NAME; new units go to a scratch dir, never into git).
# Exit 1 on the first crash, sanitizer report or reference mismatch, after
# printing the reproducer (hex) and the command that replays it.
#   native/fuzz/run.sh [seconds-per-harness]      (default 30; FUZZ_SECONDS too)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-${FUZZ_SECONDS:-30}}
native/fuzz/build.sh
scratch=$(mktemp -d /tmp/capwire-libfuzzer-XXXXXX)
status=0
for bin in native/fuzz/out/*_fuzzer; do
  name=$(basename "$bin")
  corpus=native/fuzz/corpus/$name
  mkdir -p "$scratch/$name"
  log="$scratch/$name.log"
  seeds=()
  [ -d "$corpus" ] && seeds=("$corpus")
  if "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=4096 \
       -artifact_prefix="$scratch/$name-" "$scratch/$name" "${seeds[@]}" >"$log" 2>&1; then
    rate=$(sed -n 's/^stat::average_exec_per_sec:[[:space:]]*//p' "$log")
    runs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$log")
    echo "native fuzz: $name: ok, $runs runs in ${seconds}s, $rate exec/s"
  else
    status=1
    echo "native fuzz: $name: FAILED"
    grep -a -E 'MISMATCH|ERROR|SUMMARY|round trip|deny rule|runtime error' "$log" | head -20 || tail -40 "$log"
    for crash in "$scratch/$name"-*; do
      [ -f "$crash" ] || continue
      echo "reproducer $crash ($(stat -c %s "$crash") bytes): $(od -An -tx1 -v "$crash" | tr -d ' \n' | head -c 2000)"
      echo "replay with: native/fuzz/build.sh && $bin $crash"
    done
  fi
done
[ "$status" -eq 0 ] && rm -rf "$scratch"
exit "$status"
