// /healthz (the process answers) and /readyz (the store answers): no API key,
// for load balancers.
#include "api/context.h"
#include "api/errors.h"

namespace promptjang {

void add_health_routes(Router& router, ApiContext& ctx) {
  router.add("GET", "/healthz", [](HttpRequest&, const PathParams&, Respond respond) {
    HttpResponse r;
    r.body = R"({"status":"ok"})";
    respond(std::move(r));
  });
  router.add("GET", "/readyz", [&ctx](HttpRequest&, const PathParams&, Respond respond) {
    Status s = ctx.deps.store.ping();
    if (!s) return respond(error_response(503, "unavailable", "the store does not answer"));
    HttpResponse r;
    r.body = R"({"status":"ready"})";
    respond(std::move(r));
  });
}

}  // namespace promptjang
