// POST /api/v1/e/{endpoint_id}: the ingest hot path (SPEC §4); and
// POST /api/v1/endpoints/{id}/test, a generated test event through the same path.
//
// Checks in order: key (401), endpoint (404), media type (415), size (413, also
// enforced by the server before the body is read), JSON (400); then the event is
// handed to the store's group-commit writer and the 202 goes out from the
// store's callback, only after the commit that holds the event.
#include "api/context.h"
#include "api/errors.h"
#include "api/payload.h"
#include "core/ids.h"
#include "core/time_format.h"

namespace promptjang {

int64_t ingest_body_limit(const ApiContext& ctx, const Principal& p) {
  auto plan = find_plan(ctx.deps.plans, p.account.plan);
  return plan ? plan->max_payload_bytes : 0;
}

namespace {

constexpr std::string_view kTestEventType = "promptjang.test";

HttpResponse too_large(int64_t limit) {
  return error_response(
      413, "payload_too_large",
      "the payload is over this plan's limit of " + std::to_string(limit) + " bytes");
}

// An Idempotency-Key is 1 to 255 printable ASCII characters.
bool valid_idempotency_key(std::string_view k) {
  if (k.empty() || k.size() > 255) return false;
  for (unsigned char c : k)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

HttpResponse accepted(int status, std::string_view id, std::string_view event_status) {
  HttpResponse r;
  r.status = status;
  r.body = "{\"id\":\"" + std::string(id) + "\",\"status\":\"" + std::string(event_status) + "\"}";
  r.log_fields.emplace_back("event_id", std::string(id));
  return r;
}

// A repeat of an Idempotency-Key: 200 with the original event, nothing stored.
HttpResponse replayed(ApiContext& ctx, const Event& attempted) {
  auto original = ctx.deps.store.find_event_by_idempotency_key(
      attempted.account_id, attempted.endpoint_id, *attempted.idempotency_key,
      attempted.created_at - std::chrono::duration_cast<Micros>(kIdempotencyWindow));
  if (!original) return status_response(original.status());
  HttpResponse r = accepted(200, original->id, event_status_name(original->status));
  r.headers.add("Idempotent-Replayed", "true");
  return r;
}

// Stores a validated event for the endpoint and answers 202 after its commit
// (200 with the original for a repeated Idempotency-Key); then hands it to this
// node's dispatcher.
void store_event(ApiContext& ctx, const Principal& p, const Endpoint& endpoint, std::string payload,
                 std::optional<std::string> type, std::optional<std::string> key,
                 const std::string& request_id, Respond respond) {
  Event e;
  e.id = ctx.deps.ids.next(id_prefix::kEvent);
  e.account_id = p.account.id;
  e.endpoint_id = endpoint.id;
  e.event_type = std::move(type);
  e.status = EventStatus::kQueued;
  e.payload = std::move(payload);
  e.created_at = ctx.deps.clock.now();
  e.next_attempt_at = e.created_at;
  e.idempotency_key = std::move(key);
  if (!request_id.empty()) e.request_id = request_id;
  // Handed to this node's dispatcher after the commit, so leased to it: no
  // poller (here or on another node) takes it meanwhile.
  std::optional<Event> hand_off;
  if (ctx.delivery.hand_off && endpoint.enabled) {
    e.lease_until = e.created_at + ctx.delivery.lease;
    if (!ctx.delivery.lease_owner.empty()) e.lease_owner = ctx.delivery.lease_owner;
    hand_off = e;
  }
  // An API-only node (no dispatcher) tells the delivering nodes instead.
  const bool announce = !ctx.delivery.hand_off && endpoint.enabled && ctx.delivery.wake;
  // What a duplicate needs to find its original (the payload stays behind).
  Event meta;
  meta.account_id = e.account_id;
  meta.endpoint_id = e.endpoint_id;
  meta.created_at = e.created_at;
  meta.idempotency_key = e.idempotency_key;
  std::string id = e.id;
  ctx.deps.store.insert_event(std::move(e), [id = std::move(id), respond = std::move(respond), &ctx,
                                             hand_off = std::move(hand_off), meta = std::move(meta),
                                             announce](Status s) mutable {
    if (s.code() == StatusCode::kAlreadyExists && meta.idempotency_key)
      return respond(replayed(ctx, meta));
    if (!s.is_ok()) {
      ctx.logger.error("ingest: event {} not stored: {}", id, s.to_string());
      return respond(status_response(s));
    }
    respond(accepted(202, id, "QUEUED"));
    if (hand_off) ctx.delivery.hand_off(std::move(*hand_off));
    if (announce) ctx.delivery.wake();
  });
}

// The account's endpoint (from the cache); NotFound for a malformed id too.
Result<std::shared_ptr<const Endpoint>> find_endpoint(ApiContext& ctx, const Principal& p,
                                                      std::string_view endpoint_id) {
  if (!is_well_formed_id(endpoint_id, id_prefix::kEndpoint)) return not_found("no such endpoint");
  return ctx.endpoints.get(p.account.id, endpoint_id);
}

void ingest(ApiContext& ctx, const Principal& p, HttpRequest& req, std::string_view endpoint_id,
            Respond respond) {
  auto endpoint = find_endpoint(ctx, p, endpoint_id);
  if (!endpoint)
    return respond(error_for(endpoint.status(), "endpoint_not_found", "no such endpoint"));
  if (auto ct = req.headers.get("Content-Type"); ct && !is_json_media_type(*ct))
    return respond(
        error_response(415, "unsupported_media_type", "Content-Type must be application/json"));
  int64_t limit = ingest_body_limit(ctx, p);
  if (static_cast<int64_t>(req.body.size()) > limit) return respond(too_large(limit));
  std::optional<std::string> key;
  if (auto k = req.headers.get("Idempotency-Key")) {
    if (!valid_idempotency_key(*k))
      return respond(error_response(400, "invalid_request",
                                    "Idempotency-Key must be 1 to 255 printable ASCII characters"));
    key = std::string(*k);
  }
  auto type = validate_payload(req.body);
  if (!type) return respond(error_response(400, "invalid_json", type.status().message()));
  store_event(ctx, p, **endpoint, std::move(req.body), std::move(*type), std::move(key),
              req.request_id, std::move(respond));
}

// POST /api/v1/endpoints/{id}/test: a generated event of type promptjang.test,
// stored, delivered, logged and counted like any other (the dashboard's
// "Send test event").
void send_test_event(ApiContext& ctx, const Principal& p, std::string_view endpoint_id,
                     const std::string& request_id, Respond respond) {
  auto endpoint = find_endpoint(ctx, p, endpoint_id);
  if (!endpoint)
    return respond(error_for(endpoint.status(), "endpoint_not_found", "no such endpoint"));
  std::string payload = std::string(R"({"event":")") + std::string(kTestEventType) +
                        R"(","data":{"message":"A test event sent from PromptJang.",)" +
                        R"("endpoint_id":")" + (*endpoint)->id + R"(","sent_at":")" +
                        format_rfc3339(ctx.deps.clock.now()) + "\"}}";
  store_event(ctx, p, **endpoint, std::move(payload), std::string(kTestEventType), std::nullopt,
              request_id, std::move(respond));
}

}  // namespace

void add_ingest_routes(Router& router, ApiContext& ctx) {
  router.add(
      "POST", "/api/v1/e/{endpoint_id}",
      authed(ctx, [&ctx](const Principal& p, HttpRequest& req, const PathParams& params,
                         Respond respond) { ingest(ctx, p, req, params[0], std::move(respond)); }));
  router.add("POST", "/api/v1/endpoints/{id}/test",
             authed(ctx, [&ctx](const Principal& p, HttpRequest& req, const PathParams& params,
                                Respond respond) {
               send_test_event(ctx, p, params[0], req.request_id, std::move(respond));
             }));
}

}  // namespace promptjang
