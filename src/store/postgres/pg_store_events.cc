// PgStore: events and their delivery (claims with leases, releases, attempts).
// insert_event, release_event and record_attempt are asynchronous and batched
// by the writer (the ingest hot path); insert_event also checks the
// Idempotency-Key and counts usage in its op. claim_due_events is one
// statement on a pooled connection, FOR UPDATE SKIP LOCKED (pg_sql.h), so
// claims run beside the writer and beside other nodes' claims.
// Replay lives in pg_store_replay.cc.
#include <algorithm>
#include <string>
#include <tuple>

#include "core/ids.h"
#include "pg_pool.h"
#include "pg_query.h"
#include "pg_sql.h"
#include "pg_store.h"
#include "pg_writer.h"
#include "store/rows.h"
#include "store/store_keys.h"

namespace promptjang {

using pg::Connection;

namespace {

// `ids` as a PostgreSQL array literal ('{"a","b"}'), each element quoted.
std::string text_array(const std::vector<std::string>& ids) {
  std::string out = "{";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : ids[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

}  // namespace

void PgStore::insert_event(Event event, StoreCallback done) {
  static const std::string kOriginal = "SELECT id" + std::string(pg::kIdempotentOriginalFrom);
  writer_->submit(
      [event = std::move(event)](Connection& db) -> Status {
        auto what = [&event] { return "insert event " + event.id; };
        // The check and the insert are one op: of this node's concurrent
        // duplicates the first stores and the others find it (same
        // transaction); another node's wait on the key's lock until it commits.
        if (event.idempotency_key) {
          PJ_RETURN_IF_ERROR(pg::with_context(
              pg::execute(db, pg::kLockIdempotencyKey, event.endpoint_id, *event.idempotency_key)
                  .status(),
              what()));
          auto original = pg::query_one(
              db, kOriginal, "", [](const pg::Row& r) { return r.text(0); }, event.endpoint_id,
              *event.idempotency_key, event.created_at - kIdempotencyWindow, event.account_id);
          if (original) {
            return already_exists(what() + ": the Idempotency-Key of endpoint " +
                                  event.endpoint_id + " was used by event " + *original);
          }
          if (original.status().code() != StatusCode::kNotFound) {
            return pg::with_context(original.status(), what());
          }
        }
        // Due at once unless told otherwise, and leased when its ingesting
        // node dispatches it itself; counted in the same statement, so a
        // failure of either stores neither.
        return pg::with_context(
            pg::execute(db, pg::kInsertEvent, event.id, event.account_id, event.endpoint_id,
                        event.event_type, pg::Bytes{event.payload}, event.created_at,
                        event.next_attempt_at.value_or(event.created_at), event.idempotency_key,
                        event.lease_until, event.lease_until ? event.lease_owner : std::nullopt,
                        usage_month(event.created_at), event.request_id)
                .status(),
            what());
      },
      std::move(done));
}

Result<Event> PgStore::find_event_by_idempotency_key(std::string_view account_id,
                                                     std::string_view endpoint_id,
                                                     std::string_view key, TimePoint since) {
  static const std::string kSql =
      "SELECT " + std::string(rows::kEventColumns) + std::string(pg::kIdempotentOriginalFrom);
  auto db = pool_->acquire();
  if (!db) return db.status();
  return pg::query_one(**db, kSql, "event with that Idempotency-Key", rows::read_event, endpoint_id,
                       key, since, account_id);
}

Result<Event> PgStore::get_event(std::string_view account_id, std::string_view event_id) {
  static const std::string kEvent = "SELECT " + std::string(rows::kEventColumns) +
                                    " FROM events WHERE id = $1 AND account_id = $2";
  static const std::string kAttempts = "SELECT " + std::string(rows::kAttemptColumns) +
                                       " FROM attempts WHERE event_id = $1 ORDER BY number";
  auto db = pool_->acquire();
  if (!db) return db.status();
  pg::ReadTransaction snapshot(**db);  // the event and its attempts as of one moment
  if (!snapshot.status()) return snapshot.status();
  auto event = pg::query_one(**db, kEvent, "event " + std::string(event_id), rows::read_event,
                             event_id, account_id);
  if (!event) return event.status();
  auto attempts = pg::query_all(**db, kAttempts, rows::read_attempt, event_id);
  if (!attempts) return attempts.status();
  event->attempts = std::move(*attempts);
  return std::move(*event);
}

Result<Page<Event>> PgStore::list_events(const EventFilter& f) {
  if (f.account_id.empty()) return invalid_argument("list events: account id is required");
  // The cursor is the last id of the previous page (ids sort by creation).
  if (f.cursor && !is_well_formed_id(*f.cursor, id_prefix::kEvent)) {
    return invalid_argument("invalid cursor");
  }
  // The SQL names only the filters given, each with the next parameter.
  std::string sql =
      "SELECT " + std::string(rows::kEventColumns) + " FROM events WHERE account_id = $1";
  pg::Params params;
  params.add(f.account_id);
  auto next = [&sql, &params](std::string_view condition, const auto& value) {
    params.add(value);
    sql += condition;
    sql += "$" + std::to_string(params.size());
  };
  if (f.status) next(" AND status = ", event_status_name(*f.status));
  if (f.endpoint_id) next(" AND endpoint_id = ", *f.endpoint_id);
  if (f.event_type) next(" AND event_type = ", *f.event_type);
  if (f.since) next(" AND created_at >= ", *f.since);
  if (f.until) next(" AND created_at < ", *f.until);
  if (f.cursor) next(" AND id < ", *f.cursor);
  const int limit = pg::clamp_limit(f.limit);
  next(" ORDER BY id DESC LIMIT ", limit + 1);  // one more row tells of a next page

  auto db = pool_->acquire();
  if (!db) return db.status();
  auto rows = (*db)->query(sql, params);
  if (!rows) return rows.status();
  Page<Event> page;
  for (int i = 0; i < rows->size(); ++i) page.items.push_back(rows::read_event(rows->row(i)));
  if (page.items.size() > static_cast<size_t>(limit)) {
    page.items.pop_back();
    page.next_cursor = page.items.back().id;
  }
  return page;
}

Result<std::vector<Event>> PgStore::claim_due_events(const ClaimRequest& r) {
  if (r.limit <= 0) return std::vector<Event>{};
  static const std::string kClaimAll = pg::claim_sql(false);
  static const std::string kClaimOnly = pg::claim_sql(true);
  const std::string excluded = text_array(r.exclude_endpoints);
  auto db = pool_->acquire();
  if (!db) return db.status();
  // One statement in its own transaction (autocommit): its row locks end with it.
  auto claimed =
      r.only_endpoints.empty()
          ? pg::query_all(**db, kClaimAll, rows::read_event, r.now, r.lease_until, r.limit,
                          excluded, r.per_endpoint_limit, r.owner)
          : pg::query_all(**db, kClaimOnly, rows::read_event, r.now, r.lease_until, r.limit,
                          excluded, r.per_endpoint_limit, r.owner, text_array(r.only_endpoints));
  if (!claimed) return pg::with_context(claimed.status(), "claim due events");
  // RETURNING yields rows in no particular order: oldest due first.
  std::sort(claimed->begin(), claimed->end(), [](const Event& a, const Event& b) {
    return std::tie(a.next_attempt_at, a.id) < std::tie(b.next_attempt_at, b.id);
  });
  return claimed;
}

void PgStore::release_event(std::string_view event_id, StoreCallback done) {
  writer_->submit(
      [id = std::string(event_id)](Connection& db) {
        return pg::execute_one(
            db, "UPDATE events SET lease_until = NULL, lease_owner = NULL WHERE id = $1",
            "event " + id, id);
      },
      std::move(done));
}

Result<int64_t> PgStore::renew_leases(std::string_view owner,
                                      const std::vector<std::string>& event_ids,
                                      TimePoint lease_until) {
  if (event_ids.empty()) return int64_t{0};
  const std::string ids = text_array(event_ids);
  // One statement on a pooled connection, beside the writer: through the
  // writer, a renewal waited behind every queued write (seconds under a
  // backlog) and the claimer, which renews, stopped claiming meanwhile. It
  // never waits for a row lock (SKIP LOCKED), so it cannot deadlock with the
  // writer's transaction; a row it skips is one the writer is recording right
  // now, whose lease that record ends anyway.
  auto db = pool_->acquire();
  if (!db) return db.status();
  auto n = pg::execute(**db, pg::kRenewLeases, lease_until, owner, ids);
  if (!n) return pg::with_context(n.status(), "renew leases");
  return *n;
}

void PgStore::record_attempt(AttemptRecord record, StoreCallback done) {
  writer_->submit(
      [r = std::move(record)](Connection& db) -> Status {
        static const std::string kRecordAttempt = pg::record_attempt_sql();
        const Attempt& a = r.attempt;
        const bool succeeded = a.status_code && *a.status_code >= 200 && *a.status_code < 300;
        // The attempt and its count: no attempt without its count.
        Status st =
            pg::execute(db, kRecordAttempt, a.event_id, a.number, a.started_at, a.duration_ms,
                        a.status_code, a.error, a.response_headers, pg::Bytes{a.response_body},
                        a.response_truncated, stats_bucket_start(a.started_at), succeeded ? 1 : 0,
                        latency_bucket(a.duration_ms))
                .status();
        if (!st) {
          return pg::with_context(std::move(st), "record attempt " + std::to_string(a.number) +
                                                     " of event " + a.event_id);
        }
        return pg::execute_one(db, pg::kFinishAttempt, "event " + a.event_id,
                               event_status_name(r.new_status), r.next_attempt_at, a.number,
                               a.event_id);
      },
      std::move(done));
}

}  // namespace promptjang
