#!/usr/bin/env bash
# Ingest throughput of `promptjang serve` with the retention sweeper deleting,
# against the same server with --no-retention. Writes bench/retention/RESULTS.md.
#
#   bench/retention/run.sh          # from anywhere; about 6 minutes of runs plus the build
#
# Per run (fresh temp dir each time, modes interleaved on, off, on, off, ...):
#   1. serve on an empty database: the bootstrap prints the account and API key;
#      create one endpoint with curl; SIGTERM the server.
#   2. seed SEED_EVENTS DELIVERED events of that account and endpoint, created 10
#      days ago (past the starter plan's 7 days), with the sqlite3 CLI in one
#      transaction; then `sync`, so no seed write-back competes with the run.
#   3. serve again with the same flags. With the sweeper on, wait for its first
#      pass: RetentionSweeper waits one full interval (SweeperOptions::interval,
#      60 s, no flag to change it) before its first pass, so wrk starts
#      FIRST_PASS_S after the server said "listening". With it off, wrk starts
#      after OFF_SETTLE_S.
#   4. wrk POSTs 300-byte events for DURATION seconds (ingest.lua); then count
#      the old events left (the sweeper was working during the run if this fell)
#      and the new ones stored (they match wrk's count when every answer was 202).
#
# Everything is on 127.0.0.1 (the server listens on port 0 and the script reads
# the port from its log), every wait is bounded, and only processes this script
# started are signalled, by PID. Knobs (environment): SEED_EVENTS, DURATION, RUNS,
# WRK_THREADS, WRK_CONNS, FIRST_PASS_S, OFF_SETTLE_S, BUILD_TRIES,
# BUILD_RETRY_WAIT_S, RESULTS.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/bench/retention
BUILD=$ROOT/build-bench
BIN=$BUILD/promptjang

SEED_EVENTS=${SEED_EVENTS:-500000}
DURATION=${DURATION:-20}
RUNS=${RUNS:-3}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-64}
WRK_TIMEOUT=${WRK_TIMEOUT:-10}  # s; a slower answer counts as an error, not a latency
FIRST_PASS_S=${FIRST_PASS_S:-60}
OFF_SETTLE_S=${OFF_SETTLE_S:-5}
BUILD_TRIES=${BUILD_TRIES:-4}
BUILD_RETRY_WAIT_S=${BUILD_RETRY_WAIT_S:-120}
RESULTS=${RESULTS:-$HERE/RESULTS.md}
OLD_ID_BOUND="evt_01"  # seeded ids are 'evt_00...'; ids made from 2004 to 2039 start 'evt_01'

log() { echo "[$(date +%T)] $*" >&2; }
calc() { awk "BEGIN { v = $*; printf \"%.3f\", (v < 0 ? 0 : v) }"; }  # calc EXPR, floored at 0
die() { log "error: $*"; exit 1; }

