// POST /api/v1/e/{endpoint_id}: the ingest hot path (SPEC §4).
//
// Checks in order: key (401), endpoint (404), media type (415), size (413, also
// enforced by the server before the body is read), JSON (400); then the event is
// handed to the store's group-commit writer and the 202 goes out from the
// store's callback, only after the commit that holds the event.
#include <boost/json.hpp>

#include "api/context.h"
#include "api/errors.h"
#include "core/ids.h"

namespace promptjang {
namespace {

// A media type of "application/json", parameters (charset=...) allowed.
bool is_json_media_type(std::string_view ct) {
  auto semi = ct.find(';');
  std::string_view type = ct.substr(0, semi);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  constexpr std::string_view kJson = "application/json";
  return type.size() == kJson.size() &&
         std::equal(type.begin(), type.end(), kJson.begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); });
}

HttpResponse too_large(int64_t limit) {
  return error_response(
      413, "payload_too_large",
      "the payload is over this plan's limit of " + std::to_string(limit) + " bytes");
}

// Validates `body` as JSON and extracts the top-level "event" string, if any.
Result<std::optional<std::string>> validate_payload(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec) return invalid_argument("the body is not valid JSON: " + ec.message());
  std::optional<std::string> type;
  if (v.is_object()) {
    auto it = v.as_object().find("event");
    if (it != v.as_object().end() && it->value().is_string())
      type = std::string(it->value().as_string());
  }
  return type;
}

}  // namespace

int64_t ingest_body_limit(const ApiContext& ctx, const Principal& p) {
  auto plan = find_plan(ctx.deps.plans, p.account.plan);
  return plan ? plan->max_payload_bytes : 0;
}

void add_ingest_routes(Router& router, ApiContext& ctx) {
  router.add(
      "POST", "/api/v1/e/{endpoint_id}",
      authed(ctx, [&ctx](const Principal& p, HttpRequest& req, const PathParams& params,
                         Respond respond) {
        std::string_view endpoint_id = params[0];
        if (!is_well_formed_id(endpoint_id, id_prefix::kEndpoint))
          return respond(error_response(404, "endpoint_not_found", "no such endpoint"));
        auto endpoint = ctx.deps.store.get_endpoint(p.account.id, endpoint_id);
        if (!endpoint)
          return respond(error_for(endpoint.status(), "endpoint_not_found", "no such endpoint"));
        if (auto ct = req.headers.get("Content-Type"); ct && !is_json_media_type(*ct))
          return respond(error_response(415, "unsupported_media_type",
                                        "Content-Type must be application/json"));
        int64_t limit = ingest_body_limit(ctx, p);
        if (static_cast<int64_t>(req.body.size()) > limit) return respond(too_large(limit));
        auto type = validate_payload(req.body);
        if (!type) return respond(error_response(400, "invalid_json", type.status().message()));

        Event e;
        e.id = ctx.deps.ids.next(id_prefix::kEvent);
        e.account_id = p.account.id;
        e.endpoint_id = std::string(endpoint_id);
        e.event_type = std::move(*type);
        e.status = EventStatus::kQueued;
        e.payload = std::move(req.body);
        e.created_at = ctx.deps.clock.now();
        e.next_attempt_at = e.created_at;
        // Handed to this node's dispatcher after the commit, so leased to it: no
        // poller (here or on another node) takes it meanwhile.
        std::optional<Event> hand_off;
        if (ctx.delivery.hand_off && endpoint->enabled) {
          e.lease_until = e.created_at + ctx.delivery.lease;
          hand_off = e;
        }
        std::string id = e.id;
        ctx.deps.store.insert_event(
            std::move(e), [id = std::move(id), respond = std::move(respond), &ctx,
                           hand_off = std::move(hand_off)](Status s) mutable {
              if (!s.is_ok()) {
                ctx.logger.error("ingest: event {} not stored: {}", id, s.to_string());
                return respond(status_response(s));
              }
              HttpResponse r;
              r.status = 202;
              r.body = "{\"id\":\"" + id + "\",\"status\":\"QUEUED\"}";
              respond(std::move(r));
              if (hand_off) ctx.delivery.hand_off(std::move(*hand_off));
            });
      }));
}

}  // namespace promptjang
