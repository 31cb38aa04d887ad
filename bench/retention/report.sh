#!/usr/bin/env bash
# Renders RESULTS.md (on stdout) from the data run.sh leaves in its work dir:
#   report.sh DIR > bench/retention/RESULTS.md
# DIR/runs.tsv has one line per run, tab-separated:
#   1 mode (on|off)  2 run  3 events/s  4 p50 ms  5 p99 ms  6 max ms  7 requests
#   8 stored  9 non-2xx  10 other errors  11 seeded  12 old left  13 deleted
#   14 pass end (s after wrk started, "-" when no pass ended)
# DIR/meta.env has the parameters and the build's identity (shell assignments).
# The machine is read here: render on the machine that ran.
set -euo pipefail

DIR=${1:?usage: report.sh WORK_DIR}
TSV=$DIR/runs.tsv
# shellcheck source=/dev/null
source "$DIR/meta.env"

# stat MODE COLUMN: "median min max" of one column of one mode.
stat() {
  awk -F'\t' -v m="$1" -v c="$2" '$1 == m { print $c }' "$TSV" | sort -g |
    awk '{ v[NR] = $1 } END {
      med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      print med, v[1], v[NR] }'
}
cell() {  # cell MODE COLUMN FORMAT -> "median (min–max)"
  local med lo hi
  read -r med lo hi < <(stat "$1" "$2")
  printf "$3 ($3–$3)" "$med" "$lo" "$hi"
}
sum() { awk -F'\t' -v m="$1" -v c="$2" '$1 == m { s += $c } END { print s + 0 }' "$TSV"; }

read -r on_rps on_rps_lo on_rps_hi < <(stat on 3)
read -r off_rps off_rps_lo off_rps_hi < <(stat off 3)
read -r on_p50 _ _ < <(stat on 4)
read -r off_p50 _ _ < <(stat off 4)
read -r on_p99 _ _ < <(stat on 5)
read -r off_p99 _ _ < <(stat off 5)
ratio=$(awk -v a="$on_rps" -v b="$off_rps" 'BEGIN { printf "%.2f", a / b }')
pct=$(awk -v a="$on_rps" -v b="$off_rps" 'BEGIN { printf "%.0f", (1 - a / b) * 100 }')
overlap=$(awk -v a="$on_rps_lo" -v b="$on_rps_hi" -v c="$off_rps_lo" -v d="$off_rps_hi" \
  'BEGIN { print (a <= d && c <= b) ? "overlap" : "do not overlap" }')
# How much of each on run's window the sweeper was deleting in (its first pass
# starts with wrk; it ends at "pass end", or is cut by the shutdown after wrk),
# and how fast it deleted.
read -r cover_min pass_ends del_rate < <(awk -F'\t' -v d="$DURATION" '
  $1 == "on" {
    pe = ($14 == "-") ? 0 : $14
    c = (pe > d ? d : (pe < 0 ? 0 : pe)) / d
    if (n++ == 0 || c < cmin) cmin = c
    ends = ends (ends == "" ? "" : ",") $14
    if (pe > 0) { rate += $13 / pe; k++ }
  }
  END { printf "%.0f %s %.0f\n", cmin * 100, ends, k ? rate / k : 0 }' "$TSV")

mem_gib=$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)

cat <<EOF
# Retention sweeper vs ingest throughput

