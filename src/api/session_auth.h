// Dashboard session authentication (SPEC §9): the `pj_session` cookie and the
// CSRF check that comes with it.
//
// The cookie holds a 256-bit random token (64 lowercase hex characters); the
// store knows only its SHA-256, so the token is looked up by hash. A session is
// valid until its expires_at (12 hours after the login). A request authenticated
// by the cookie that may change state (any method but GET, HEAD and OPTIONS)
// must carry `X-CSRF-Token` equal to the session's CSRF token, compared in
// constant time: SameSite=Strict already keeps the cookie off cross-site
// requests, and the token is the second, independent guard.
// Nothing is cached: each cookie-authenticated request reads the session and its
// account (two primary-key reads), so a logout takes effect at once everywhere.
// Thread safety: pure functions over the thread-safe Store and Clock.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "api/http_types.h"
#include "core/clock.h"
#include "core/random.h"
#include "core/status.h"
#include "model/account.h"
#include "model/session.h"
#include "store/store.h"

namespace promptjang {

inline constexpr std::string_view kSessionPath = "/api/v1/session";
inline constexpr std::string_view kSessionCookie = "pj_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";
inline constexpr auto kSessionLifetime = std::chrono::hours(12);
inline constexpr size_t kSessionTokenBytes = 32;  // 64 hex characters

struct AuthedSession {
  Session session;
  Account account;
};

// A fresh session token: 64 lowercase hex characters (256 bits).
std::string generate_session_token(Random& random);
// True for 64 lowercase hex characters.
bool is_well_formed_session_token(std::string_view token);

// The SHA-256 (hex) of the request's well-formed session cookie, if it has one.
std::optional<std::string> session_cookie_hash(const HttpRequest& request);

// True for the methods that need the CSRF token (all but GET, HEAD, OPTIONS).
bool changes_state(std::string_view method);

// The session the request's cookie names, with its account. Unauthenticated for
// a missing or malformed cookie and for an unknown or expired session;
// PermissionDenied when the method changes state and X-CSRF-Token is missing or
// wrong; Unavailable when the store cannot answer.
Result<AuthedSession> authenticate_session(Store& store, const Clock& clock,
                                           const HttpRequest& request);

}  // namespace promptjang
