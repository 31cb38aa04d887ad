// Replay (SPEC §6): POST /api/v1/events/{id}/replay {"force"?: bool} for one
// EXPIRED or FAILED event (DELIVERED with force), and POST
// /api/v1/endpoints/{id}/replay {"status"?, "since"?, "until"?} for every
// EXPIRED (or FAILED) event of an endpoint in a time range. A replayed event is
// QUEUED again with a fresh cycle and the full schedule; its attempts stay.
#include "api/context.h"
#include "api/errors.h"
#include "api/json_io.h"
#include "api/serialize.h"
#include "core/ids.h"
#include "core/time_format.h"

namespace promptjang {
namespace {

Result<std::optional<TimePoint>> optional_time(const boost::json::object& o, std::string_view k) {
  auto s = optional_string(o, k);
  if (!s) return s.status();
  if (!*s) return std::optional<TimePoint>{};
  auto t = parse_rfc3339(**s);
  if (!t) return invalid_argument(std::string(k) + " must be an RFC 3339 time");
  return std::optional<TimePoint>{*t};
}

HttpResponse replay_one(ApiContext& ctx, const Principal& p, const HttpRequest& req,
                        std::string_view id) {
  if (!is_well_formed_id(id, id_prefix::kEvent))
    return error_response(404, "event_not_found", "no such event");
  auto body = parse_object_body(req.body);
  if (!body) return error_response(400, "invalid_json", body.status().message());
  auto force = optional_bool(*body, "force");
  if (!force) return error_response(400, "invalid_request", force.status().message());
  auto e =
      ctx.deps.store.replay_event(p.account.id, id, force->value_or(false), ctx.deps.clock.now());
  if (!e) {
    if (e.status().code() == StatusCode::kFailedPrecondition)
      return error_response(409, "not_replayable", e.status().message());
    return error_for(e.status(), "event_not_found", "no such event");
  }
  if (ctx.delivery.wake) ctx.delivery.wake();
  HttpResponse r;
  r.body = event_json(*e, /*with_attempts=*/false);
  return r;
}

HttpResponse replay_bulk(ApiContext& ctx, const Principal& p, const HttpRequest& req,
                         std::string_view endpoint_id) {
  if (!is_well_formed_id(endpoint_id, id_prefix::kEndpoint))
    return error_response(404, "endpoint_not_found", "no such endpoint");
  auto body = parse_object_body(req.body);
  if (!body) return error_response(400, "invalid_json", body.status().message());
  auto status_name = optional_string(*body, "status");
  auto since = optional_time(*body, "since");
  auto until = optional_time(*body, "until");
  for (const Status* s : {&status_name.status(), &since.status(), &until.status()})
    if (!s->is_ok()) return error_response(400, "invalid_request", s->message());
  auto status = parse_event_status(status_name->value_or("EXPIRED"));
  if (!status || (*status != EventStatus::kExpired && *status != EventStatus::kFailed))
    return error_response(400, "invalid_request", "status must be EXPIRED or FAILED");
  auto n = ctx.deps.store.replay_events(p.account.id, endpoint_id, *status, *since, *until,
                                        ctx.deps.clock.now());
  if (!n) return error_for(n.status(), "endpoint_not_found", "no such endpoint");
  if (*n > 0 && ctx.delivery.wake) ctx.delivery.wake();
  return json_response(200, boost::json::object{{"replayed", *n}});
}

}  // namespace

void add_replay_routes(Router& router, ApiContext& ctx) {
  router.add("POST", "/api/v1/events/{id}/replay",
             authed_sync(ctx, [&ctx](const Principal& p, HttpRequest& req, const PathParams& a) {
               return replay_one(ctx, p, req, a[0]);
             }));
  router.add("POST", "/api/v1/endpoints/{id}/replay",
             authed_sync(ctx, [&ctx](const Principal& p, HttpRequest& req, const PathParams& a) {
               return replay_bulk(ctx, p, req, a[0]);
             }));
}

}  // namespace promptjang
