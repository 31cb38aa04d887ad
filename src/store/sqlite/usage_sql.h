// The statements of usage counting, the Idempotency-Key check and retention,
// named here so that the SQLite tests can check their query plans (none of
// them may scan the events table: each runs on the writer, beside ingest).
// Internal to the SQLite back end.
#pragma once

#include <string_view>

namespace promptjang::sqlite {

// Follows "SELECT <columns>": the newest event of endpoint ?1 with
// Idempotency-Key ?2 created at or after ?3, of account ?4 (an endpoint's
// events are all its account's; naming the account keeps a mismatched request
// from learning another tenant's event id). Served by the partial index
// events_by_idempotency_key (0001).
inline constexpr std::string_view kIdempotentOriginalFrom =
    " FROM events WHERE endpoint_id = ?1 AND idempotency_key = ?2 AND created_at >= ?3"
    " AND account_id = ?4 ORDER BY created_at DESC, id DESC LIMIT 1";

// Counts one event of account ?1 in month ?2.
inline constexpr std::string_view kCountEventInUsage =
    "INSERT INTO usage (account_id, month, events) VALUES (?1, ?2, 1)"
    " ON CONFLICT (account_id, month) DO UPDATE SET events = events + 1";

// Deletes up to ?4 events, oldest (by id) first, of the accounts on plan ?1
// with an id below ?2 and created_at below ?3; attempts go by ON DELETE CASCADE.
// Each account's events are walked from its oldest through events_by_account
// (account_id, id), at most ?4 of them and never past the id bound ?2: the
// work is bounded by the accounts on the plan and the batch, not by the
// table (a primary-key walk would cross every older event of the other plan).
inline constexpr std::string_view kDeleteEventsBefore =
    "DELETE FROM events WHERE id IN ("
    " SELECT e.id FROM accounts AS a, events AS e"
    " WHERE a.plan = ?1 AND e.id IN ("
    "  SELECT x.id FROM events AS x"
    "  WHERE x.account_id = a.id AND x.id < ?2 AND x.created_at < ?3"
    "  ORDER BY x.id LIMIT ?4)"
    " ORDER BY e.id LIMIT ?4)";

}  // namespace promptjang::sqlite
