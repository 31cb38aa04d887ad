// /api/v1/session: the dashboard's sign-in (POST), who is signed in (GET) and
// sign-out (DELETE), with the `pj_session` cookie (SPEC §9; docs/api.md
// "Dashboard sessions").
//
// POST checks the throttle (login_throttle.h), looks the user up, and hands the
// argon2id check to the password worker pool (worker_pool.h): it takes tens of
// milliseconds, too long for an I/O thread. An unknown email is checked against
// a fixed dummy hash with the same costs, so the answer's timing does not tell
// which emails exist, and both failures answer the same 401. A successful login
// always makes a fresh token (the session named by any cookie the client sent
// is deleted: no session fixation) and deletes a batch of expired sessions.
// These routes look only at the cookie, never at an Authorization header; GET
// and DELETE authenticate it themselves (preflight leaves this path alone), and
// DELETE needs X-CSRF-Token like every state-changing session request.
// Threads: handlers run on I/O threads; the rest of a login on a worker thread,
// which answers through Respond.
#include "api/context.h"
#include "api/cookies.h"
#include "api/errors.h"
#include "api/json_io.h"
#include "api/payload.h"
#include "api/serialize.h"
#include "api/session_auth.h"
#include "crypto/password.h"
#include "crypto/sha256.h"

