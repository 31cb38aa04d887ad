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
    "UPDATE events SET lease_until = $1"
    " WHERE id = ANY ($3::text[]) AND lease_owner = $2 AND status IN ('QUEUED', 'RETRYING')";

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

// Counts one event of account $1 in month $2, in this connection's shard.
inline constexpr std::string_view kCountEventInUsage =
    "INSERT INTO usage (account_id, month, shard, events) VALUES ($1, $2, pg_backend_pid(), 1)"
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

// Counts one attempt of event $1 in its account's bucket starting at $2: $3
// is 1 for a 2xx answer (else 0), $4 the latency bucket of its duration. An
// unknown event counts nothing.
inline std::string count_attempt_sql() {
  std::string sql =
      "INSERT INTO delivery_stats (account_id, bucket_start, shard, attempts, succeeded," +
      rows::histogram_columns() +
      ") SELECT account_id, $2::bigint, pg_backend_pid(), 1, $3::bigint";
  for (int i = 0; i < kLatencyBuckets; ++i) {
    sql += ", ($4::integer = " + std::to_string(i) + ")::integer";
  }
  sql +=
      " FROM events WHERE id = $1"
      " ON CONFLICT (account_id, bucket_start, shard) DO UPDATE SET"
      " attempts = delivery_stats.attempts + 1,"
      " succeeded = delivery_stats.succeeded + excluded.succeeded";
  for (int i = 0; i < kLatencyBuckets; ++i) {
    const std::string h = "h" + std::to_string(i);
    sql += ", " + h + " = delivery_stats." + h + " + excluded." + h;
  }
  return sql;
}

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
