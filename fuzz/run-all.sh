#!/usr/bin/env bash
# Fuzzes every target for RUNS executions (default 10 million) or SECS seconds (default 1800),
# whichever comes first, keeping the corpora under fuzz/corpus/. Stable toolchain: no
# sanitizer (-s none); coverage guidance still applies. Prints one summary line per target.
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${RUNS:-10000000}
SECS=${SECS:-1800}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(cookie_session_id next_validator password_hash_parse permission_parse origin_check)
for t in "${targets[@]}"; do
  start=$(date +%s)
  cargo fuzz run -O -s none "$t" -- -runs="$RUNS" -max_total_time="$SECS" -print_final_stats=1 >"/tmp/fuzz-$t.log" 2>&1 || { tail -40 "/tmp/fuzz-$t.log"; exit 1; }
  end=$(date +%s)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "/tmp/fuzz-$t.log" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]*' "/tmp/fuzz-$t.log" | tail -1 || true)
  echo "$t: $execs executions in $((end - start)) s, $cov, no crash"
done