Measured by \`bench/retention/run.sh\` on $run_date, rendered by \`bench/retention/report.sh\`. Re-run run.sh to reproduce.

## Machine

| | |
|---|---|
| nproc | $(nproc) |
| CPU | $cpu_model (as /proc/cpuinfo names it) |
| RAM | $mem_gib GiB |
| kernel | $(uname -r) |
| database on | $db_fs |
| load average (1, 5, 15 min) | $load_start before the runs, $load_end after |
| tools | $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2), sqlite3 $(sqlite3 --version | cut -d' ' -f1) |
| code | HEAD $code_head (src/ last changed in $code_src), $code_dirty uncommitted paths under src/ at build time; binary sha256 $bin_sha... |

The load generator and the server share the $(nproc) cores, and anything else running
on the machine (see the load average) competes with both: absolute numbers are
this machine's at that moment, the ratio of interleaved runs is the figure to read.

## Result

Median of $RUNS runs per mode, (min–max). $WRK_CONNS connections, $WRK_THREADS wrk threads,
${DURATION} s per run, 300-byte events, $SEED_EVENTS old events seeded before each run.
Every request is one event, answered 202 once it is committed and fsynced.

| sweeper | events/s | p50 ms | p99 ms | non-2xx | other errors | old events left after the run |
|---|---|---|---|---|---|---|
| on  | $(cell on 3 %.0f) | $(cell on 4 %.2f) | $(cell on 5 %.2f) | $(sum on 9) | $(sum on 10) | $(cell on 12 %.0f) of $SEED_EVENTS |
| off | $(cell off 3 %.0f) | $(cell off 4 %.2f) | $(cell off 5 %.2f) | $(sum off 9) | $(sum off 10) | $(cell off 12 %.0f) of $SEED_EVENTS |

**Reading.** With the sweeper deleting, ingest ran at ${ratio}× the throughput without it (median $(printf %.0f "$on_rps") vs $(printf %.0f "$off_rps") events/s, ${pct}% less; p50 $(printf %.2f "$on_p50") vs $(printf %.2f "$off_p50") ms, p99 $(printf %.2f "$on_p99") vs $(printf %.2f "$off_p99") ms); the min–max ranges of the two modes $overlap.
EOF
if ((cover_min >= 90)); then
  echo "The sweeper was deleting for at least ${cover_min}% of every on run's ${DURATION} s (its pass ended at ${pass_ends//,/, } s after wrk began, at about ${del_rate} events/s): this is the cost while it works through a backlog of old events, not the cost of an idle sweeper."
else
  echo "The sweeper was deleting for only ${cover_min}% of some on run's ${DURATION} s (its pass ended at ${pass_ends//,/, } s after wrk began, at about ${del_rate} events/s), so the on figure mixes sweeping and idle time: raise SEED_EVENTS for the cost of sweeping alone."
fi
cat <<EOF

## Per run

In the order they ran. *stored* is the new events in the database after the
server stopped; it is at least wrk's completed requests when every answer was a
202 (wrk may leave up to $WRK_CONNS requests unanswered at the end). *old left*
is counted right after wrk ends, with the server still up. *pass end* is when
the sweeper logged the end of its pass, in seconds after wrk started ("-": no
pass ended; a pass cut short by the shutdown logs what it deleted, just after wrk).

| sweeper | run | events/s | p50 ms | p99 ms | max ms | requests | stored | non-2xx | other errors | old left | deleted | pass end (s) |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
EOF
awk -F'\t' '{ printf "| %s | %s | %.0f | %.2f | %.2f | %.1f | %s | %s | %s | %s | %s | %s | %s |\n",
              $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12, $13, $14 }' "$TSV"
cat <<EOF

Build: ${build_s} s (incremental when build-bench/ existed). Runs: ${bench_s} s.

## Commands

Build:

\`\`\`sh
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DPJ_BUILD_TESTS=OFF
ninja -C build-bench promptjang
\`\`\`

Each run, in a fresh \`mktemp -d\` directory DIR (modes interleaved: on, off, on, off, ...;
\`--no-retention\` only in the off mode; PORT is read from the "listening on port" log line):

\`\`\`sh
build-bench/promptjang serve --listen 127.0.0.1:0 --database sqlite:DIR/pj.db --no-delivery [--no-retention]
#   read "  account:    acct_..." and "  API key:    pj_live_..." from its stdout
curl -sS -X POST http://127.0.0.1:PORT/api/v1/endpoints -H "Authorization: Bearer KEY" \\
  -H "Content-Type: application/json" -d '{"url":"https://example.com/h"}'      # -> EP
kill -TERM SERVER_PID; wait
sqlite3 DIR/pj.db <<SQL      # BASE_US = (now - 10 days) in unix microseconds
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $SEED_EVENTS)
INSERT INTO events (id, account_id, endpoint_id, event_type, status, payload, created_at,
                    next_attempt_at, attempt_count, idempotency_key, lease_until, cycle_base)
SELECT 'evt_00' || printf('%024d', i), 'ACCT', 'EP', 'bench.old', 'DELIVERED',
       CAST('{"event":"bench.old","data":{"pad":"xxx...261 x..."}}' AS BLOB), BASE_US + i, NULL, 0, NULL, NULL, 0
FROM n;
COMMIT;
SQL
sync
build-bench/promptjang serve --listen 127.0.0.1:0 --database sqlite:DIR/pj.db --no-delivery [--no-retention]
sleep ...   # on: until ${FIRST_PASS_S} s after "listening" (the sweeper's first pass); off: ${OFF_SETTLE_S} s
PJ_KEY=KEY wrk -t$WRK_THREADS -c$WRK_CONNS -d${DURATION}s --timeout ${WRK_TIMEOUT}s --latency \\
  -s bench/retention/ingest.lua http://127.0.0.1:PORT/api/v1/e/EP
sqlite3 DIR/pj.db "SELECT count(*) FROM events WHERE id < '$OLD_ID_BOUND'"    # old events left
kill -TERM SERVER_PID; wait
sqlite3 DIR/pj.db "SELECT count(*) FROM events WHERE id >= '$OLD_ID_BOUND'"   # new events stored
\`\`\`

## Notes

- The sweeper's first pass comes one full interval (60 s) after the server
  starts, not at start, and no flag shortens it; the on runs wait for it, so wrk
  and the first pass begin together. The off runs wait ${OFF_SETTLE_S} s instead: their
  server is idle either way (\`--no-delivery\`, \`--no-retention\`), and the
  \`sync\` after seeding keeps seed write-back out of both.
- The seed is one worst case: a backlog of expired events all due at once (as
  after a first start with old data, a downtime, or a move from pro's 30 days to
  starter's 7). In steady state a pass each minute finds about one minute's worth
  of events to delete, and the sweeper is idle most of the time.
- Every 202 is an fsynced group commit (\`synchronous=FULL\`): throughput depends
  on this disk's fsync latency as much as on the CPU.
EOF
