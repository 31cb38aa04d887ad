// ApiHandler; see api_handler.h.
#include "api/api_handler.h"

#include <algorithm>
#include <exception>

#include "api/errors.h"
#include "api/session_auth.h"

namespace promptjang {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

ApiHandler::ApiHandler(ApiContext ctx) : ctx_(std::move(ctx)) {
  add_ops_routes(router_, ctx_.deps.store, ctx_.metrics);
  add_ingest_routes(router_, ctx_);
  add_event_routes(router_, ctx_);
  add_endpoint_routes(router_, ctx_);
  add_api_key_routes(router_, ctx_);
  add_replay_routes(router_, ctx_);
  add_account_routes(router_, ctx_);
  add_session_routes(router_, ctx_);
  add_stats_routes(router_, ctx_);
}

std::variant<size_t, HttpResponse> ApiHandler::preflight(HttpRequest& head) {
  if (!starts_with(head.path, "/api/")) return kManagementBodyLimit;
  // Sign-in and sign-out authenticate by themselves (a login has no credentials yet).
  if (head.path == kSessionPath) return kSessionBodyLimit;
  auto principal = authenticate_request(ctx_, head);
  if (!principal) return auth_error_response(principal.status());
  if (ctx_.rate_limiter) {
    // Per API key; a session's requests count against its user.
    auto d = ctx_.rate_limiter->take(principal->key_id.empty() ? principal->user_id.value_or("")
                                                               : principal->key_id);
    if (!d.allowed) {
      auto secs = std::max<int64_t>(1, (d.retry_after.count() + 999) / 1000);
      HttpResponse r = error_response(
          429, "rate_limited",
          "too many requests for this API key; retry in " + std::to_string(secs) + " s");
      r.headers.add("Retry-After", std::to_string(secs));
      return r;
    }
  }
  size_t limit = head.method == "POST" && starts_with(head.path, "/api/v1/e/")
                     ? static_cast<size_t>(ingest_body_limit(ctx_, *principal))
                     : kManagementBodyLimit;
  head.handler_state = std::move(*principal);  // the route need not authenticate again
  return limit;
}

void ApiHandler::handle(HttpRequest request, Respond respond) {
  if (ctx_.dashboard && !starts_with(request.path, "/api/")) {
    if (auto page = ctx_.dashboard->serve(request)) return respond(std::move(*page));
  }
  if (const auto* p = std::any_cast<Principal>(&request.handler_state)) {
    // The account goes into the request's log line.
    respond = [respond = std::move(respond), account = p->account.id](HttpResponse r) {
      r.log_fields.emplace_back("account_id", account);
      respond(std::move(r));
    };
  }
  auto m = router_.match(request.method, request.path);
  if (!m.handler) {
    if (m.allowed.empty()) {
      if (ctx_.dashboard) {
        if (auto page = ctx_.dashboard->not_found_page(request)) return respond(std::move(*page));
      }
      return respond(error_response(404, "not_found", "no route for " + request.path));
    }
    HttpResponse r = error_response(405, "method_not_allowed",
                                    request.method + " is not allowed here; allowed: " + m.allowed);
    r.headers.add("Allow", m.allowed);
    return respond(std::move(r));
  }
  try {
    (*m.handler)(request, m.params, respond);
  } catch (const std::exception& e) {
    // Handlers return expected errors as values; anything thrown is a bug or an
    // exhausted resource, answered once here. (If the handler already answered,
    // the server ignores a second answer.)
    ctx_.logger.error("{} {}: unhandled exception: {}", request.method, request.path, e.what());
    respond(error_response(500, "internal", "internal error"));
  }
}

}  // namespace promptjang
