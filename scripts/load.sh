#!/usr/bin/env bash
# The load comparison of issue 7: builds every server in bench/, checks that each one really
# enforces its guard (anonymous refused, the session cookie accepted), then runs wrk against
# GET /protected (32 keep-alive connections) with the server pinned to core 0 and wrk to core 1,
# and prints one line per server: req/s, p50, p99 and the ratio to its baseline. Then the p99 of
# an unguarded route during a login flood, and memory per session.
#
# DUR=10 ROUNDS=3 bash scripts/load.sh   (seconds per run, rounds; loopback only)
# The Redis rows use a private redis-server (no persistence) pinned to core 1 beside wrk, as a
# separate host would be: left to float, it lands on the server's core at random and the
# ratios swing. Without redis-server on PATH they use REDIS_URL (default 127.0.0.1:6379).
# Every round runs every server once, so a slow spell of this shared machine hits all of them;
# each line shows the median of the rounds, and ratios are ratios of medians.
# ONLY="bare-axum ours-axum" limits the run to those servers (and skips the later sections).
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${DUR:-10}
ROUNDS=${ROUNDS:-3}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
if command -v redis-server >/dev/null; then
  taskset -c 1 redis-server --port 6391 --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 &
  BENCH_REDIS=$!
  trap 'kill $BENCH_REDIS 2>/dev/null || true' EXIT
  for _ in $(seq 1 50); do redis-cli -p 6391 ping >/dev/null 2>&1 && break; sleep 0.1; done
  export REDIS_URL=redis://127.0.0.1:6391
fi
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet --manifest-path bench/Cargo.toml
BIN=bench/target/release/server
PORT=4173
URL="http://127.0.0.1:$PORT"

start() {
  local dj=""
  case "$1" in
    *django-sqlite-wal) dj=$DJ_WAL_URL ;;
    *django-sqlite) dj=$DJ_SQLITE_URL ;;
    *django-postgres) dj=$DJ_PG_URL ;;
  esac
  DJANGO_BENCH_DB=$dj BIND_ADDR=127.0.0.1:$PORT taskset -c 0 "$BIN" "$1" >/dev/null 2>&1 &
  SERVER=$!
  for _ in $(seq 1 200); do curl -s -o /dev/null "$URL/public" && return 0; sleep 0.05; done
  echo "server $1 did not start" >&2; exit 1
}
stop() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }

to_ms() { # wrk latency like 1.23ms / 456.00us / 1.02s -> ms
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v); print v } else { sub(/s$/, "", v); print v * 1000 } }'
}

