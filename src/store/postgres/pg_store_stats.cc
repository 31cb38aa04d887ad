// PgStore: delivery statistics (pg_sql.h). record_attempt counts each attempt
// in its account's bucket (pg_store_events.cc); here the buckets are read and
// old ones deleted.
// Threads: delivery_stats reads through the pool; delete_delivery_stats_before
// is one short op of the writer (run_sync), batched with ingest.
#include <string>

#include "pg_pool.h"
#include "pg_query.h"
#include "pg_sql.h"
#include "pg_store.h"
#include "pg_writer.h"
#include "store/rows.h"

namespace promptjang {

using pg::Connection;

Result<std::vector<DeliveryStatsBucket>> PgStore::delivery_stats(std::string_view account_id,
                                                                 TimePoint since, TimePoint until) {
  static const std::string kSql = pg::select_stats_sql();
  if (until <= since) return std::vector<DeliveryStatsBucket>{};
  auto db = pool_->acquire();
  if (!db) return db.status();
  auto rows = pg::query_all(**db, kSql, rows::read_stats_bucket, account_id, since, until);
  if (!rows) return pg::with_context(rows.status(), "read delivery statistics");
  return rows;
}

Result<int64_t> PgStore::delete_delivery_stats_before(TimePoint cutoff, int limit) {
  if (limit <= 0) return int64_t{0};
  int64_t deleted = 0;
  Status st = writer_->run_sync([&](Connection& db) -> Status {
    auto changed = pg::execute(db, pg::kDeleteStatsBefore, cutoff, limit);
    if (!changed) return pg::with_context(changed.status(), "delete old delivery statistics");
    deleted = *changed;
    return Status::ok();
  });
  if (!st) return st;
  return deleted;
}

}  // namespace promptjang
