// The PostgreSQL store's larger statements, named in one place: the claim of
// due work, the Idempotency-Key lookup and usage count of ingest, retention,
// and the delivery statistics. PostgreSQL spellings of ../sqlite/claim_sql.h,
// usage_sql.h and stats_sql.h, with the same meaning. Internal to the
// PostgreSQL back end.
#pragma once

#include <string>
#include <string_view>

#include "model/delivery_stats.h"
#include "store/rows.h"

namespace promptjang::pg {

// Parameters: $1 now, $2 lease until, $3 limit, $4 excluded endpoint ids (a
// text[]), $5 per-endpoint limit, $6 the lease's owner, and with `only` $7
// the endpoints to look at (a text[]). Walks the live enabled endpoints (all, or those named),
// takes the first $5 due, unleased events of each from events_due_by_endpoint, locking them FOR
// UPDATE SKIP LOCKED (rows another node's claim or write holds are passed over, never waited for,
// never handed out twice), leases the oldest $3 of them and returns them (in no order). Run as one
// statement in its own transaction: the row locks last only as long as it does.
inline std::string claim_sql(bool only) {
  std::string sql =
      "WITH due AS ("
      " SELECT x.id, x.next_attempt_at FROM endpoints AS p CROSS JOIN LATERAL ("
      "  SELECT e.id, e.next_attempt_at FROM events AS e"
      "  WHERE e.endpoint_id = p.id AND e.status IN ('QUEUED', 'RETRYING')"
      "  AND e.next_attempt_at <= $1 AND (e.lease_until IS NULL OR e.lease_until <= $1)"
      "  ORDER BY e.next_attempt_at, e.id LIMIT $5 FOR UPDATE SKIP LOCKED) AS x"
      " WHERE p.enabled AND p.deleted_at IS NULL AND p.id <> ALL ($4::text[])";
  if (only) sql += " AND p.id = ANY ($7::text[])";
  sql +=
      " ORDER BY x.next_attempt_at, x.id LIMIT $3)"
      " UPDATE events AS ev SET lease_until = $2, lease_owner = $6 FROM due WHERE ev.id = due.id"
      " RETURNING ";
  // The RETURNING list names the updated table's columns.
  std::string_view columns = rows::kEventColumns;
  for (size_t start = 0; start < columns.size();) {
    size_t comma = columns.find(',', start);
    if (comma == std::string_view::npos) comma = columns.size();
    std::string_view col = columns.substr(start, comma - start);
    while (!col.empty() && col.front() == ' ') col.remove_prefix(1);
    if (start > 0) sql += ", ";
    sql += "ev.";
    sql += col;
    start = comma + 1;
  }
  return sql;
}

// renew_leases: $1 the new lease end, $2 the owner, $3 the event ids (a
// text[]), each found by its primary key. Only pending events still leased by
// the owner: recorded and released ones have no owner, and one another node
// claimed after this owner's lease ran out has that node as its owner.
inline constexpr std::string_view kRenewLeases =
    "UPDATE events SET lease_until = $1 WHERE id IN ("
    " SELECT id FROM events WHERE id = ANY ($3::text[]) AND lease_owner = $2"
    " AND status IN ('QUEUED', 'RETRYING') FOR UPDATE SKIP LOCKED)";

// Follows "SELECT <columns>": the newest event of endpoint $1 with
// Idempotency-Key $2 created at or after $3, of account $4 (naming the account
// keeps a mismatched request from learning another tenant's event id).
// Served by the partial index events_by_idempotency_key.
inline constexpr std::string_view kIdempotentOriginalFrom =
    " FROM events WHERE endpoint_id = $1 AND idempotency_key = $2 AND created_at >= $3"
    " AND account_id = $4 ORDER BY created_at DESC, id DESC LIMIT 1";

// Serializes the Idempotency-Key check of one (endpoint, key) across nodes:
// held to the end of the writer's transaction, so a second node's check waits
// for the first's commit and then sees its event (READ COMMITTED takes a new
// snapshot per statement).
inline constexpr std::string_view kLockIdempotencyKey =
    "SELECT pg_advisory_xact_lock(hashtextextended($1::text || '/' || $2::text, 0))";

// Stores a new event and counts it in its account's month, in this
// connection's shard: one statement, one round trip. A new event is QUEUED in
// its first cycle; $1 id, $2 account, $3 endpoint, $4 type, $5 payload, $6
// created_at, $7 next attempt, $8 Idempotency-Key, $9 lease until, $10 lease
// owner, $11 the usage month, $12 the ingest request's id.
inline constexpr std::string_view kInsertEvent =
    "WITH ev AS (INSERT INTO events (id, account_id, endpoint_id, event_type, status, payload,"
    " created_at, next_attempt_at, attempt_count, idempotency_key, cycle_base, lease_until,"
    " lease_owner, request_id)"
    " VALUES ($1, $2, $3, $4, 'QUEUED', $5, $6, $7, 0, $8, 0, $9, $10, $12)"
    " RETURNING account_id)"
    " INSERT INTO usage (account_id, month, shard, events)"
    " SELECT account_id, $11, pg_backend_pid(), 1 FROM ev"
    " ON CONFLICT (account_id, month, shard) DO UPDATE SET events = usage.events + 1";

// The events of account $1 in month $2: the sum of its shards.
inline constexpr std::string_view kSumUsage =
    "SELECT COALESCE(SUM(events), 0)::bigint FROM usage WHERE account_id = $1 AND month = $2";

// Deletes up to $4 events, oldest (by id) first, of the accounts on plan $1
// with an id below $2 and created_at below $3; attempts go by ON DELETE
// CASCADE. Each account's events are walked from its oldest through
// events_by_account (account_id, id), never past the id bound $2.
inline constexpr std::string_view kDeleteEventsBefore =
    "DELETE FROM events WHERE id IN ("
    " SELECT x.id FROM accounts AS a CROSS JOIN LATERAL ("
    "  SELECT e.id FROM events AS e"
    "  WHERE e.account_id = a.id AND e.id < $2 AND e.created_at < $3"
    "  ORDER BY e.id LIMIT $4) AS x"
    " WHERE a.plan = $1 ORDER BY x.id LIMIT $4)";

// Stores an attempt and counts it, in one statement (one round trip): inserts
// attempt ($1 event id, $2 number, $3 started_at, $4 duration_ms, $5 status
// code, $6 error, $7 response headers, $8 response body, $9 truncated) and
// counts it in its account's bucket starting at $10: $11 is 1 for a 2xx
// answer (else 0), $12 the latency bucket of its duration.
inline std::string record_attempt_sql() {
  std::string sql =
      "WITH a AS (INSERT INTO attempts (event_id, number, started_at, duration_ms, status_code,"
      " error, response_headers, response_body, response_truncated)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING event_id)"
      " INSERT INTO delivery_stats (account_id, bucket_start, shard, attempts, succeeded," +
      rows::histogram_columns() +
      ") SELECT e.account_id, $10::bigint, pg_backend_pid(), 1, $11::bigint";
  for (int i = 0; i < kLatencyBuckets; ++i) {
    sql += ", ($12::integer = " + std::to_string(i) + ")::integer";
  }
  sql +=
      " FROM a JOIN events AS e ON e.id = a.event_id"
      " ON CONFLICT (account_id, bucket_start, shard) DO UPDATE SET"
      " attempts = delivery_stats.attempts + 1,"
      " succeeded = delivery_stats.succeeded + excluded.succeeded";
  for (int i = 0; i < kLatencyBuckets; ++i) {
    const std::string h = "h" + std::to_string(i);
    sql += ", " + h + " = delivery_stats." + h + " + excluded." + h;
  }
  return sql;
}

// The event after its attempt ($1 new status, $2 next attempt, $3 attempt
// count, $4 event id): the attempt ends the lease, so the event is free for
// its next due time. An endpoint deleted while the attempt was in flight
// failed its pending events: a retry must not bring this one back to life, so
// a pending status becomes FAILED there. One statement, one round trip.
inline constexpr std::string_view kFinishAttempt =
    "UPDATE events AS e SET"
    " status = CASE WHEN $1::text IN ('QUEUED', 'RETRYING') AND p.deleted_at IS NOT NULL"
    "  THEN 'FAILED' ELSE $1::text END,"
    " next_attempt_at = CASE WHEN p.deleted_at IS NOT NULL THEN NULL ELSE $2::bigint END,"
    " attempt_count = $3, lease_until = NULL, lease_owner = NULL"
    " FROM endpoints AS p WHERE e.id = $4 AND p.id = e.endpoint_id";

// The buckets of account $1 starting in [$2, $3), oldest first: bucket_start,
// attempts, succeeded, h0..h14.
inline std::string select_stats_sql() {
  std::string sums;
  for (int i = 0; i < kLatencyBuckets; ++i) sums += ", SUM(h" + std::to_string(i) + ")::bigint";
  return "SELECT bucket_start, SUM(attempts)::bigint, SUM(succeeded)::bigint" + sums +
         " FROM delivery_stats WHERE account_id = $1 AND bucket_start >= $2"
         " AND bucket_start < $3 GROUP BY bucket_start ORDER BY bucket_start";
}

// Deletes up to $2 rows (buckets of any account and shard) starting before
// $1, oldest first.
inline constexpr std::string_view kDeleteStatsBefore =
    "DELETE FROM delivery_stats WHERE ctid IN ("
    " SELECT ctid FROM delivery_stats WHERE bucket_start < $1"
    " ORDER BY bucket_start LIMIT $2)";

}  // namespace promptjang::pg
