// GET /api/v1/stats/deliveries?since=&until= (docs/dashboard.md, "Delivery
// statistics"): an account's delivery attempts per 10-minute bucket, every
// bucket of the range (empty ones with zeros and nulls), and their totals.
// The counts come from the store's per-bucket aggregate, never from a scan of
// attempts. Runs on an I/O thread (authed_sync): one primary-key range read.
#include <cmath>
#include <string>

#include "api/context.h"
#include "api/errors.h"
#include "api/json_io.h"
#include "api/query.h"
#include "api/serialize.h"
#include "core/time_format.h"
#include "model/delivery_stats.h"

namespace promptjang {
namespace {

constexpr auto kDefaultRange = std::chrono::hours(24);
constexpr auto kMaxRange = std::chrono::days(31);

struct Range {
  TimePoint since;  // a bucket start
  TimePoint until;
};

Result<std::optional<TimePoint>> time_param(const Query& q, std::string_view name) {
  auto s = q.get(name);
  if (!s) return std::optional<TimePoint>{};
  auto t = parse_rfc3339(*s);
  if (!t) {
    return invalid_argument(std::string(name) +
                            " must be an RFC 3339 time, e.g. 2026-11-30T12:00:00Z");
  }
  return std::optional<TimePoint>{*t};
}

// until defaults to now. An explicit since is rounded down to a bucket start;
// the default one is until - 24 h rounded up to one, so that the default range
// is exactly 144 buckets (rounding down would make it 145 whenever until is
// not itself a bucket start). The range limits apply to since as given.
Result<Range> parse_range(const HttpRequest& req, TimePoint now) {
  auto q = Query::parse(req.query);
  if (!q) return q.status();
  auto since = time_param(*q, "since");
  if (!since) return since.status();
  auto until = time_param(*q, "until");
  if (!until) return until.status();
  Range r;
  r.until = until->value_or(now);
  if (*since) {
    if (r.until <= **since) return invalid_argument("until must be after since");
    if (r.until - **since > kMaxRange) {
      return invalid_argument("the range from since to until must be at most 31 days");
    }
    r.since = stats_bucket_start(**since);
  } else {
    r.since = stats_bucket_start(r.until - kDefaultRange - Micros(1)) + kStatsBucket;
  }
  return r;
}

// Rounded to a tenth of a millisecond; null when there is none.
boost::json::value ms_json(const std::optional<double>& ms) {
  if (!ms) return nullptr;
  return std::round(*ms * 10.0) / 10.0;
}

// The counts of one bucket (or the totals) as the dashboard reads them.
void put_counts(boost::json::object& o, const DeliveryStatsBucket& b) {
  o["attempts"] = b.attempts;
  o["succeeded"] = b.succeeded;
  o["failed"] = b.attempts - b.succeeded;
  if (b.attempts > 0) {
    o["success_rate"] = static_cast<double>(b.succeeded) / static_cast<double>(b.attempts);
  } else {
    o["success_rate"] = nullptr;
  }
  o["p50_ms"] = ms_json(latency_percentile(b.latency, 0.50));
  o["p95_ms"] = ms_json(latency_percentile(b.latency, 0.95));
}

HttpResponse deliveries(ApiContext& ctx, const Principal& p, const HttpRequest& req) {
  auto range = parse_range(req, ctx.deps.clock.now());
  if (!range) return error_response(400, "invalid_request", range.status().message());
  auto stored = ctx.deps.store.delivery_stats(p.account.id, range->since, range->until);
  if (!stored) return status_response(stored.status());

  DeliveryStatsBucket totals;
  boost::json::array data;
  size_t next = 0;  // the next stored bucket (oldest first)
  for (TimePoint start = range->since; start < range->until; start += kStatsBucket) {
    DeliveryStatsBucket bucket;
    bucket.start = start;
    // Stored starts are bucket starts and so is `since`: they meet exactly.
    while (next < stored->size() && (*stored)[next].start < start) ++next;
    if (next < stored->size() && (*stored)[next].start == start) bucket = (*stored)[next++];
    add_counts(totals, bucket);
    boost::json::object o;
    o["start"] = format_rfc3339(start);
    put_counts(o, bucket);
    data.push_back(std::move(o));
  }
  boost::json::object totals_json;
  put_counts(totals_json, totals);
  boost::json::object body;
  body["bucket_seconds"] = std::chrono::duration_cast<std::chrono::seconds>(kStatsBucket).count();
  body["since"] = format_rfc3339(range->since);
  body["until"] = format_rfc3339(range->until);
  body["totals"] = std::move(totals_json);
  body["data"] = std::move(data);
  return json_response(200, body);
}

}  // namespace

void add_stats_routes(Router& router, ApiContext& ctx) {
  router.add("GET", "/api/v1/stats/deliveries",
             authed_sync(ctx, [&ctx](const Principal& p, HttpRequest& req, const PathParams&) {
               return deliveries(ctx, p, req);
             }));
}

}  // namespace promptjang
