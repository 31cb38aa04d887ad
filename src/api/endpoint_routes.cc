// /api/v1/endpoints: create, list, read, update, delete, read and rotate the
// secret (SPEC §3, §8). The secret is in the answer to creation and to the two
// secret routes only.
#include "api/context.h"
#include "api/errors.h"
#include "api/json_io.h"
#include "api/query.h"
#include "api/serialize.h"
#include "core/ids.h"
#include "service/endpoints.h"

namespace promptjang {
namespace {

constexpr std::string_view kNotFound = "endpoint_not_found";
constexpr std::string_view kNotFoundMessage = "no such endpoint";

HttpResponse invalid(const Status& s) {
  return error_response(400, "invalid_request", s.message());
}

HttpResponse bad_body(const Status& s) { return error_response(400, "invalid_json", s.message()); }

bool known_id(std::string_view id) { return is_well_formed_id(id, id_prefix::kEndpoint); }

// The endpoint fields of a create or update body, each optional; an answer to
// give at once when the body is not JSON or a field has the wrong type.
std::variant<EndpointPatch, HttpResponse> endpoint_fields(const HttpRequest& req) {
  auto body = parse_object_body(req.body);
  if (!body) return bad_body(body.status());
  auto url = optional_string(*body, "url");
  auto description = optional_string(*body, "description");
  auto enabled = optional_bool(*body, "enabled");
  if (!url) return invalid(url.status());
  if (!description) return invalid(description.status());
  if (!enabled) return invalid(enabled.status());
  return EndpointPatch{*url, *description, *enabled};
}

HttpResponse create(ApiContext& ctx, const Principal& p, const HttpRequest& req) {
  auto fields = endpoint_fields(req);
  if (auto* answer = std::get_if<HttpResponse>(&fields)) return std::move(*answer);
  auto& f = std::get<EndpointPatch>(fields);
  if (!f.url) return error_response(400, "invalid_request", "url is required");
  auto e = create_endpoint(ctx.deps, p.account.id, *f.url, f.description.value_or(""),
                           f.enabled.value_or(true));
  if (!e) return status_response(e.status());
  return json_response(201, endpoint_json(*e, /*with_secret=*/true));
}

HttpResponse list(ApiContext& ctx, const Principal& p, const HttpRequest& req) {
  auto q = Query::parse(req.query);
  if (!q) return invalid(q.status());
  // As the event list: "10abc" or " 5" is a 400, not 10 or 5 (std::stoi read both).
  auto limit = parse_limit(q->get("limit"), 50, 1000);
  if (!limit) return invalid(limit.status());
  auto cursor = q->get("cursor");
  if (cursor && !known_id(*cursor))
    return error_response(400, "invalid_request", "cursor is not one this API gave");
  auto page = ctx.deps.store.list_endpoints(p.account.id, cursor, *limit);
  if (!page) return status_response(page.status());
  std::vector<std::string> items;
  for (const auto& e : page->items)
    items.push_back(boost::json::serialize(endpoint_json(e, false)));
  HttpResponse r;
  r.body = list_envelope(items, page->next_cursor);
  return r;
}

HttpResponse patch(ApiContext& ctx, const Principal& p, const HttpRequest& req,
                   std::string_view id) {
  auto fields = endpoint_fields(req);
  if (auto* answer = std::get_if<HttpResponse>(&fields)) return std::move(*answer);
  const auto& patch = std::get<EndpointPatch>(fields);
  auto e = update_endpoint(ctx.deps, p.account.id, id, patch);
  ctx.endpoints.invalidate(id);
  if (!e) return error_for(e.status(), kNotFound, kNotFoundMessage);
  // Events of a disabled endpoint wait in the store; enabling it lets them go.
  if (patch.enabled.value_or(false) && ctx.delivery.wake) ctx.delivery.wake();
  return json_response(200, endpoint_json(*e, false));
}

HttpResponse secret_answer(const Endpoint& e) {
  boost::json::object o;
  o["secret"] = e.secret;
  return json_response(200, o);
}

}  // namespace

void add_endpoint_routes(Router& router, ApiContext& ctx) {
  router.add("POST", "/api/v1/endpoints",
             authed_sync(ctx, [&ctx](const Principal& p, HttpRequest& req, const PathParams&) {
               return create(ctx, p, req);
             }));
  router.add("GET", "/api/v1/endpoints",
             authed_sync(ctx, [&ctx](const Principal& p, HttpRequest& req, const PathParams&) {
               return list(ctx, p, req);
             }));
  router.add("GET", "/api/v1/endpoints/{id}",
             authed_sync(ctx, [&ctx](const Principal& p, HttpRequest&, const PathParams& a) {
               if (!known_id(a[0])) return error_response(404, kNotFound, kNotFoundMessage);
               auto e = ctx.deps.store.get_endpoint(p.account.id, a[0]);
               if (!e) return error_for(e.status(), kNotFound, kNotFoundMessage);
               return json_response(200, endpoint_json(*e, false));
             }));
  router.add("PATCH", "/api/v1/endpoints/{id}",
             authed_sync(ctx, [&ctx](const Principal& p, HttpRequest& req, const PathParams& a) {
               if (!known_id(a[0])) return error_response(404, kNotFound, kNotFoundMessage);
               return patch(ctx, p, req, a[0]);
             }));
  router.add("DELETE", "/api/v1/endpoints/{id}",
             authed_sync(ctx, [&ctx](const Principal& p, HttpRequest&, const PathParams& a) {
               if (!known_id(a[0])) return error_response(404, kNotFound, kNotFoundMessage);
               Status s = ctx.deps.store.delete_endpoint(p.account.id, a[0], ctx.deps.clock.now());
               ctx.endpoints.invalidate(a[0]);
               if (!s) return error_for(s, kNotFound, kNotFoundMessage);
               HttpResponse r;
               r.status = 204;
               r.content_type.clear();
               return r;
             }));
  router.add("GET", "/api/v1/endpoints/{id}/secret",
             authed_sync(ctx, [&ctx](const Principal& p, HttpRequest&, const PathParams& a) {
               if (!known_id(a[0])) return error_response(404, kNotFound, kNotFoundMessage);
               auto e = ctx.deps.store.get_endpoint(p.account.id, a[0]);
               if (!e) return error_for(e.status(), kNotFound, kNotFoundMessage);
               return secret_answer(*e);
             }));
  router.add("POST", "/api/v1/endpoints/{id}/rotate-secret",
             authed_sync(ctx, [&ctx](const Principal& p, HttpRequest&, const PathParams& a) {
               if (!known_id(a[0])) return error_response(404, kNotFound, kNotFoundMessage);
               auto e = rotate_endpoint_secret(ctx.deps, p.account.id, a[0]);
               ctx.endpoints.invalidate(a[0]);
               if (!e) return error_for(e.status(), kNotFound, kNotFoundMessage);
               return secret_answer(*e);
             }));
}

}  // namespace promptjang
