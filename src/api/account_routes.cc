// The account itself (SPEC §1): GET /api/v1/account, PATCH /api/v1/account
// {"plan"} (the new payload limit and retention apply from then on), and
// GET /api/v1/usage?month=YYYY-MM (plan, period, events, included, overage units,
// cost), and GET /api/v1/plans (the plans this server offers, with their
// prices and limits, for the dashboard's plan page). Usage is counted in the
// same transaction as each event.
#include "api/context.h"
#include "api/errors.h"
#include "api/json_io.h"
#include "api/query.h"
#include "api/serialize.h"
#include "usage/billing.h"

namespace promptjang {
namespace {

boost::json::object account_json(const Account& a) {
  return boost::json::object{
      {"id", a.id}, {"name", a.name}, {"plan", a.plan}, {"created_at", time_json(a.created_at)}};
}

HttpResponse set_plan(ApiContext& ctx, const Principal& p, const HttpRequest& req) {
  auto body = parse_object_body(req.body);
  if (!body) return error_response(400, "invalid_json", body.status().message());
  auto plan = optional_string(*body, "plan");
  if (!plan) return error_response(400, "invalid_request", plan.status().message());
  if (!*plan) return error_response(400, "invalid_request", "plan is required");
  if (!find_plan(ctx.deps.plans, **plan))
    return error_response(400, "invalid_request", "unknown plan '" + **plan + "'");
  Status s = ctx.deps.store.set_account_plan(p.account.id, **plan);
  if (!s) return status_response(s);
  ctx.keys.invalidate_account(p.account.id);  // cached principals carry the plan
  Account a = p.account;
  a.plan = **plan;
  return json_response(200, account_json(a));
}

HttpResponse usage(ApiContext& ctx, const Principal& p, const HttpRequest& req) {
  auto q = Query::parse(req.query);
  if (!q) return error_response(400, "invalid_request", q.status().message());
  std::string month = q->get("month").value_or(month_of(ctx.deps.clock.now()));
  if (!month_bounds(month)) return error_response(400, "invalid_request", "month must be YYYY-MM");
  auto report = account_usage(ctx.deps.store, ctx.deps.plans, p.account, month);
  if (!report) return status_response(report.status());
  boost::json::object o{{"plan", report->plan},
                        {"period", report->period},
                        {"period_start", time_json(report->period_start)},
                        {"period_end", time_json(report->period_end)},
                        {"events", report->events},
                        {"included", report->included},
                        {"overage_units", report->overage_units},
                        {"cost", static_cast<double>(report->cost_cents) / 100.0},
                        {"cost_cents", report->cost_cents},
                        {"currency", "usd"}};
  return json_response(200, o);
}

boost::json::object plan_json(const Plan& plan) {
  return boost::json::object{{"name", plan.name},
                             {"price_cents", plan.price_cents},
                             {"currency", "usd"},
                             {"included_events", plan.included_events},
                             {"retention_days", plan.retention_days},
                             {"max_payload_bytes", plan.max_payload_bytes},
                             {"overage_unit_events", kOverageUnitEvents},
                             {"overage_unit_price_cents", plan.overage_cents_per_unit}};
}

}  // namespace

void add_account_routes(Router& router, ApiContext& ctx) {
  router.add("GET", "/api/v1/account",
             authed_sync(ctx, [](const Principal& p, HttpRequest&, const PathParams&) {
               return json_response(200, account_json(p.account));
             }));
  router.add("PATCH", "/api/v1/account",
             authed_sync(ctx, [&ctx](const Principal& p, HttpRequest& req, const PathParams&) {
               return set_plan(ctx, p, req);
             }));
  router.add("GET", "/api/v1/plans",
             authed_sync(ctx, [&ctx](const Principal&, HttpRequest&, const PathParams&) {
               boost::json::array plans;
               for (const auto& plan : ctx.deps.plans) plans.push_back(plan_json(plan));
               return json_response(200, boost::json::object{{"data", std::move(plans)}});
             }));
  router.add("GET", "/api/v1/usage",
             authed_sync(ctx, [&ctx](const Principal& p, HttpRequest& req, const PathParams&) {
               return usage(ctx, p, req);
             }));
}

}  // namespace promptjang