# --- tools -------------------------------------------------------------------

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v sqlite3 >/dev/null || need+=(sqlite3)
command -v curl >/dev/null || need+=(curl)
if ((${#need[@]})); then
  log "installing ${need[*]}"
  apt-get install -y "${need[@]}" >/dev/null || { apt-get update >/dev/null && apt-get install -y "${need[@]}" >/dev/null; }
fi

# --- build (others may be mid-edit: retry a few times) -----------------------

build_start=$(date +%s)
BUILD_LOG=$(mktemp /tmp/pj-retention-build.XXXXXX.log)
for try in $(seq 1 "$BUILD_TRIES"); do
  log "build attempt $try/$BUILD_TRIES (Release, $BUILD)"
  if cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPJ_BUILD_TESTS=OFF \
       >"$BUILD_LOG" 2>&1 &&
     ninja -C "$BUILD" promptjang >>"$BUILD_LOG" 2>&1; then
    break
  fi
  tail -n 15 "$BUILD_LOG" >&2
  ((try < BUILD_TRIES)) || die "the build failed $BUILD_TRIES times (log: $BUILD_LOG)"
  log "build failed; retrying in ${BUILD_RETRY_WAIT_S}s"
  sleep "$BUILD_RETRY_WAIT_S"
done
rm -f "$BUILD_LOG"
build_s=$(($(date +%s) - build_start))
# What was built: the tree may move on while the runs go.
code_head=$(git -C "$ROOT" rev-parse --short HEAD)
code_src=$(git -C "$ROOT" log -1 --format=%h -- src CMakeLists.txt)
code_dirty=$(git -C "$ROOT" status --porcelain -- src CMakeLists.txt | wc -l)
bin_sha=$(sha256sum "$BIN" | cut -c1-16)
log "built in ${build_s}s"

# --- server control ----------------------------------------------------------

WORK=$(mktemp -d /tmp/pj-retention-bench.XXXXXX)
SERVER_PID=""
PORT=""

stop_server() {  # SIGTERM, wait up to 40 s, then SIGKILL; only our own PID
  [[ -n "$SERVER_PID" ]] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 400); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    log "server $SERVER_PID ignored SIGTERM for 40 s: SIGKILL"
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

cleanup() {
  stop_server
  find "$WORK" -name 'pj.db*' -delete 2>/dev/null || true
  log "logs of every run: $WORK"
}
trap cleanup EXIT

# start_server DIR TAG FLAGS...: runs `promptjang serve FLAGS` with stdout in
# DIR/TAG.out and the log in DIR/TAG.err; sets SERVER_PID and PORT.
start_server() {
  local dir=$1 tag=$2
  shift 2
  "$BIN" serve "$@" >"$dir/$tag.out" 2>"$dir/$tag.err" &
  SERVER_PID=$!
  for _ in $(seq 1 600); do  # 30 s
    PORT=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$dir/$tag.err" | head -n 1)
    [[ -n "$PORT" ]] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$dir/$tag.err" >&2; die "the server exited at start"; }
    sleep 0.05
  done
  die "the server did not listen within 30 s"
}

count() {  # count DB WHERE
  sqlite3 -cmd ".timeout 10000" "$1" "SELECT count(*) FROM events WHERE $2;"
}

# --- one run -----------------------------------------------------------------

PAD=$(printf 'x%.0s' $(seq 1 261))
SEED_PAYLOAD="{\"event\":\"bench.old\",\"data\":{\"pad\":\"$PAD\"}}"  # 300 bytes
((${#SEED_PAYLOAD} == 300)) || die "seed payload is ${#SEED_PAYLOAD} bytes"

TSV=$WORK/runs.tsv
: >"$TSV"

run_one() {  # run_one on|off N
  local mode=$1 n=$2
  local dir
  dir=$(mktemp -d "$WORK/$mode-$n.XXXX")
  local flags=(--listen 127.0.0.1:0 --database "sqlite:$dir/pj.db" --no-delivery)
  [[ $mode == off ]] && flags+=(--no-retention)

  # 1. bootstrap, endpoint, stop.
  start_server "$dir" boot "${flags[@]}"
  local key acct ep
  key=$(sed -n 's/^  API key:    \(pj_live_[0-9A-Za-z]*\).*/\1/p' "$dir/boot.out")
  acct=$(sed -n 's/^  account:    \(acct_[0-9a-z]*\).*/\1/p' "$dir/boot.out")
  [[ -n "$key" && -n "$acct" ]] || die "no bootstrap key/account in $dir/boot.out"
  ep=$(curl -sS --max-time 10 -X POST "http://127.0.0.1:$PORT/api/v1/endpoints" \
         -H "Authorization: Bearer $key" -H "Content-Type: application/json" \
         -d '{"url":"https://example.com/h"}' | grep -o '"id":"ep_[0-9a-z]*"' | cut -d'"' -f4)
  [[ -n "$ep" ]] || die "endpoint creation failed"
  stop_server

  # 2. seed old events, 10 days back, in one transaction.
  local base_us=$((($(date +%s) - 10 * 86400) * 1000000))
  local t0=$(date +%s.%N)
  sqlite3 "$dir/pj.db" <<SQL
.bail on
.timeout 10000
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $SEED_EVENTS)
INSERT INTO events (id, account_id, endpoint_id, event_type, status, payload, created_at,
                    next_attempt_at, attempt_count, idempotency_key, lease_until, cycle_base)
SELECT 'evt_00' || printf('%024d', i), '$acct', '$ep', 'bench.old', 'DELIVERED',
       CAST('$SEED_PAYLOAD' AS BLOB), $base_us + i, NULL, 0, NULL, NULL, 0
FROM n;
COMMIT;
SQL
  sync
  local seeded
  seeded=$(count "$dir/pj.db" "id < '$OLD_ID_BOUND'")
  ((seeded == SEED_EVENTS)) || die "seeded $seeded events, wanted $SEED_EVENTS"
  log "$mode #$n: seeded $seeded events in $(calc "$(date +%s.%N) - $t0")s ($(du -m "$dir/pj.db" | cut -f1) MB)"

  # 3. serve again, same flags; wait for the sweeper's first pass (or settle).
  start_server "$dir" serve "${flags[@]}"
  local listening=$(date +%s.%N)
  if [[ $mode == on ]]; then
    sleep "$(calc "$listening + $FIRST_PASS_S - $(date +%s.%N)")"
  else
    sleep "$OFF_SETTLE_S"
  fi

  # 4. load.
  local wrk_start=$(date +%s.%N)
  PJ_KEY=$key timeout $((DURATION + 30)) wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"${DURATION}s" \
    --timeout "${WRK_TIMEOUT}s" --latency -s "$HERE/ingest.lua" \
    "http://127.0.0.1:$PORT/api/v1/e/$ep" >"$dir/wrk.txt" 2>&1 || { cat "$dir/wrk.txt" >&2; die "wrk failed"; }
  local wrk_end=$(date +%s.%N)
  local old_end
  old_end=$(count "$dir/pj.db" "id < '$OLD_ID_BOUND'")
  stop_server
  local stored
  stored=$(count "$dir/pj.db" "id >= '$OLD_ID_BOUND'")

  local r
  r=$(grep '^RESULT ' "$dir/wrk.txt") || { cat "$dir/wrk.txt" >&2; die "no RESULT line from wrk"; }
  field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$r"; }
  # Sweeper activity from its log: total deleted and when each pass ended,
  # relative to the start of wrk.
  local deleted=0 pass_end="-"
  while read -r stamp num; do
    deleted=$((deleted + num))
    pass_end=$(awk -v a="$(date -d "$stamp" +%s.%N)" -v b="$wrk_start" 'BEGIN { printf "%.1f", a - b }')
  done < <(sed -n 's/^\([0-9T:.-]*Z\) .*retention: deleted \([0-9]*\) expired.*/\1 \2/p' "$dir/serve.err")
  local errs=$(($(field connect_err) + $(field read_err) + $(field write_err) + $(field timeout_err)))
  printf '%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$mode" "$n" "$(field rps)" "$(field p50_ms)" "$(field p99_ms)" "$(field max_ms)" \
    "$(field requests)" "$stored" "$(field non2xx)" "$errs" "$seeded" "$old_end" "$deleted" \
    "$pass_end" >>"$TSV"
  log "$mode #$n: $(field rps) ev/s, p50 $(field p50_ms) ms, p99 $(field p99_ms) ms," \
      "non-2xx $(field non2xx), errors $errs, stored $stored/$(field requests)," \
      "old left $old_end, sweeper deleted $deleted (pass end at ${pass_end}s of wrk)," \
      "wrk took $(calc "$wrk_end - $wrk_start")s"
  find "$dir" -name 'pj.db*' -delete
}

bench_start=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for n in $(seq 1 "$RUNS"); do
  run_one on "$n"
  run_one off "$n"
done
bench_s=$(($(date +%s) - bench_start))
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report (report.sh renders RESULTS.md from runs.tsv and meta.env) --------

{
  for v in SEED_EVENTS DURATION RUNS WRK_THREADS WRK_CONNS WRK_TIMEOUT FIRST_PASS_S OFF_SETTLE_S \
           OLD_ID_BOUND build_s bench_s load_start load_end code_head code_src code_dirty bin_sha; do
    printf '%s=%q\n' "$v" "${!v}"
  done
  printf 'run_date=%q\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf 'db_fs=%q\n' "$(df -PT "$WORK" | awk 'NR == 2 { print $2 " on " $1 }')"
} >"$WORK/meta.env"
"$HERE/report.sh" "$WORK" >"$RESULTS"
log "wrote $RESULTS"
