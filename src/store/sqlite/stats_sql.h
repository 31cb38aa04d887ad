// The statements of delivery statistics (0006), named here so that the SQLite
// tests can check their query plans: the count runs on the writer beside
// ingest, in record_attempt's transaction, and must not scan. Internal to the
// SQLite back end.
#pragma once

#include <string>
#include <string_view>

#include "model/delivery_stats.h"
#include "store/rows.h"

namespace promptjang::sqlite {

// Counts one attempt of event ?1 in its account's bucket starting at ?2: ?3 is
// 1 for a 2xx answer (else 0), ?4 the latency bucket of its duration. The
// account is the event's (found by its primary key); an unknown event counts
// nothing.
inline std::string count_attempt_sql() {
  std::string sql = "INSERT INTO delivery_stats (account_id, bucket_start, attempts, succeeded," +
                    rows::histogram_columns() + ") SELECT account_id, ?2, 1, ?3";
  for (int i = 0; i < kLatencyBuckets; ++i) sql += ", ?4 = " + std::to_string(i);
  sql +=
      " FROM events WHERE id = ?1"
      " ON CONFLICT (account_id, bucket_start) DO UPDATE SET attempts = attempts + 1,"
      " succeeded = succeeded + excluded.succeeded";
  for (int i = 0; i < kLatencyBuckets; ++i) {
    const std::string h = "h" + std::to_string(i);
    sql += ", " + h + " = " + h + " + excluded." + h;
  }
  return sql;
}

// The buckets of account ?1 starting in [?2, ?3), oldest first: bucket_start,
// attempts, succeeded, h0..h14. A search of the primary key.
inline std::string select_stats_sql() {
  return "SELECT bucket_start, attempts, succeeded," + rows::histogram_columns() +
         " FROM delivery_stats WHERE account_id = ?1 AND bucket_start >= ?2"
         " AND bucket_start < ?3 ORDER BY bucket_start";
}

// Deletes up to ?2 buckets (of any account) starting before ?1, oldest first,
// through delivery_stats_by_start.
inline constexpr std::string_view kDeleteStatsBefore =
    "DELETE FROM delivery_stats WHERE (account_id, bucket_start) IN ("
    " SELECT account_id, bucket_start FROM delivery_stats WHERE bucket_start < ?1"
    " ORDER BY bucket_start LIMIT ?2)";

}  // namespace promptjang::sqlite
