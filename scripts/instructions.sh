#!/usr/bin/env bash
# User-space instructions per `GET /protected` for one bench server mode, counted by callgrind
# (deterministic: the same binary and requests give the same count, whatever else the machine
# is doing). Compare modes, e.g. bare-axum against ours-axum, to see what the guard costs.
#
# bash scripts/instructions.sh ours-axum     (needs valgrind; installs it from Debian if missing)
# BIN=/path/to/server bash scripts/instructions.sh ours-axum   counts another build (no build).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:?usage: scripts/instructions.sh MODE}
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --manifest-path bench/Cargo.toml
  BIN=bench/target/release/server
fi
PORT=4183
URL="http://127.0.0.1:$PORT"
OUT=$(mktemp -d)
BIND_ADDR=127.0.0.1:$PORT valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.out" \
  "$BIN" "$MODE" >/dev/null 2>"$OUT/valgrind.log" &
SERVER=$!
for _ in $(seq 1 400); do curl -s -o /dev/null "$URL/public" && break; sleep 0.1; done
cookie=$(curl -s -D - -o /dev/null -X POST "$URL/login" | tr -d '\r' | awk -F': ' 'tolower($1)=="set-cookie" {split($2, a, ";"); printf "%s; ", a[1]}')
wrk -t1 -c4 -d2s -H "Cookie: $cookie" "$URL/protected" >/dev/null   # warm up, then count from zero
callgrind_control --zero "$SERVER" >/dev/null
wrk -t1 -c4 -d5s -H "Cookie: $cookie" "$URL/protected" >"$OUT/wrk.txt"
kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null || true
n=$(awk '/requests in/ {print $1}' "$OUT/wrk.txt")
total=$(callgrind_annotate "$OUT/cg.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
echo "$MODE: $n requests, $((total / n)) user-space instructions per request"
rm -rf "$OUT"
