// The claim statement of SqliteStore::claim_due_events, named here so that the
// SQLite tests can check its query plan (it must find due work through
// events_due_by_endpoint, never by walking the events table). Internal to the
// SQLite back end.
//
// Parameters: ?1 now, ?2 lease until, ?3 limit, ?4 excluded endpoint ids (a
// JSON array), ?5 per-endpoint limit, ?6 the lease's owner, and with `only` ?7
// the endpoints to look at (a JSON array). Walks the live enabled endpoints (all, or those named),
// takes the first ?5 due, unleased events of each from events_due_by_endpoint
// (0004), leases the oldest ?3 of them and returns them (in no order).
// CROSS JOIN pins the endpoints as the outer loop: left to itself the planner
// may walk every event.
#pragma once

#include <string>
#include <string_view>

#include "store/rows.h"

namespace promptjang::sqlite {

inline std::string claim_sql(bool only) {
  std::string sql =
      "UPDATE events SET lease_until = ?2, lease_owner = ?6 WHERE id IN ("
      " SELECT e.id FROM endpoints AS p CROSS JOIN events AS e"
      " WHERE p.enabled = 1 AND p.deleted_at IS NULL"
      " AND p.id NOT IN (SELECT value FROM json_each(?4))";
  if (only) sql += " AND p.id IN (SELECT value FROM json_each(?7))";
  sql +=
      " AND e.id IN ("
      "  SELECT x.id FROM events AS x"
      "  WHERE x.endpoint_id = p.id AND x.status IN ('QUEUED', 'RETRYING')"
      "  AND x.next_attempt_at <= ?1 AND (x.lease_until IS NULL OR x.lease_until <= ?1)"
      "  ORDER BY x.next_attempt_at, x.id LIMIT ?5)"
      " ORDER BY e.next_attempt_at, e.id LIMIT ?3)"
      " RETURNING ";
  sql += rows::kEventColumns;
  return sql;
}

// renew_leases: ?1 the new lease end, ?2 the owner, ?3 the event ids (a JSON
// array), each found by its primary key.
inline constexpr std::string_view kRenewLeases =
    "UPDATE events SET lease_until = ?1"
    " WHERE id IN (SELECT value FROM json_each(?3)) AND lease_owner = ?2"
    " AND status IN ('QUEUED', 'RETRYING')";

}  // namespace promptjang::sqlite
