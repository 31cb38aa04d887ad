// GET /api/v1/stats/deliveries end to end (docs/dashboard.md, "Delivery
// statistics"): the real server delivers to a real receiver on loopback, one
// path answering 200 and one 500; the statistics then count those attempts for
// their account only, with the default range's 144 buckets; a bad range is
// 400 and a missing key 401. Waits are bounded polls over the API.
#include <cmath>

#include "delivery_support.h"
#include "support/receiver.h"

namespace promptjang::testing {
namespace {

using namespace std::chrono_literals;

void expect_invalid(const ClientResponse& r, const std::string& what) {
  EXPECT_EQ(r.status, 400) << what << ": " << r.body;
  auto v = json::parse(r.body);
  EXPECT_EQ(v.at("error").at("code").as_string(), "invalid_request") << what;
  EXPECT_FALSE(v.at("error").at("message").as_string().empty()) << what;
}

class StatsTest : public ::testing::Test {
 protected:
  static void delivering(Config& c) {
    c.delivery = true;
    c.allow_private_targets = true;
    c.retry_schedule = "600";  // a 500 is retried long after the test
    c.delivery_timeout_s = 2;
    c.connect_timeout_s = 1;
  }
  TestNode node_{delivering};
  Receiver rx_;
};

TEST_F(StatsTest, CountsTheAccountsAttemptsOverTheLast24Hours) {
  rx_.script("/fail", {500, 0ms, "boom"});
  Tenant t = node_.make_tenant();
  Tenant other = node_.make_tenant();
  ApiDriver api(node_.url(""), t.auth());
  const std::string ok = api.endpoint(rx_.url("/ok"));
  const std::string fail = api.endpoint(rx_.url("/fail"));
  std::vector<std::string> delivered;
  for (int i = 0; i < 3; ++i) delivered.push_back(api.ingest(ok, R"({"event":"order.paid"})"));
  const std::string failed = api.ingest(fail, R"({"event":"order.paid"})");
  for (const auto& id : delivered) api.wait_status(id, "DELIVERED");
  api.wait_status(failed, "RETRYING");  // the count commits with the status

  auto r = api.call("GET", "/api/v1/stats/deliveries");
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = json::parse(r.body);
  EXPECT_EQ(v.at("bucket_seconds").as_int64(), 600);
  const auto& totals = v.at("totals");
  EXPECT_EQ(totals.at("attempts").as_int64(), 4);
  EXPECT_EQ(totals.at("succeeded").as_int64(), 3);
  EXPECT_EQ(totals.at("failed").as_int64(), 1);
  EXPECT_DOUBLE_EQ(totals.at("success_rate").to_number<double>(), 0.75);
  ASSERT_TRUE(totals.at("p50_ms").is_number()) << r.body;
  ASSERT_TRUE(totals.at("p95_ms").is_number()) << r.body;
  const double p50 = totals.at("p50_ms").to_number<double>();
  const double p95 = totals.at("p95_ms").to_number<double>();
  EXPECT_GE(p50, 0);
  EXPECT_LE(p50, p95);
  EXPECT_DOUBLE_EQ(p95, std::round(p95 * 10) / 10) << "rounded to 0.1 ms";

  const auto& data = v.at("data").as_array();
  ASSERT_EQ(data.size(), 144u);
  int64_t attempts = 0, succeeded = 0;
  std::string previous;
  for (const auto& b : data) {
    std::string start(b.at("start").as_string());
    EXPECT_LT(previous, start) << "oldest first";
    previous = start;
    attempts += b.at("attempts").as_int64();
    succeeded += b.at("succeeded").as_int64();
    if (b.at("attempts").as_int64() == 0) {
      EXPECT_TRUE(b.at("success_rate").is_null());
      EXPECT_TRUE(b.at("p50_ms").is_null());
      EXPECT_TRUE(b.at("p95_ms").is_null());
    }
  }
  EXPECT_EQ(attempts, 4);
  EXPECT_EQ(succeeded, 3);
  EXPECT_EQ(std::string(data[0].at("start").as_string()), std::string(v.at("since").as_string()));

  // Another tenant sees none of them.
  ApiDriver other_api(node_.url(""), other.auth());
  auto o = other_api.get("/api/v1/stats/deliveries");
  EXPECT_EQ(o.at("totals").at("attempts").as_int64(), 0);
  EXPECT_TRUE(o.at("totals").at("success_rate").is_null());
  EXPECT_TRUE(o.at("totals").at("p50_ms").is_null());
  EXPECT_EQ(o.at("data").as_array().size(), 144u);
}

TEST_F(StatsTest, ExplicitRangeRoundsSinceDownToABucket) {
  Tenant t = node_.make_tenant();
  ApiDriver api(node_.url(""), t.auth());
  auto v = api.get(
      "/api/v1/stats/deliveries?since=2026-11-30T10:05:00Z&until=2026-11-30T11:00:00%2B00:00");
  EXPECT_EQ(v.at("since").as_string(), "2026-11-30T10:00:00.000Z");
  EXPECT_EQ(v.at("until").as_string(), "2026-11-30T11:00:00.000Z");
  const auto& data = v.at("data").as_array();
  ASSERT_EQ(data.size(), 6u);
  EXPECT_EQ(data[5].at("start").as_string(), "2026-11-30T10:50:00.000Z");
  EXPECT_EQ(data[0].at("attempts").as_int64(), 0);
  EXPECT_EQ(data[0].at("failed").as_int64(), 0);
  // 31 days exactly is allowed.
  auto r = api.call(
      "GET", "/api/v1/stats/deliveries?since=2026-10-30T12:00:00Z&until=2026-11-30T12:00:00Z");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).at("data").as_array().size(), 31u * 144);
}

TEST_F(StatsTest, BadRangesAre400) {
  Tenant t = node_.make_tenant();
  ApiDriver api(node_.url(""), t.auth());
  const std::string path = "/api/v1/stats/deliveries";
  expect_invalid(api.call("GET", path + "?since=yesterday"), "since not RFC 3339");
  expect_invalid(api.call("GET", path + "?until=2026-11-30"), "until without a time");
  expect_invalid(api.call("GET", path + "?since=2026-11-30T12:00:00Z&until=2026-11-30T12:00:00Z"),
                 "empty range");
  expect_invalid(api.call("GET", path + "?since=2026-11-30T12:00:00Z&until=2026-11-29T12:00:00Z"),
                 "until before since");
  expect_invalid(api.call("GET", path + "?since=2026-10-30T11:59:59Z&until=2026-11-30T12:00:00Z"),
                 "over 31 days");
  expect_invalid(api.call("GET", path + "?since=%ZZ"), "broken escape");
}

TEST_F(StatsTest, NeedsAKey) {
  HttpClient http;
  auto r = http.request("GET", node_.url("/api/v1/stats/deliveries"), {});
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(json::parse(r.body).at("error").at("code").as_string(), "unauthorized");
  r = http.request("GET", node_.url("/api/v1/stats/deliveries"),
                   {"Authorization: Bearer pj_live_" + std::string(32, 'A')});
  EXPECT_EQ(r.status, 401) << r.body;
}

}  // namespace
}  // namespace promptjang::testing
