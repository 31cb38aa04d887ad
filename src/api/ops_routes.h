// The operator's routes, without an API key: /healthz (the process answers),
// /readyz (the store answers) and /metrics (Prometheus text format). The API's
// handler serves them on --listen; with --ops-listen, OpsHandler serves them on
// a second listener and /metrics leaves the first (SPEC §8: "an operator can bind
// them to another address").
// Thread safety: the handler only reads its route table; the store and the
// metrics source are thread-safe.
#pragma once

#include <functional>
#include <string>

#include "api/http_types.h"
#include "api/router.h"
#include "store/store.h"

namespace promptjang {

// Renders the body of GET /metrics (the text format 0.0.4).
using MetricsSource = std::function<std::string()>;

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// /healthz, /readyz, and /metrics when `metrics` is set.
void add_ops_routes(Router& router, Store& store, MetricsSource metrics);

class OpsHandler final : public HttpHandler {
 public:
  OpsHandler(Store& store, MetricsSource metrics);

  std::variant<size_t, HttpResponse> preflight(HttpRequest& head) override;
  void handle(HttpRequest request, Respond respond) override;

 private:
  Router router_;
};

}  // namespace promptjang
