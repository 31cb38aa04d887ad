// ApiContext: what the API's route handlers borrow (domain deps, key cache, log),
// and the wrappers that authenticate a route before its handler runs.
// Thread safety: everything borrowed here is thread-safe; handlers run on I/O threads.
#pragma once

#include <functional>

#include "api/auth.h"
#include "api/http_types.h"
#include "api/login_throttle.h"
#include "api/ops_routes.h"
#include "api/router.h"
#include "api/worker_pool.h"
#include "core/log.h"
#include "dashboard/dashboard.h"
#include "service/deps.h"
#include "store/endpoint_cache.h"
#include "usage/rate_limiter.h"

namespace promptjang {

// What the API tells the delivery engine, without seeing it (app/ wires these
// to the Dispatcher; unset in tests that run the API alone).
struct DeliveryHooks {
  // An event just stored and leased to this node, to deliver now.
  std::function<void(Event)> hand_off;
  // Due work may have appeared (replay, an endpoint enabled): claim now.
  std::function<void()> wake;
  // How long ingest leases a handed-off event to this node, and the name of
  // the lease's owner (the node: its dispatcher renews what it owns).
  Micros lease{std::chrono::seconds(60)};
  std::string lease_owner;
};

struct ApiContext {
  ServiceDeps deps;
  KeyCache& keys;
  // Endpoints as the hot paths read them; routes that change one invalidate it.
  EndpointCache& endpoints;
  Logger& logger;
  // Dashboard sign-in: failed-login counters, and the threads that check
  // passwords (argon2id) off the I/O threads.
  LoginThrottle& login_throttle;
  WorkerPool& password_checks;
  DeliveryHooks delivery;
  RateLimiter* rate_limiter = nullptr;  // per API key; null = no limit
  // The web dashboard's pages and files; null = no dashboard (API-only tests).
  const dashboard::Dashboard* dashboard = nullptr;
  // Renders GET /metrics; unset: no /metrics on this listener (tests, or the
  // operator serves it on --ops-listen).
  MetricsSource metrics;
};

using AuthedHandler =
    std::function<void(const Principal&, HttpRequest&, const PathParams&, Respond)>;
using SyncAuthedHandler =
    std::function<HttpResponse(const Principal&, HttpRequest&, const PathParams&)>;

// The request's principal: by its Authorization header when it has one (an API
// key; it always wins), else by its `pj_session` cookie (session_auth.h, with
// the CSRF check for state-changing methods). Unauthenticated, PermissionDenied
// (CSRF) or Unavailable otherwise.
Result<Principal> authenticate_request(ApiContext& ctx, const HttpRequest& request);

// The answer to an authentication failure: 401 unauthorized, 403 csrf_failed,
// or the usual mapping (503 when the store is down).
HttpResponse auth_error_response(const Status& status);

// A route that answers 401 (or 403 for a failed CSRF check, 503 when the store
// is down) unless the request carries a valid API key or session cookie.
RouteHandler authed(ApiContext& ctx, AuthedHandler handler);
RouteHandler authed_sync(ApiContext& ctx, SyncAuthedHandler handler);

// A NotFound becomes `404 {code}` with `message`; any other error the usual mapping.
HttpResponse error_for(const Status& status, std::string_view not_found_code,
                       std::string_view not_found_message);

// The largest ingest body the principal's plan allows.
int64_t ingest_body_limit(const ApiContext& ctx, const Principal& p);

// Each resource adds its routes (one file each).
void add_ingest_routes(Router& router, ApiContext& ctx);
void add_event_routes(Router& router, ApiContext& ctx);
void add_endpoint_routes(Router& router, ApiContext& ctx);
void add_api_key_routes(Router& router, ApiContext& ctx);
void add_replay_routes(Router& router, ApiContext& ctx);
void add_account_routes(Router& router, ApiContext& ctx);
void add_session_routes(Router& router, ApiContext& ctx);
void add_stats_routes(Router& router, ApiContext& ctx);

}  // namespace promptjang