declare -A RPS P50 P99 ALL
line() { printf '%-22s %10s req/s   p50 %6s ms   p99 %6s ms   %s\n' "$@"; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

SERVERS=()  # name mode baseline, in the order they run in each round
add() { if [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; then SERVERS+=("$1 $2 ${3:-}"); fi; }

measure() { # name mode: one wrk run; appends req/s, p50, p99 to the server's lists
  local name=$1 mode=$2
  start "$mode"
  local cookie
  cookie=$(curl -s -D - -o /dev/null -X POST "$URL/login" | tr -d '\r' | awk -F': ' 'tolower($1)=="set-cookie" {split($2, a, ";"); printf "%s; ", a[1]}')
  local anon authed
  anon=$(curl -s -o /dev/null -w '%{http_code}' "$URL/protected")
  authed=$(curl -s -H "Cookie: $cookie" "$URL/protected")
  if [ "$anon" = "200" ] && [ "$mode" != "bare-axum" ] && [ "$mode" != "bare-actix" ]; then echo "$name lets anonymous in" >&2; exit 1; fi
  if [ "$authed" != "ok" ]; then echo "$name refuses its own session cookie" >&2; exit 1; fi
  local out
  out=$(taskset -c 1 wrk -t1 -c32 -d"${DUR}s" --latency -H "Cookie: $cookie" "$URL/protected")
  stop
  local non2xx
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $4}')
  [ -z "$non2xx" ] || { echo "$name answered $non2xx non-2xx responses under load" >&2; exit 1; }
  RPS[$name]="${RPS[$name]:-} $(echo "$out" | awk '/Requests\/sec/ {print $2}')"
  P50[$name]="${P50[$name]:-} $(to_ms "$(echo "$out" | awk '$1=="50%" {print $2}')")"
  P99[$name]="${P99[$name]:-} $(to_ms "$(echo "$out" | awk '$1=="99%" {print $2}')")"
}

add bare-axum bare-axum
add ours-axum ours-axum bare-axum
add axum-login peer-axum-login bare-axum
add ours-axum-sqlite ours-axum-sqlite ours-axum
add ours-axum-redis ours-axum-redis bare-axum
add axum-login-redis peer-axum-login-redis bare-axum
add ours-axum-postgres ours-axum-postgres ours-axum-sqlite
add ours-axum-django-sqlite ours-axum-django-sqlite ours-axum-sqlite
add ours-axum-django-sqlite-wal ours-axum-django-sqlite-wal ours-axum-sqlite
add ours-axum-django-postgres ours-axum-django-postgres ours-axum-postgres
add bare-actix bare-actix
add ours-actix ours-actix bare-actix
add actix-web-grants peer-actix-grants bare-actix

# The Django modes run on databases a real Django 5.2 migrated (tests/django/djctl.py in the
# virtualenv of scripts/django-venv.sh): a SQLite file and a PostgreSQL database.
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
DJ_SQLITE_URL="" DJ_WAL_URL="" DJ_PG_URL=""
if [[ " ${SERVERS[*]} " == *django* ]]; then
  PY=$(bash scripts/django-venv.sh | tail -n1)
  DJ_SQLITE=/tmp/bench-django.db
  rm -f "$DJ_SQLITE"
  psql -q "$DATABASE_URL" -c 'DROP DATABASE IF EXISTS bench_django WITH (FORCE)' -c 'CREATE DATABASE bench_django' >/dev/null
  DJ_SQLITE_URL="sqlite://$DJ_SQLITE"
  DJ_PG_URL="${DATABASE_URL%/*}/bench_django"
  for db in "sqlite:///$DJ_SQLITE" "$DJ_PG_URL"; do
    echo '{"cmd": "migrate"}' | DJANGO_DB=$db DJANGO_SECRET_KEY=bench-django-key PYTHONDONTWRITEBYTECODE=1 "$PY" tests/django/djctl.py | grep -q '"ok": true' \
      || { echo "Django's migrate failed on $db" >&2; exit 1; }
  done
  # The same database in WAL mode (Django's default is a rollback journal; a project turns WAL
  # on with `"init_command": "PRAGMA journal_mode=WAL"` in its SQLite OPTIONS).
  cp "$DJ_SQLITE" /tmp/bench-django-wal.db
  "$PY" -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("PRAGMA journal_mode=WAL")' /tmp/bench-django-wal.db
  DJ_WAL_URL="sqlite:///tmp/bench-django-wal.db"
fi

echo "load: GET /protected, 32 connections, ${DUR}s per run, $ROUNDS rounds (every server once per round, interleaved), server on core 0, wrk on core 1; medians"
for round in $(seq 1 "$ROUNDS"); do
  for s in "${SERVERS[@]}"; do
    read -r name mode _ <<<"$s"
    measure "$name" "$mode"
  done
  echo "round $round done" >&2
done
for s in "${SERVERS[@]}"; do
  read -r name _ base <<<"$s"
  ALL[$name]=$(echo "${RPS[$name]}" | median)
  ratio=""
  if [ -n "$base" ] && [ -n "${ALL[$base]:-}" ]; then
    ratio=$(awk -v a="${ALL[$name]}" -v b="${ALL[$base]}" -v n="$base" 'BEGIN { printf "%.2f x %s", a / b, n }')
  fi
  line "$name" "$(printf '%.0f' "${ALL[$name]}")" "$(echo "${P50[$name]}" | median)" "$(echo "${P99[$name]}" | median)" "$ratio   (runs:${RPS[$name]})"
done
RPS=()
for k in "${!ALL[@]}"; do RPS[$k]=${ALL[$k]}; done

if [ -n "${ONLY:-}" ]; then exit 0; fi
target() { # label value goal (value >= goal is met)
  awk -v l="$1" -v v="$2" -v g="$3" 'BEGIN { if (v >= g) printf "target %-44s %.2f (goal >= %.2f): met\n", l, v, g; else printf "target %-44s %.2f (goal >= %.2f): short by %.0f%%\n", l, v, g, (g - v) / g * 100 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
target "ours-axum / bare-axum" "$(ratio "${RPS[ours-axum]}" "${RPS[bare-axum]}")" 0.90
target "ours-axum / axum-login" "$(ratio "${RPS[ours-axum]}" "${RPS[axum-login]}")" 1.30
target "ours-actix / bare-actix" "$(ratio "${RPS[ours-actix]}" "${RPS[bare-actix]}")" 0.90
target "ours-axum-redis / axum-login-redis" "$(ratio "${RPS[ours-axum-redis]}" "${RPS[axum-login-redis]}")" 1.30
target "ours-axum-sqlite / ours-axum (memory)" "$(ratio "${RPS[ours-axum-sqlite]}" "${RPS[ours-axum]}")" 0.50

# p99 of an unguarded route, idle and during a flood of logins (argon2 on the hashing
# threads), alternating ROUNDS times on one server; medians of each.
cat >/tmp/login.lua <<'LUA'
wrk.method = "POST"
LUA
start ours-axum
IDLE="" BUSY="" LOGINS=""
for _ in $(seq 1 "$ROUNDS"); do
  IDLE="$IDLE $(to_ms "$(taskset -c 1 wrk -t1 -c8 -d"${DUR}s" --latency "$URL/public" | awk '$1=="99%" {print $2}')")"
  taskset -c 1 wrk -t1 -c16 -d"$((DUR + 2))s" -s /tmp/login.lua "$URL/login" >/tmp/flood.txt &
  FLOOD=$!
  sleep 1
  BUSY="$BUSY $(to_ms "$(taskset -c 1 wrk -t1 -c8 -d"${DUR}s" --latency "$URL/public" | awk '$1=="99%" {print $2}')")"
  wait "$FLOOD"
  LOGINS="$LOGINS $(awk '/Requests\/sec/ {print $2}' /tmp/flood.txt)"
done
stop
awk -v i="$(echo "$IDLE" | median)" -v b="$(echo "$BUSY" | median)" -v l="$(echo "$LOGINS" | median)" -v ri="$IDLE" -v rb="$BUSY" 'BEGIN { printf "unguarded p99 (medians): idle %.2f ms, during %s logins/s %.2f ms (%.2f x idle; goal <= 2.00: %s)   (idle runs:%s; flood runs:%s)\n", i, l, b, b / i, (b / i <= 2 ? "met" : "missed"), ri, rb }'

cargo run --release --quiet --manifest-path bench/Cargo.toml --bin session_memory
