// WebhookReceiver: the webhook end of pj_bench_e2e, an HttpServer (pj_http) that
// answers 200 "ok" to every POST and records, per request, its steady-clock
// arrival time and its `webhook-id` header (the event id, SPEC §5).
//
// Threads: the server's I/O threads run handle() concurrently; it reads the clock
// first, then appends one record under a mutex, so the handler stays cheap and
// the recorded time is the moment the whole request had been read. take() is
// called from the main thread and moves out what was recorded since the last
// call (each arrival is handed out exactly once).
// Lifetime: start() once; stop() (also run by the destructor) returns once the
// server's threads are joined, after which nothing more is recorded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "api/http_types.h"
#include "api/server.h"
#include "core/log.h"
#include "core/status.h"
#include "e2e/bench_clock.h"

namespace promptjang::bench {

struct Arrival {
  std::string event_id;  // the webhook-id header; empty when it was missing
  SteadyTime at;
};

class WebhookReceiver final : public HttpHandler {
 public:
  WebhookReceiver(std::string host, uint16_t port, Logger& logger);
  ~WebhookReceiver() override;
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  Status start();
  void stop();
  uint16_t port() const;
  // The URL PromptJang should POST to: http://HOST:PORT/hook, with a wildcard
  // host ("0.0.0.0", "::") replaced by the loopback address.
  std::string hook_url() const;

  // Arrivals recorded since the previous call, in arrival order.
  std::vector<Arrival> take();

  std::variant<size_t, HttpResponse> preflight(HttpRequest& head) override;
  void handle(HttpRequest request, Respond respond) override;

 private:
  std::string host_;
  std::unique_ptr<HttpServer> server_;
  std::mutex mu_;
  std::vector<Arrival> arrivals_;  // guarded by mu_
};

}  // namespace promptjang::bench
