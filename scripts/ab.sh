#!/usr/bin/env bash
# A/B of the bench server at two commits, interleaved on this machine: builds bench/'s server
# at REV (a git worktree; the target directory is shared, so only the auth crates rebuild) and
# at the working tree, then runs each MODE (default: ours-axum ours-actix) ROUNDS times for DUR
# seconds per binary, alternating, with the server on core 0 and wrk on core 1 (32 keep-alive
# connections, GET /protected with a session cookie), and prints medians and new/old ratios.
#
# REV=052a73a DUR=6 ROUNDS=5 bash scripts/ab.sh [MODE ...]
# KEEP=dir keeps both binaries there (server-old, server-new), e.g. for scripts/instructions.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
REV=${REV:?set REV to the commit to compare against}
DUR=${DUR:-6}
ROUNDS=${ROUNDS:-5}
MODES=("${@:-ours-axum ours-actix}")
read -r -a MODES <<<"${MODES[*]}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
TARGET=$PWD/bench/target
OLD=$(mktemp -d)
git worktree add --detach -q "$OLD/src" "$REV"
trap 'git worktree remove --force "$OLD/src"; rm -rf "$OLD"' EXIT
CARGO_TARGET_DIR=$TARGET cargo build --release --quiet --manifest-path "$OLD/src/bench/Cargo.toml"
cp "$TARGET/release/server" "$OLD/server"
CARGO_TARGET_DIR=$TARGET cargo build --release --quiet --manifest-path bench/Cargo.toml
cp "$TARGET/release/server" "$OLD/server-new"
if [ -n "${KEEP:-}" ]; then
  mkdir -p "$KEEP" && cp "$OLD/server" "$KEEP/server-old" && cp "$OLD/server-new" "$KEEP/server-new"
fi
PORT=4174
URL="http://127.0.0.1:$PORT"
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
run() { # bin mode -> req/s
  BIND_ADDR=127.0.0.1:$PORT taskset -c 0 "$1" "$2" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 200); do curl -s -o /dev/null "$URL/public" && break; sleep 0.05; done
  local cookie
  cookie=$(curl -s -D - -o /dev/null -X POST "$URL/login" | tr -d '\r' | awk -F': ' 'tolower($1)=="set-cookie" {split($2, a, ";"); printf "%s; ", a[1]}')
  [ "$(curl -s -H "Cookie: $cookie" "$URL/protected")" = "ok" ] || { echo "$1 $2 refuses its cookie" >&2; exit 1; }
  taskset -c 1 wrk -t1 -c32 -d"${DUR}s" -H "Cookie: $cookie" "$URL/protected" | awk '/Requests\/sec/ {print $2}'
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
for mode in "${MODES[@]}"; do
  old="" new=""
  for _ in $(seq 1 "$ROUNDS"); do
    old="$old $(run "$OLD/server" "$mode")"
    new="$new $(run "$OLD/server-new" "$mode")"
  done
  mo=$(echo "$old" | median) mn=$(echo "$new" | median)
  printf '%-18s old %10.0f req/s   new %10.0f req/s   new/old %.3f\n' "$mode" "$mo" "$mn" "$(echo "$mn $mo" | awk '{print $1 / $2}')"
done