namespace promptjang {
namespace {

// An argon2id hash (libsodium INTERACTIVE costs, as hash_password makes them) of
// a password no one uses: what an unknown email's password is checked against.
constexpr std::string_view kDummyPasswordHash =
    "$argon2id$v=19$m=65536,t=2,p=1$GXQYvgTAw6KckuIDw6ITow$"
    "uTNGyrgxsU8p55ZCF7kys32Y/LX/1jsuoR3+Ngguc7o";
constexpr int kExpiredSessionsDeletedAtLogin = 100;
constexpr long kSessionMaxAgeSeconds =
    std::chrono::duration_cast<std::chrono::seconds>(kSessionLifetime).count();

HttpResponse session_response(const Session& s, const User& user, const Account& account) {
  boost::json::object u;
  u["id"] = user.id;
  u["email"] = user.email;
  boost::json::object a;
  a["id"] = account.id;
  a["name"] = account.name;
  a["plan"] = account.plan;
  boost::json::object o;
  o["user"] = std::move(u);
  o["account"] = std::move(a);
  o["csrf_token"] = s.csrf_token;
  o["expires_at"] = time_json(s.expires_at);
  HttpResponse r = json_response(200, o);
  r.headers.add("Cache-Control", "no-store");  // it carries the CSRF token
  return r;
}

HttpResponse invalid_credentials() {
  return error_response(401, "invalid_credentials", "wrong email or password");
}

struct LoginAttempt {
  std::string email;  // lowercased
  std::string password;
  std::string address;
  std::optional<User> user;                    // none for an unknown email
  std::optional<std::string> old_cookie_hash;  // the session the client came with
  bool secure = false;                         // the cookie gets Secure
};

// Runs on a worker thread: the password check and, when it passes, the session.
void finish_login(ApiContext& ctx, const LoginAttempt& a, const Respond& respond) {
  const bool ok = verify_password(
      a.user ? std::string_view(a.user->password_hash) : kDummyPasswordHash, a.password);
  if (!a.user || !ok) return respond(invalid_credentials());

  Store& store = ctx.deps.store;
  auto account = store.get_account(a.user->account_id);
  if (!account) {
    ctx.login_throttle.abandoned(a.email, a.address);
    return respond(status_response(account.status()));
  }
  ctx.login_throttle.succeeded(a.email, a.address);
  if (a.old_cookie_hash) {
    Status st = store.delete_session(*a.old_cookie_hash);
    if (!st && st.code() != StatusCode::kNotFound)
      ctx.logger.warn("login: deleting the replaced session failed: {}", st.to_string());
  }
  const TimePoint now = ctx.deps.clock.now();
  if (auto n = store.delete_expired_sessions(now, kExpiredSessionsDeletedAtLogin); !n)
    ctx.logger.warn("login: deleting expired sessions failed: {}", n.status().to_string());

  const std::string token = generate_session_token(ctx.deps.random);
  Session s;
  s.token_hash = sha256_hex(token);
  s.user_id = a.user->id;
  s.account_id = a.user->account_id;
  s.csrf_token = generate_session_token(ctx.deps.random);
  s.created_at = now;
  s.expires_at = now + kSessionLifetime;
  if (Status st = store.create_session(s); !st) return respond(status_response(st));

  HttpResponse r = session_response(s, *a.user, *account);
  r.headers.add("Set-Cookie",
                set_cookie_value(kSessionCookie, token, kSessionMaxAgeSeconds, a.secure));
  respond(std::move(r));
}

void login(ApiContext& ctx, HttpRequest& req, Respond respond) {
  // JSON only: a cross-site HTML form cannot send it, so no one can sign a
  // visitor in to their account (login CSRF) without a CORS preflight we never allow.
  auto ct = req.headers.get("Content-Type");
  if (!ct || !is_json_media_type(*ct))
    return respond(
        error_response(415, "unsupported_media_type", "Content-Type must be application/json"));
  auto body = parse_object_body(req.body);
  if (!body) return respond(error_response(400, "invalid_json", body.status().message()));
  auto email = optional_string(*body, "email");
  auto password = optional_string(*body, "password");
  if (!email || !password || !*email || !*password || (*email)->empty())
    return respond(
        error_response(400, "invalid_request", "'email' and 'password' are required strings"));

  LoginAttempt a;
  a.email = std::move(**email);
  for (char& c : a.email)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  a.password = std::move(**password);
  a.address = req.remote_address;
  a.old_cookie_hash = session_cookie_hash(req);
  a.secure = forwarded_over_https(req.headers);

  auto decision = ctx.login_throttle.begin(a.email, a.address);
  if (!decision.allowed) {
    const auto secs = std::to_string(decision.retry_after.count());
    HttpResponse r =
        error_response(429, "rate_limited", "too many failed sign-ins; retry in " + secs + " s");
    r.headers.add("Retry-After", secs);
    return respond(std::move(r));
  }
  auto user = ctx.deps.store.find_user_by_email(a.email);
  if (user) {
    a.user = std::move(*user);
  } else if (user.status().code() != StatusCode::kNotFound) {
    ctx.login_throttle.abandoned(a.email, a.address);
    return respond(status_response(user.status()));
  }
  const std::string email_copy = a.email;
  const std::string address_copy = a.address;
  bool queued = ctx.password_checks.try_post(
      [&ctx, a = std::move(a), respond]() { finish_login(ctx, a, respond); });
  if (!queued) {
    ctx.login_throttle.abandoned(email_copy, address_copy);
    HttpResponse r = error_response(503, "unavailable", "too many sign-ins at once; retry shortly");
    r.headers.add("Retry-After", "1");
    respond(std::move(r));
  }
}

HttpResponse current_session(ApiContext& ctx, const HttpRequest& req) {
  auto s = authenticate_session(ctx.deps.store, ctx.deps.clock, req);
  if (!s) return auth_error_response(s.status());
  auto user = ctx.deps.store.get_user(s->account.id, s->session.user_id);
  if (!user) {
    if (user.status().code() == StatusCode::kNotFound)
      return error_response(401, "unauthorized", "the session's user no longer exists");
    return status_response(user.status());
  }
  return session_response(s->session, *user, s->account);
}

HttpResponse logout(ApiContext& ctx, const HttpRequest& req) {
  auto s = authenticate_session(ctx.deps.store, ctx.deps.clock, req);
  if (!s) return auth_error_response(s.status());
  Status st = ctx.deps.store.delete_session(s->session.token_hash);
  if (!st && st.code() != StatusCode::kNotFound) return status_response(st);  // gone already: fine
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  r.headers.add("Set-Cookie",
                set_cookie_value(kSessionCookie, "", 0, forwarded_over_https(req.headers)));
  return r;
}

}  // namespace

void add_session_routes(Router& router, ApiContext& ctx) {
  const std::string path(kSessionPath);
  router.add("POST", path, [&ctx](HttpRequest& req, const PathParams&, Respond respond) {
    login(ctx, req, std::move(respond));
  });
  router.add("GET", path, [&ctx](HttpRequest& req, const PathParams&, Respond respond) {
    respond(current_session(ctx, req));
  });
  router.add("DELETE", path, [&ctx](HttpRequest& req, const PathParams&, Respond respond) {
    respond(logout(ctx, req));
  });
}

}  // namespace promptjang
