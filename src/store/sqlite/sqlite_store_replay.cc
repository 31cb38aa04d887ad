// SqliteStore: replay (SPEC §6). A replayed event goes back to QUEUED, due now,
// unleased, in a fresh attempt cycle (cycle_base = attempt_count); its attempts
// stay and their numbers go on counting.
// Threads: both methods are one write transaction through the writer
// (run_sync), so the status check and the update see the same row: a poller
// or a record_attempt cannot slip in between.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "query_helpers.h"
#include "sqlite_store.h"
#include "store/rows.h"
#include "write_queue.h"

namespace promptjang {

using sqlite::Connection;

namespace {

// Whether an event in `status` may be replayed (the endpoint's enabled flag
// does not matter: a replayed event of a disabled endpoint waits, SPEC §6).
Status check_replayable(std::string_view event_id, EventStatus status, bool endpoint_deleted,
                        bool force) {
  const std::string what = "event " + std::string(event_id);
  switch (status) {
    case EventStatus::kQueued:
    case EventStatus::kRetrying:
      return failed_precondition(what + " is already pending");
    case EventStatus::kDelivered:
      if (!force) return failed_precondition(what + " was delivered; replaying it needs force");
      break;
    case EventStatus::kFailed:
    case EventStatus::kExpired:
      break;
  }
  if (endpoint_deleted) {
    return failed_precondition(what + " cannot be replayed: its endpoint was deleted");
  }
  return Status::ok();
}

// The bulk replay of events in `status`: the status is a literal so that the
// partial index events_replayable (migration 0002) serves the statement, and
// the work is proportional to the events replayed, not to the endpoint's history.
std::string bulk_replay_sql(std::string_view status) {
  return "UPDATE events SET status = 'QUEUED', next_attempt_at = ?1,"
         " cycle_base = attempt_count, lease_until = NULL, lease_owner = NULL"
         " WHERE endpoint_id = ?3 AND status = '" +
         std::string(status) +
         "' AND created_at >= ?4 AND created_at < ?5"
         " AND account_id = ?2";
}

}  // namespace

Result<Event> SqliteStore::replay_event(std::string_view account_id, std::string_view event_id,
                                        bool force, TimePoint now) {
  static constexpr std::string_view kFind =
      "SELECT e.status, p.deleted_at IS NOT NULL FROM events AS e"
      " JOIN endpoints AS p ON p.id = e.endpoint_id WHERE e.id = ? AND e.account_id = ?";
  static const std::string kReplay =
      "UPDATE events SET status = 'QUEUED', next_attempt_at = ?1,"
      " cycle_base = attempt_count, lease_until = NULL, lease_owner = NULL"
      " WHERE id = ?2 RETURNING " +
      std::string(rows::kEventColumns);
  struct Found {
    std::optional<EventStatus> status;
    bool endpoint_deleted = false;
  };
  std::optional<Event> replayed;
  Status st = writer_->run_sync([&](Connection& db) -> Status {
    auto found = sqlite::query_one(
        db, kFind, "event " + std::string(event_id),
        [](const sqlite::Query& q) {
          return Found{parse_event_status(q.text(0)), q.boolean(1)};
        },
        event_id, account_id);
    if (!found) return found.status();
    // The CHECK constraint of the status column admits only the five names.
    if (!found->status) return internal_error("event " + std::string(event_id) + ": bad status");
    PJ_RETURN_IF_ERROR(check_replayable(event_id, *found->status, found->endpoint_deleted, force));
    auto rows = sqlite::query_all(db, kReplay, rows::read_event, now, event_id);
    if (!rows) return sqlite::with_context(rows.status(), "replay event " + std::string(event_id));
    // Found just above in this transaction of the only writer: one row, by its key.
    if (rows->size() != 1) {
      return internal_error("replay of event " + std::string(event_id) + " changed " +
                            std::to_string(rows->size()) + " rows");
    }
    replayed = std::move(rows->front());
    return Status::ok();
  });
  if (!st) return st;
  return std::move(*replayed);
}

// One UPDATE in one write transaction. A very large replay (hundreds of
// thousands of events) therefore holds the writer, and every write batched
// with it, for as long as it runs; callers that need to replay more should
// split the time range.
Result<int64_t> SqliteStore::replay_events(std::string_view account_id,
                                           std::string_view endpoint_id, EventStatus status,
                                           std::optional<TimePoint> since,
                                           std::optional<TimePoint> until, TimePoint now) {
  if (status != EventStatus::kExpired && status != EventStatus::kFailed) {
    return invalid_argument("bulk replay takes EXPIRED or FAILED events, not " +
                            std::string(event_status_name(status)));
  }
  static constexpr std::string_view kEndpoint =
      "SELECT 1 FROM endpoints WHERE id = ? AND account_id = ? AND deleted_at IS NULL";
  static const std::string kReplayExpired = bulk_replay_sql("EXPIRED");
  static const std::string kReplayFailed = bulk_replay_sql("FAILED");
  // Open bounds become the extremes of created_at (unix microseconds).
  const int64_t from = since ? to_unix_micros(*since) : std::numeric_limits<int64_t>::min();
  const int64_t to = until ? to_unix_micros(*until) : std::numeric_limits<int64_t>::max();
  int64_t replayed = 0;
  Status st = writer_->run_sync([&](Connection& db) -> Status {
    auto endpoint = sqlite::query_one(
        db, kEndpoint, "endpoint " + std::string(endpoint_id),
        [](const sqlite::Query&) { return true; }, endpoint_id, account_id);
    if (!endpoint) return endpoint.status();
    auto changed =
        sqlite::execute(db, status == EventStatus::kExpired ? kReplayExpired : kReplayFailed, now,
                        account_id, endpoint_id, from, to);
    if (!changed) {
      return sqlite::with_context(changed.status(),
                                  "replay events of endpoint " + std::string(endpoint_id));
    }
    replayed = *changed;
    return Status::ok();
  });
  if (!st) return st;
  return replayed;
}

}  // namespace promptjang
