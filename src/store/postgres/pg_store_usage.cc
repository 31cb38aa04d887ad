// PgStore: usage counts and retention (SPEC §1). insert_event counts an event
// in its account's usage month (pg_store_events.cc); here the count is read,
// and old events are deleted in short batches.
// Threads: count_usage reads through the pool; delete_events_before is one
// short op of the writer (run_sync), batched with ingest.
#include <chrono>
#include <string>

#include "core/ids.h"
#include "pg_pool.h"
#include "pg_query.h"
#include "pg_sql.h"
#include "pg_store.h"
#include "pg_writer.h"
#include "store/store_keys.h"

namespace promptjang {

using pg::Connection;

namespace {

// How far an event's id (its creation millisecond, core/ids.h) may lie after
// its created_at (as in the SQLite back end): an event whose id runs ahead by
// more is still deleted, by a later sweep.
constexpr std::chrono::milliseconds kIdClockSlack{1000};

}  // namespace

Result<int64_t> PgStore::count_usage(std::string_view account_id, std::string_view month) {
  if (!is_usage_month(month)) {
    return invalid_argument("usage month must be YYYY-MM, not '" + std::string(month) + "'");
  }
  auto db = pool_->acquire();
  if (!db) return db.status();
  return pg::query_one(
      **db, pg::kSumUsage, "", [](const pg::Row& r) { return r.int64(0); }, account_id, month);
}

Result<int64_t> PgStore::delete_events_before(std::string_view plan, TimePoint cutoff, int limit) {
  if (limit <= 0) return int64_t{0};
  // Every event created before the cutoff has an id below this bound.
  const auto last_ms = std::chrono::floor<std::chrono::milliseconds>(cutoff) + kIdClockSlack;
  const std::string id_bound = min_id_at(id_prefix::kEvent, last_ms.time_since_epoch().count() + 1);
  int64_t deleted = 0;
  Status st = writer_->run_sync([&](Connection& db) -> Status {
    auto changed = pg::execute(db, pg::kDeleteEventsBefore, plan, id_bound, cutoff, limit);
    if (!changed) {
      return pg::with_context(changed.status(),
                              "delete events of plan " + std::string(plan) + " before cutoff");
    }
    deleted = *changed;
    return Status::ok();
  });
  if (!st) return st;
  return deleted;
}

}  // namespace promptjang
