// SqliteStore: usage counts and retention (SPEC §1). insert_event counts an
// event in its account's usage month (sqlite_store_events.cc); here the count
// is read, and old events are deleted in short batches.
// Threads: count_usage reads through the pool; delete_events_before is one
// short write transaction through the writer (run_sync), batched with ingest.
#include <chrono>
#include <string>

#include "core/ids.h"
#include "query_helpers.h"
#include "reader_pool.h"
#include "sqlite_store.h"
#include "store/store_keys.h"
#include "usage_sql.h"
#include "write_queue.h"

namespace promptjang {

using sqlite::Connection;

namespace {

// How far an event's id (its creation millisecond, core/ids.h) may lie after
// its created_at: the ingest path makes both from one clock a moment apart;
// a clock stepped back makes ids run ahead by the step. An event whose id runs
// ahead by more is still deleted, by a later sweep.
constexpr std::chrono::milliseconds kIdClockSlack{1000};

}  // namespace

Result<int64_t> SqliteStore::count_usage(std::string_view account_id, std::string_view month) {
  if (!is_usage_month(month)) {
    return invalid_argument("usage month must be YYYY-MM, not '" + std::string(month) + "'");
  }
  auto db = readers_->acquire();
  auto events = sqlite::query_one(
      *db, "SELECT events FROM usage WHERE account_id = ? AND month = ?", "",
      [](const sqlite::Query& q) { return q.int64(0); }, account_id, month);
  if (!events && events.status().code() == StatusCode::kNotFound) return int64_t{0};
  return events;
}

Result<int64_t> SqliteStore::delete_events_before(std::string_view plan, TimePoint cutoff,
                                                  int limit) {
  if (limit <= 0) return int64_t{0};
  // Every event created before the cutoff has an id below this bound, so the
  // walk of each account's events stops soon after the cutoff.
  const auto last_ms = std::chrono::floor<std::chrono::milliseconds>(cutoff) + kIdClockSlack;
  const std::string id_bound = min_id_at(id_prefix::kEvent, last_ms.time_since_epoch().count() + 1);
  int64_t deleted = 0;
  Status st = writer_->run_sync([&](Connection& db) -> Status {
    auto changed = sqlite::execute(db, sqlite::kDeleteEventsBefore, plan, id_bound, cutoff, limit);
    if (!changed) {
      return sqlite::with_context(changed.status(),
                                  "delete events of plan " + std::string(plan) + " before cutoff");
    }
    deleted = *changed;
    return Status::ok();
  });
  if (!st) return st;
  return deleted;
}

}  // namespace promptjang
