// The columns the PostgreSQL store selects for each model type, and the
// functions that read a row of them back into the model (model/*.h <-> the
// schema of ../schema/postgres). The lists match the SQLite back end's, so
// both read the same shapes. Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "model/account.h"
#include "model/api_key.h"
#include "model/endpoint.h"
#include "model/event.h"
#include "model/session.h"
#include "pg_conn.h"

namespace promptjang::pg {

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
    " next_attempt_at, attempt_count, idempotency_key, cycle_base, lease_until";
inline constexpr std::string_view kAttemptColumns =
    "event_id, number, started_at, duration_ms, status_code, error, response_headers,"
    " response_body, response_truncated";

// Each reads a row selected with the matching column list.
Account read_account(const Row& r);
User read_user(const Row& r);
Session read_session(const Row& r);
ApiKey read_api_key(const Row& r);
Endpoint read_endpoint(const Row& r);
Event read_event(const Row& r);  // without attempts
Attempt read_attempt(const Row& r);

}  // namespace promptjang::pg
