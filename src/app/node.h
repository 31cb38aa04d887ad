// Node: one serving `promptjang serve` — the API handler and the HTTP server over
// a Runtime — with start-up and graceful shutdown.
//
// Shutdown order: the server stops accepting and drains in-flight requests (each
// ingest still gets its 202 after its commit); the password-check worker is
// joined (a login answers from it); the dispatcher stops starting
// attempts and waits for those in flight to be recorded; the HTTP client goes
// (its callbacks point into the dispatcher); then the store is flushed and
// stops telling the node's Telemetry of its commits.
// Thread safety: start() and stop() from one controlling thread.
#pragma once

#include <memory>

#include "api/api_handler.h"
#include "api/auth.h"
#include "api/ops_routes.h"
#include "api/server.h"
#include "app/config.h"
#include "app/runtime.h"
#include "app/telemetry.h"
#include "core/log.h"
#include "dashboard/assets.h"
#include "dashboard/dashboard.h"
#include "delivery/beast_client.h"
#include "delivery/curl_client.h"
#include "delivery/dispatcher.h"
#include "usage/rate_limiter.h"
#include "usage/retention_sweeper.h"

namespace promptjang {

class Node {
 public:
  // Validates `config` (fail fast) and builds the node; nothing listens yet.
  static Result<std::unique_ptr<Node>> create(const Config& config, Runtime& runtime,
                                              Logger& logger);
  ~Node();

  Status start();
  uint16_t port() const { return server_->port(); }
  // The --ops-listen listener's port; 0 when there is none.
  uint16_t ops_port() const { return ops_server_ ? ops_server_->port() : 0; }
  void stop();

 private:
  Node(Runtime& runtime, Logger& logger) : runtime_(runtime), logger_(logger) {}

  Runtime& runtime_;
  Logger& logger_;
  // Hears the servers, the dispatcher and the store's commits: made first,
  // destroyed last (stop() detaches it from the store).
  std::unique_ptr<Telemetry> telemetry_;
  std::unique_ptr<KeyCache> keys_;
  std::unique_ptr<EndpointCache> endpoints_;
  std::unique_ptr<HttpClient> client_;         // null with --no-delivery
  std::unique_ptr<Dispatcher> dispatcher_;     // null with --no-delivery
  std::unique_ptr<RateLimiter> rate_limiter_;  // null without --rate-limit
  std::unique_ptr<RetentionSweeper> sweeper_;  // null when retention is off
  std::unique_ptr<LoginThrottle> login_throttle_;
  // Logins finish on it; stop() joins it right after the server, before
  // anything its tasks use (the handler's context) goes.
  std::unique_ptr<WorkerPool> password_checks_;
  std::unique_ptr<dashboard::Dashboard> dashboard_;
  std::unique_ptr<ApiHandler> handler_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<OpsHandler> ops_handler_;  // null without --ops-listen
  std::unique_ptr<HttpServer> ops_server_;   // null without --ops-listen
  bool running_ = false;
};

}  // namespace promptjang
