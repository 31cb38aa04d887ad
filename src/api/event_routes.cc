// GET /api/v1/events/{id} and GET /api/v1/events (SPEC §7).
#include "api/context.h"
#include "api/errors.h"
#include "api/query.h"
#include "api/serialize.h"
#include "core/ids.h"
#include "core/time_format.h"

namespace promptjang {
namespace {

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 1000;

Result<std::optional<TimePoint>> parse_time_param(const Query& q, std::string_view name) {
  auto s = q.get(name);
  if (!s) return std::optional<TimePoint>{};
  auto t = parse_rfc3339(*s);
  if (!t) return invalid_argument(std::string(name) + " must be an RFC 3339 time");
  return std::optional<TimePoint>{*t};
}

Result<EventFilter> parse_filter(const Principal& p, const HttpRequest& req) {
  auto q = Query::parse(req.query);
  if (!q) return q.status();
  EventFilter f;
  f.account_id = p.account.id;
  if (auto s = q->get("status")) {
    f.status = parse_event_status(*s);
    if (!f.status)
      return invalid_argument("status must be one of QUEUED, RETRYING, DELIVERED, FAILED, EXPIRED");
  }
  f.endpoint_id = q->get("endpoint_id");
  f.event_type = q->get("event");
  if (!f.event_type) f.event_type = q->get("event_type");
  auto since = parse_time_param(*q, "since");
  if (!since) return since.status();
  f.since = *since;
  auto until = parse_time_param(*q, "until");
  if (!until) return until.status();
  f.until = *until;
  auto limit = parse_limit(q->get("limit"), kDefaultLimit, kMaxLimit);
  if (!limit) return limit.status();
  f.limit = *limit;
  f.cursor = q->get("cursor");
  if (f.cursor && !is_well_formed_id(*f.cursor, id_prefix::kEvent))
    return invalid_argument("cursor is not one this API gave");
  return f;
}

}  // namespace

void add_event_routes(Router& router, ApiContext& ctx) {
  router.add("GET", "/api/v1/events/{id}",
             authed_sync(ctx, [&ctx](const Principal& p, HttpRequest&, const PathParams& params) {
               if (!is_well_formed_id(params[0], id_prefix::kEvent))
                 return error_response(404, "event_not_found", "no such event");
               auto e = ctx.deps.store.get_event(p.account.id, params[0]);
               if (!e) return error_for(e.status(), "event_not_found", "no such event");
               HttpResponse r;
               r.body = event_json(*e, /*with_attempts=*/true);
               return r;
             }));

  router.add("GET", "/api/v1/events",
             authed_sync(ctx, [&ctx](const Principal& p, HttpRequest& req, const PathParams&) {
               auto filter = parse_filter(p, req);
               if (!filter)
                 return error_response(400, "invalid_request", filter.status().message());
               auto page = ctx.deps.store.list_events(*filter);
               if (!page) return status_response(page.status());
               std::vector<std::string> items;
               items.reserve(page->items.size());
               for (const auto& e : page->items) items.push_back(event_json(e, false));
               HttpResponse r;
               r.body = list_envelope(items, page->next_cursor);
               return r;
             }));
}

}  // namespace promptjang
