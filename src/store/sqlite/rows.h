// The columns the store selects for each model type, and the functions that read
// a row of them back into the model (store/model/*.h <-> the schema of
// ../schema/sqlite). Keeping the column list next to its reader keeps the two in
// step. Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "model/account.h"
#include "model/api_key.h"
#include "model/endpoint.h"
#include "model/event.h"
#include "model/session.h"
#include "sqlite_db.h"

namespace promptjang::sqlite {

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

// Each reads the current row of `q`, selected with the matching column list.
Account read_account(const Query& q);
User read_user(const Query& q);
Session read_session(const Query& q);
ApiKey read_api_key(const Query& q);
Endpoint read_endpoint(const Query& q);
Event read_event(const Query& q);  // without attempts
Attempt read_attempt(const Query& q);

}  // namespace promptjang::sqlite
