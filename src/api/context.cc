// Authentication wrappers for routes; see context.h.
#include "api/context.h"

#include "api/errors.h"

namespace promptjang {

RouteHandler authed(ApiContext& ctx, AuthedHandler handler) {
  return [&ctx, handler = std::move(handler)](HttpRequest& req, const PathParams& params,
                                              Respond respond) {
    // Authenticated already by ApiHandler::preflight, before the body was read.
    if (const auto* known = std::any_cast<Principal>(&req.handler_state))
      return handler(*known, req, params, std::move(respond));
    auto principal = ctx.keys.authenticate(req.headers.get("Authorization"));
    if (!principal) {
      if (principal.status().code() == StatusCode::kUnauthenticated)
        return respond(error_response(401, "unauthorized", principal.status().message()));
      return respond(status_response(principal.status()));
    }
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
