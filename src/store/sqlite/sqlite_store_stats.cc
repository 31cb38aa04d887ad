// SqliteStore: delivery statistics (schema 0006, stats_sql.h). record_attempt
// counts each attempt in its account's bucket (sqlite_store_events.cc); here
// the buckets are read and old ones deleted.
// Threads: delivery_stats reads through the pool (a primary-key range of at
// most a few thousand rows); delete_delivery_stats_before is one short write
// transaction through the writer (run_sync), batched with ingest.
#include <string>

#include "query_helpers.h"
#include "reader_pool.h"
#include "sqlite_store.h"
#include "stats_sql.h"
#include "store/rows.h"
#include "write_queue.h"

namespace promptjang {

using sqlite::Connection;

Result<std::vector<DeliveryStatsBucket>> SqliteStore::delivery_stats(std::string_view account_id,
                                                                     TimePoint since,
                                                                     TimePoint until) {
  static const std::string kSql = sqlite::select_stats_sql();
  if (until <= since) return std::vector<DeliveryStatsBucket>{};
  auto db = readers_->acquire();
  auto rows = sqlite::query_all(*db, kSql, rows::read_stats_bucket, account_id, since, until);
  if (!rows) return sqlite::with_context(rows.status(), "read delivery statistics");
  return rows;
}

Result<int64_t> SqliteStore::delete_delivery_stats_before(TimePoint cutoff, int limit) {
  if (limit <= 0) return int64_t{0};
  int64_t deleted = 0;
  Status st = writer_->run_sync([&](Connection& db) -> Status {
    auto changed = sqlite::execute(db, sqlite::kDeleteStatsBefore, cutoff, limit);
    if (!changed) return sqlite::with_context(changed.status(), "delete old delivery statistics");
    deleted = *changed;
    return Status::ok();
  });
  if (!st) return st;
  return deleted;
}

}  // namespace promptjang
