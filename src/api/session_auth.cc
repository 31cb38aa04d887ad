// Session cookie authentication and the CSRF check; see session_auth.h.
#include "api/session_auth.h"

#include "api/cookies.h"
#include "crypto/hmac.h"
#include "crypto/sha256.h"
#include "crypto/tokens.h"

namespace promptjang {
namespace {

constexpr std::string_view kInvalidSession = "invalid or expired session; sign in again";

}  // namespace

std::string generate_session_token(Random& random) {
  return random_token(random, kSessionTokenBytes);
}

bool is_well_formed_session_token(std::string_view token) {
  if (token.size() != 2 * kSessionTokenBytes) return false;
  for (char c : token)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::optional<std::string> session_cookie_hash(const HttpRequest& request) {
  auto token = find_cookie(request.headers, kSessionCookie);
  if (!token || !is_well_formed_session_token(*token)) return std::nullopt;
  return sha256_hex(*token);
}

bool changes_state(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

Result<AuthedSession> authenticate_session(Store& store, const Clock& clock,
                                           const HttpRequest& request) {
  auto token = find_cookie(request.headers, kSessionCookie);
  if (!token) return unauthenticated("missing session cookie");
  if (!is_well_formed_session_token(*token)) return unauthenticated(std::string(kInvalidSession));
  auto session = store.find_session_by_hash(sha256_hex(*token), clock.now());
  if (!session) {
    if (session.status().code() == StatusCode::kNotFound)
      return unauthenticated(std::string(kInvalidSession));
    return session.status();
  }
  if (changes_state(request.method)) {
    auto csrf = request.headers.get(kCsrfHeader);
    if (!csrf) {
      return Status(StatusCode::kPermissionDenied,
                    "a session-authenticated " + request.method + " needs the X-CSRF-Token header");
    }
    if (!constant_time_equal(*csrf, session->csrf_token))
      return Status(StatusCode::kPermissionDenied, "X-CSRF-Token does not match this session");
  }
  auto account = store.get_account(session->account_id);
  if (!account) {
    if (account.status().code() == StatusCode::kNotFound)
      return unauthenticated(std::string(kInvalidSession));
    return account.status();
  }
  return AuthedSession{std::move(*session), std::move(*account)};
}

}  // namespace promptjang
