// Authentication wrappers for routes; see context.h.
#include "api/context.h"

#include "api/cookies.h"
#include "api/errors.h"
#include "api/session_auth.h"

namespace promptjang {

Result<Principal> authenticate_request(ApiContext& ctx, const HttpRequest& request) {
  auto authorization = request.headers.get("Authorization");
  if (!authorization && find_cookie(request.headers, kSessionCookie)) {
    auto s = authenticate_session(ctx.deps.store, ctx.deps.clock, request);
    if (!s) return s.status();
    return Principal{std::move(s->account), "", std::move(s->session.user_id)};
  }
  return ctx.keys.authenticate(authorization);
}

HttpResponse auth_error_response(const Status& status) {
  switch (status.code()) {
    case StatusCode::kUnauthenticated:
      return error_response(401, "unauthorized", status.message());
    case StatusCode::kPermissionDenied:
      return error_response(403, "csrf_failed", status.message());
    default:
      return status_response(status);
  }
}

RouteHandler authed(ApiContext& ctx, AuthedHandler handler) {
  return [&ctx, handler = std::move(handler)](HttpRequest& req, const PathParams& params,
                                              Respond respond) {
    // Authenticated already by ApiHandler::preflight, before the body was read.
    if (const auto* known = std::any_cast<Principal>(&req.handler_state))
      return handler(*known, req, params, std::move(respond));
    auto principal = authenticate_request(ctx, req);
    if (!principal) return respond(auth_error_response(principal.status()));
    handler(*principal, req, params, std::move(respond));
  };
}

RouteHandler authed_sync(ApiContext& ctx, SyncAuthedHandler handler) {
  return authed(ctx, [handler = std::move(handler)](const Principal& p, HttpRequest& req,
                                                    const PathParams& params, Respond respond) {
    respond(handler(p, req, params));
  });
}

HttpResponse error_for(const Status& status, std::string_view not_found_code,
                       std::string_view not_found_message) {
  if (status.code() == StatusCode::kNotFound)
    return error_response(404, not_found_code, not_found_message);
  return status_response(status);
}

}  // namespace promptjang
