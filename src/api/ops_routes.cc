// The operator's routes and their own handler; see ops_routes.h.
#include "api/ops_routes.h"

#include "api/errors.h"

namespace promptjang {

void add_ops_routes(Router& router, Store& store, MetricsSource metrics) {
  router.add("GET", "/healthz", [](HttpRequest&, const PathParams&, Respond respond) {
    HttpResponse r;
    r.body = R"({"status":"ok"})";
    respond(std::move(r));
  });
  router.add("GET", "/readyz", [&store](HttpRequest&, const PathParams&, Respond respond) {
    Status s = store.ping();
    if (!s) return respond(error_response(503, "unavailable", "the store does not answer"));
    HttpResponse r;
    r.body = R"({"status":"ready"})";
    respond(std::move(r));
  });
  if (!metrics) return;
  router.add("GET", "/metrics",
             [metrics = std::move(metrics)](HttpRequest&, const PathParams&, Respond respond) {
               HttpResponse r;
               r.content_type = std::string(kMetricsContentType);
               r.body = metrics();
               respond(std::move(r));
             });
}

OpsHandler::OpsHandler(Store& store, MetricsSource metrics) {
  add_ops_routes(router_, store, std::move(metrics));
}

std::variant<size_t, HttpResponse> OpsHandler::preflight(HttpRequest&) {
  return size_t{1024};  // its routes take no body
}

void OpsHandler::handle(HttpRequest request, Respond respond) {
  auto m = router_.match(request.method, request.path);
  if (!m.handler) {
    if (m.allowed.empty())
      return respond(
          error_response(404, "not_found",
                         "no route for " + request.path +
                             " (this address serves /healthz, /readyz and /metrics only)"));
    HttpResponse r = error_response(405, "method_not_allowed",
                                    request.method + " is not allowed here; allowed: " + m.allowed);
    r.headers.add("Allow", m.allowed);
    return respond(std::move(r));
  }
  (*m.handler)(request, m.params, respond);
}

}  // namespace promptjang
