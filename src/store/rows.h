// The columns both SQL back ends select for each model type, and the readers
// that turn a row of them back into the model (model/*.h <-> the schemas of
// schema/sqlite and schema/postgres, which name and order these columns alike).
// Keeping the column list next to its reader keeps the two in step.
//
// A reader is a generic callable over a back end's row: anything with
// text/blob/int64/boolean/time and their opt_ forms (sqlite::Query,
// pg::Row), so `rows::read_event` can be handed to query_one/query_all as is.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "model/account.h"
#include "model/api_key.h"
#include "model/delivery_stats.h"
#include "model/endpoint.h"
#include "model/event.h"
#include "model/session.h"

namespace promptjang::rows {

inline constexpr std::string_view kAccountColumns = "id, name, plan, created_at";
inline constexpr std::string_view kUserColumns = "id, account_id, email, password_hash, created_at";
inline constexpr std::string_view kSessionColumns =
    "token_hash, user_id, account_id, csrf_token, created_at, expires_at";
inline constexpr std::string_view kApiKeyColumns =
    "id, account_id, name, prefix, hash, created_at, last_used_at, revoked_at";
inline constexpr std::string_view kEndpointColumns =
    "id, account_id, url, description, enabled, secret, previous_secret,"
    " previous_secret_expires_at, created_at, updated_at";
inline constexpr std::string_view kEventColumns =
    "id, account_id, endpoint_id, event_type, status, payload, created_at,"
    " next_attempt_at, attempt_count, idempotency_key, cycle_base, lease_until, request_id";
inline constexpr std::string_view kAttemptColumns =
    "event_id, number, started_at, duration_ms, status_code, error, response_headers,"
    " response_body, response_truncated";

inline constexpr auto read_account = [](const auto& r) {
  return Account{.id = r.text(0), .name = r.text(1), .plan = r.text(2), .created_at = r.time(3)};
};

inline constexpr auto read_user = [](const auto& r) {
  return User{.id = r.text(0),
              .account_id = r.text(1),
              .email = r.text(2),
              .password_hash = r.text(3),
              .created_at = r.time(4)};
};

inline constexpr auto read_session = [](const auto& r) {
  return Session{.token_hash = r.text(0),
                 .user_id = r.text(1),
                 .account_id = r.text(2),
                 .csrf_token = r.text(3),
                 .created_at = r.time(4),
                 .expires_at = r.time(5)};
};

inline constexpr auto read_api_key = [](const auto& r) {
  return ApiKey{.id = r.text(0),
                .account_id = r.text(1),
                .name = r.text(2),
                .prefix = r.text(3),
                .hash = r.text(4),
                .created_at = r.time(5),
                .last_used_at = r.opt_time(6),
                .revoked_at = r.opt_time(7)};
};

inline constexpr auto read_endpoint = [](const auto& r) {
  return Endpoint{.id = r.text(0),
                  .account_id = r.text(1),
                  .url = r.text(2),
                  .description = r.text(3),
                  .enabled = r.boolean(4),
                  .secret = r.text(5),
                  .previous_secret = r.opt_text(6),
                  .previous_secret_expires_at = r.opt_time(7),
                  .created_at = r.time(8),
                  .updated_at = r.time(9)};
};

// Without its attempts.
inline constexpr auto read_event = [](const auto& r) {
  Event e;
  e.id = r.text(0);
  e.account_id = r.text(1);
  e.endpoint_id = r.text(2);
  e.event_type = r.opt_text(3);
  // The CHECK constraint of the status column admits only the five names.
  e.status = parse_event_status(r.text(4)).value_or(EventStatus::kQueued);
  e.payload = r.blob(5);
  e.created_at = r.time(6);
  e.next_attempt_at = r.opt_time(7);
  e.attempt_count = static_cast<int>(r.int64(8));
  e.idempotency_key = r.opt_text(9);
  e.cycle_base = static_cast<int>(r.int64(10));
  e.lease_until = r.opt_time(11);
  e.request_id = r.opt_text(12);
  return e;
};

inline constexpr auto read_attempt = [](const auto& r) {
  Attempt a;
  a.event_id = r.text(0);
  a.number = static_cast<int>(r.int64(1));
  a.started_at = r.time(2);
  a.duration_ms = r.int64(3);
  if (auto code = r.opt_int64(4)) a.status_code = static_cast<int>(*code);
  a.error = r.opt_text(5);
  a.response_headers = r.text(6);
  a.response_body = r.blob(7);
  a.response_truncated = r.boolean(8);
  return a;
};

// A delivery-statistics bucket: bucket_start, attempts, succeeded, h0..h14
// (summed over shards on PostgreSQL).
inline constexpr auto read_stats_bucket = [](const auto& r) {
  DeliveryStatsBucket b;
  b.start = r.time(0);
  b.attempts = r.int64(1);
  b.succeeded = r.int64(2);
  for (int i = 0; i < kLatencyBuckets; ++i) b.latency[i] = r.int64(3 + i);
  return b;
};

// " h0, h1, ..., h14": the latency histogram's columns.
inline std::string histogram_columns() {
  std::string out;
  for (int i = 0; i < kLatencyBuckets; ++i) out += (i ? ", h" : " h") + std::to_string(i);
  return out;
}

}  // namespace promptjang::rows
