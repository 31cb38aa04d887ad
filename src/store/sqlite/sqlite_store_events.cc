// SqliteStore: events and their delivery (claims with leases, releases, attempts).
// insert_event, release_event and record_attempt are asynchronous and batched by
// the writer (the ingest hot path); claim_due_events is one write transaction
// through it. insert_event also checks the Idempotency-Key and counts usage
// (usage_sql.h). Replay lives in sqlite_store_replay.cc.
#include <algorithm>
#include <string>
#include <tuple>

#include "claim_sql.h"
#include "core/ids.h"
#include "query_helpers.h"
#include "reader_pool.h"
#include "sqlite_store.h"
#include "stats_sql.h"
#include "store/rows.h"
#include "store/store_keys.h"
#include "usage_sql.h"
#include "write_queue.h"

namespace promptjang {

using sqlite::Connection;

void SqliteStore::insert_event(Event event, StoreCallback done) {
  static const std::string kOriginal = "SELECT id" + std::string(sqlite::kIdempotentOriginalFrom);
  writer_->submit(
      [event = std::move(event)](Connection& db) -> Status {
        auto what = [&event] { return "insert event " + event.id; };
        // The check and the insert are one op of the one writer: of concurrent
        // duplicates the first stores, the others find it (committed or not).
        if (event.idempotency_key) {
          auto original = sqlite::query_one(
              db, kOriginal, "", [](const sqlite::Query& q) { return q.text(0); },
              event.endpoint_id, *event.idempotency_key, event.created_at - kIdempotencyWindow,
              event.account_id);
          if (original) {
            return already_exists(what() + ": the Idempotency-Key of endpoint " +
                                  event.endpoint_id + " was used by event " + *original);
          }
          if (original.status().code() != StatusCode::kNotFound) {
            return sqlite::with_context(original.status(), what());
          }
        }
        // A new event is QUEUED in its first cycle, due at once unless told
        // otherwise, and leased when its ingesting node dispatches it itself.
        Status st =
            sqlite::execute(
                db,
                "INSERT INTO events (id, account_id, endpoint_id, event_type, status, payload,"
                " created_at, next_attempt_at, attempt_count, idempotency_key, cycle_base,"
                " lease_until, lease_owner, request_id)"
                " VALUES (?, ?, ?, ?, 'QUEUED', ?, ?, ?, 0, ?, 0, ?, ?, ?)",
                event.id, event.account_id, event.endpoint_id, event.event_type,
                sqlite::Blob{event.payload, /*borrowed=*/true}, event.created_at,
                event.next_attempt_at.value_or(event.created_at), event.idempotency_key,
                event.lease_until, event.lease_until ? event.lease_owner : std::nullopt,
                event.request_id)
                .status();
        if (!st) return sqlite::with_context(std::move(st), what());
        // Counted in the same savepoint: a failure here takes the event back out.
        st = sqlite::execute(db, sqlite::kCountEventInUsage, event.account_id,
                             usage_month(event.created_at))
                 .status();
        if (!st) return sqlite::with_context(std::move(st), what() + ": count usage");
        return st;
      },
      std::move(done));
}

Result<Event> SqliteStore::find_event_by_idempotency_key(std::string_view account_id,
                                                         std::string_view endpoint_id,
                                                         std::string_view key, TimePoint since) {
  static const std::string kSql =
      "SELECT " + std::string(rows::kEventColumns) + std::string(sqlite::kIdempotentOriginalFrom);
  auto db = readers_->acquire();
  return sqlite::query_one(*db, kSql, "event with that Idempotency-Key", rows::read_event,
                           endpoint_id, key, since, account_id);
}

Result<Event> SqliteStore::get_event(std::string_view account_id, std::string_view event_id) {
  static const std::string kEvent =
      "SELECT " + std::string(rows::kEventColumns) + " FROM events WHERE id = ? AND account_id = ?";
  static const std::string kAttempts = "SELECT " + std::string(rows::kAttemptColumns) +
                                       " FROM attempts WHERE event_id = ? ORDER BY number";
  auto db = readers_->acquire();
  sqlite::ReadTransaction snapshot(*db);  // the event and its attempts as of one moment
  if (!snapshot.status()) return snapshot.status();
  auto event = sqlite::query_one(*db, kEvent, "event " + std::string(event_id), rows::read_event,
                                 event_id, account_id);
  if (!event) return event.status();
  auto attempts = sqlite::query_all(*db, kAttempts, rows::read_attempt, event_id);
  if (!attempts) return attempts.status();
  event->attempts = std::move(*attempts);
  return std::move(*event);
}

Result<Page<Event>> SqliteStore::list_events(const EventFilter& f) {
  if (f.account_id.empty()) return invalid_argument("list events: account id is required");
  // The cursor is the last id of the previous page (ids sort by creation).
  if (f.cursor && !is_well_formed_id(*f.cursor, id_prefix::kEvent)) {
    return invalid_argument("invalid cursor");
  }
  // Numbered parameters: the SQL names only the filters given, the binding is
  // always the same eight values.
  std::string sql =
      "SELECT " + std::string(rows::kEventColumns) + " FROM events WHERE account_id = ?1";
  if (f.status) sql += " AND status = ?2";
  if (f.endpoint_id) sql += " AND endpoint_id = ?3";
  if (f.event_type) sql += " AND event_type = ?4";
  if (f.since) sql += " AND created_at >= ?5";
  if (f.until) sql += " AND created_at < ?6";
  if (f.cursor) sql += " AND id < ?7";
  sql += " ORDER BY id DESC LIMIT ?8";

  std::optional<std::string_view> status;
  if (f.status) status = event_status_name(*f.status);
  const int limit = sqlite::clamp_limit(f.limit);
  Result<std::vector<Event>> rows = [&] {
    auto db = readers_->acquire();
    // One row more than asked tells whether there is a next page.
    return sqlite::query_all(*db, sql, rows::read_event, f.account_id, status, f.endpoint_id,
                             f.event_type, f.since, f.until, f.cursor, limit + 1);
  }();
  if (!rows) return rows.status();
  Page<Event> page;
  page.items = std::move(*rows);
  if (page.items.size() > static_cast<size_t>(limit)) {
    page.items.pop_back();
    page.next_cursor = page.items.back().id;
  }
  return page;
}

Result<std::vector<Event>> SqliteStore::claim_due_events(const ClaimRequest& r) {
  if (r.limit <= 0) return std::vector<Event>{};
  // One statement, one write transaction (claim_sql.h).
  static const std::string kClaimAll = sqlite::claim_sql(false);
  static const std::string kClaimOnly = sqlite::claim_sql(true);
  // Endpoint ids travel as JSON array parameters (ids are plain base32:
  // nothing to escape).
  auto json_array = [](const std::vector<std::string>& ids) {
    std::string out = "[";
    for (size_t i = 0; i < ids.size(); ++i) out += (i ? ",\"" : "\"") + ids[i] + "\"";
    return out + "]";
  };
  const std::string excluded = json_array(r.exclude_endpoints);
  const std::string only = json_array(r.only_endpoints);
  std::vector<Event> claimed;
  Status st = writer_->run_sync([&](Connection& db) -> Status {
    auto rows = r.only_endpoints.empty()
                    ? sqlite::query_all(db, kClaimAll, rows::read_event, r.now, r.lease_until,
                                        r.limit, excluded, r.per_endpoint_limit, r.owner)
                    : sqlite::query_all(db, kClaimOnly, rows::read_event, r.now, r.lease_until,
                                        r.limit, excluded, r.per_endpoint_limit, r.owner, only);
    if (!rows) return sqlite::with_context(rows.status(), "claim due events");
    claimed = std::move(*rows);
    return Status::ok();
  });
  if (!st) return st;
  // RETURNING yields rows in no particular order: oldest due first.
  std::sort(claimed.begin(), claimed.end(), [](const Event& a, const Event& b) {
    return std::tie(a.next_attempt_at, a.id) < std::tie(b.next_attempt_at, b.id);
  });
  return claimed;
}

void SqliteStore::release_event(std::string_view event_id, StoreCallback done) {
  writer_->submit(
      [id = std::string(event_id)](Connection& db) {
        return sqlite::execute_one(
            db, "UPDATE events SET lease_until = NULL, lease_owner = NULL WHERE id = ?",
            "event " + id, id);
      },
      std::move(done));
}

Result<int64_t> SqliteStore::renew_leases(std::string_view owner,
                                          const std::vector<std::string>& event_ids,
                                          TimePoint lease_until) {
  if (event_ids.empty()) return int64_t{0};
  // Ids are our own [0-9a-z_] ids (the caller's held set): nothing to escape.
  std::string ids = "[";
  for (size_t i = 0; i < event_ids.size(); ++i) ids += (i ? ",\"" : "\"") + event_ids[i] + "\"";
  ids += "]";
  int64_t renewed = 0;
  Status st = writer_->run_sync([&](Connection& db) -> Status {
    auto n = sqlite::execute(db, sqlite::kRenewLeases, lease_until, owner, ids);
    if (!n) return sqlite::with_context(n.status(), "renew leases");
    renewed = *n;
    return Status::ok();
  });
  if (!st) return st;
  return renewed;
}

void SqliteStore::record_attempt(AttemptRecord record, StoreCallback done) {
  writer_->submit(
      [r = std::move(record)](Connection& db) -> Status {
        const Attempt& a = r.attempt;
        Status st =
            sqlite::execute(db,
                            "INSERT INTO attempts (event_id, number, started_at,"
                            " duration_ms, status_code, error, response_headers,"
                            " response_body, response_truncated)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            a.event_id, a.number, a.started_at, a.duration_ms, a.status_code,
                            a.error, a.response_headers,
                            sqlite::Blob{a.response_body, /*borrowed=*/true}, a.response_truncated)
                .status();
        if (!st) {
          return sqlite::with_context(std::move(st), "record attempt " + std::to_string(a.number) +
                                                         " of event " + a.event_id);
        }
        // The attempt ends the lease: the event is free for its next due time.
        st = sqlite::execute_one(db,
                                 "UPDATE events SET status = ?, next_attempt_at = ?,"
                                 " attempt_count = ?, lease_until = NULL, lease_owner = NULL"
                                 " WHERE id = ?",
                                 "event " + a.event_id, event_status_name(r.new_status),
                                 r.next_attempt_at, a.number, a.event_id);
        if (!st) return st;
        // Counted in the same savepoint (stats_sql.h): no attempt without its
        // count, no count without its attempt.
        static const std::string kCountAttempt = sqlite::count_attempt_sql();
        const bool succeeded = a.status_code && *a.status_code >= 200 && *a.status_code < 300;
        st = sqlite::execute(db, kCountAttempt, a.event_id, stats_bucket_start(a.started_at),
                             succeeded, latency_bucket(a.duration_ms))
                 .status();
        if (!st) return sqlite::with_context(std::move(st), "count attempt of " + a.event_id);
        // An endpoint deleted while the attempt was in flight failed its pending
        // events: a retry must not bring this one back to life.
        return sqlite::execute(db,
                               "UPDATE events SET status = 'FAILED', next_attempt_at = NULL"
                               " WHERE id = ? AND status IN ('QUEUED', 'RETRYING') AND"
                               " endpoint_id IN (SELECT id FROM endpoints"
                               " WHERE deleted_at IS NOT NULL)",
                               a.event_id)
            .status();
      },
      std::move(done));
}

}  // namespace promptjang
