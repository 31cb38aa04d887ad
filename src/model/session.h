// Session: a dashboard user signed in through a browser (SPEC §9).
//
// The browser holds the session token in the HttpOnly `pj_session` cookie; the
// store keeps only its SHA-256 (as it does for API keys), so a copy of the
// database does not sign anyone in. The CSRF token is no credential on its own
// (it is useless without the cookie) and is kept as is: the dashboard reads it
// back with GET /api/v1/session and sends it in X-CSRF-Token.
#pragma once

#include <string>

#include "core/clock.h"

namespace promptjang {

struct Session {
  std::string token_hash;  // lowercase hex SHA-256 of the token; the key
  std::string user_id;     // usr_...
  std::string account_id;  // the user's account
  std::string csrf_token;
  TimePoint created_at;
  TimePoint expires_at;  // not valid at or after this instant
};

}  // namespace promptjang
