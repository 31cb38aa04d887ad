// Plans, usage, idempotent ingest, the per-key rate limit and retention over the
// real API (SPEC §1, §4).
#include <atomic>
#include <future>
#include <mutex>
#include <set>

#include "core/ids.h"
#include "crypto/secure_random.h"
#include "delivery_support.h"
#include "support/receiver.h"
#include "usage/billing.h"
#include "usage/retention_sweeper.h"

namespace promptjang::testing {
namespace {

using namespace std::chrono_literals;

std::string json_of_size(size_t size) {
  std::string head = R"({"event":"big","pad":")", tail = "\"}";
  return head + std::string(size - head.size() - tail.size(), 'x') + tail;
}

TEST(UsageTest, CountsEventsAndPricesTheMonth) {
  TestNode node;
  Tenant t = node.make_tenant();
  ApiDriver api(node.url(""), t.auth());
  std::string ep = api.endpoint("https://example.com/h");
  for (int i = 0; i < 3; ++i) api.ingest(ep, R"({"event":"counted"})");
  auto u = api.get("/api/v1/usage");
  EXPECT_EQ(u.at("plan").as_string(), "starter");
  EXPECT_EQ(u.at("period").as_string(), month_of(node.runtime().clock().now()));
  EXPECT_EQ(u.at("events").as_int64(), 3);
  EXPECT_EQ(u.at("included").as_int64(), 100000);
  EXPECT_EQ(u.at("overage_units").as_int64(), 0);
  EXPECT_EQ(u.at("cost_cents").as_int64(), 2900);
  EXPECT_EQ(api.get("/api/v1/usage?month=2000-01").at("events").as_int64(), 0);
  EXPECT_EQ(api.call("GET", "/api/v1/usage?month=2000-13").status, 400);
  // Another tenant's count is its own.
  Tenant other = node.make_tenant();
  ApiDriver api2(node.url(""), other.auth());
  EXPECT_EQ(api2.get("/api/v1/usage").at("events").as_int64(), 0);
}

TEST(UsageTest, PlansListsTheOfferedPlansWithTheirFigures) {
  TestNode node;
  Tenant t = node.make_tenant();
  ApiDriver api(node.url(""), t.auth());
  auto r = api.call("GET", "/api/v1/plans");
  ASSERT_EQ(r.status, 200) << r.body;
  auto plans = json::parse(r.body).at("data").as_array();
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_EQ(plans[0].at("name").as_string(), "starter");
  EXPECT_EQ(plans[0].at("price_cents").as_int64(), 2900);
  EXPECT_EQ(plans[0].at("included_events").as_int64(), 100000);
  EXPECT_EQ(plans[0].at("retention_days").as_int64(), 7);
  EXPECT_EQ(plans[0].at("max_payload_bytes").as_int64(), 262144);
  EXPECT_EQ(plans[0].at("overage_unit_events").as_int64(), 100000);
  EXPECT_EQ(plans[1].at("name").as_string(), "pro");
  EXPECT_EQ(plans[1].at("max_payload_bytes").as_int64(), 2097152);
  HttpClient anonymous;
  EXPECT_EQ(anonymous.request("GET", node.url("/api/v1/plans")).status, 401);
}

TEST(UsageTest, PlanChangeAppliesFromThenOn) {
  TestNode node;
  Tenant t = node.make_tenant();
  ApiDriver api(node.url(""), t.auth());
  std::string ep = api.endpoint("https://example.com/h");
  EXPECT_EQ(api.call("POST", "/api/v1/e/" + ep, json_of_size(262'145)).status, 413);
  EXPECT_EQ(api.call("PATCH", "/api/v1/account", R"({"plan":"gold"})").status, 400);
  auto changed = api.call("PATCH", "/api/v1/account", R"({"plan":"pro"})");
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(api.get("/api/v1/account").at("plan").as_string(), "pro");
  EXPECT_EQ(api.call("POST", "/api/v1/e/" + ep, json_of_size(262'145)).status, 202)
      << "the new payload limit applies at once";
  auto u = api.get("/api/v1/usage");
  EXPECT_EQ(u.at("plan").as_string(), "pro");
  EXPECT_EQ(u.at("included").as_int64(), 1000000);
  EXPECT_EQ(u.at("cost_cents").as_int64(), 6900);
}

TEST(UsageTest, ConcurrentDuplicatesMakeOneEventAndOneDelivery) {
  TestNode node([](Config& c) {
    c.delivery = true;
    c.allow_private_targets = true;
  });
  Receiver rx;
  Tenant t = node.make_tenant();
  ApiDriver api(node.url(""), t.auth());
  std::string ep = api.endpoint(rx.url("/once"));
  std::mutex mu;
  std::set<std::string> ids;
  std::atomic<int> created{0}, replayed{0}, errors{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 20; ++i)
    clients.emplace_back([&] {
      HttpClient http;
      auto r = http.request("POST", node.url("/api/v1/e/" + ep),
                            {t.auth(), "Idempotency-Key: order-123"}, R"({"event":"once"})");
      if (r.status == 202)
        ++created;
      else if (r.status == 200)
        ++replayed;
      else
        ++errors;
      if (r.status == 200 || r.status == 202) {
        std::lock_guard lock(mu);
        ids.insert(std::string(json::parse(r.body).at("id").as_string()));
      }
    });
  for (auto& c : clients) c.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(replayed.load(), 19);
  EXPECT_EQ(ids.size(), 1u) << "every answer names the original event";
  ASSERT_TRUE(rx.wait_for("/once", 1, 10s));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(rx.deliveries("/once").size(), 1u) << "one event, one delivery";
  EXPECT_EQ(api.get("/api/v1/events").at("data").as_array().size(), 1u);
  EXPECT_EQ(api.get("/api/v1/usage").at("events").as_int64(), 1) << "duplicates are not counted";

  // The same key on another endpoint is another event; a bad key is refused.
  std::string ep2 = api.endpoint(rx.url("/twice"));
  HttpClient http;
  EXPECT_EQ(http.request("POST", node.url("/api/v1/e/" + ep2),
                         {t.auth(), "Idempotency-Key: order-123"}, "{}")
                .status,
            202);
  EXPECT_EQ(http.request("POST", node.url("/api/v1/e/" + ep2),
                         {t.auth(), "Idempotency-Key: " + std::string(256, 'k')}, "{}")
                .status,
            400);
}

TEST(UsageTest, RateLimitPerKeyAnswers429WithRetryAfter) {
  TestNode node([](Config& c) {
    c.rate_limit = 2;
    c.rate_limit_burst = 5;
  });
  Tenant t = node.make_tenant(), other = node.make_tenant();
  HttpClient http;
  int ok = 0;
  ClientResponse limited;
  for (int i = 0; i < 8; ++i) {
    auto r = http.request("GET", node.url("/api/v1/endpoints"), {t.auth()});
    if (r.status == 200)
      ++ok;
    else
      limited = r;
  }
  EXPECT_GE(ok, 5);
  EXPECT_LT(ok, 8);
  EXPECT_EQ(limited.status, 429);
  EXPECT_GE(std::stoi(limited.headers["retry-after"]), 1);
  EXPECT_NE(limited.body.find("rate_limited"), std::string::npos);
  EXPECT_EQ(http.request("GET", node.url("/api/v1/endpoints"), {other.auth()}).status, 200)
      << "keys are limited independently";
}

TEST(UsageTest, RetentionDeletesWhatIsDueWhileIngestGoesOn) {
  TestNode node;
  Tenant t = node.make_tenant();
  ApiDriver api(node.url(""), t.auth());
  std::string ep = api.endpoint("https://example.com/h");
  Store& store = node.runtime().store();
  // Events written as if ingested 8 days ago (past starter's 7) and 6 days ago.
  FakeClock past(node.runtime().clock().now() - std::chrono::hours(24 * 8));
  SecureRandom random;
  IdGenerator ids(past, random);
  auto add_old = [&] {
    Event e;
    e.id = ids.next(id_prefix::kEvent);
    e.account_id = t.account_id;
    e.endpoint_id = ep;
    e.payload = R"({"event":"old"})";
    e.created_at = past.now();
    std::promise<Status> p;
    store.insert_event(e, [&](Status s) { p.set_value(s); });
    EXPECT_TRUE(p.get_future().get().is_ok());
    return e.id;
  };
  std::vector<std::string> expired, kept;
  for (int i = 0; i < 120; ++i) expired.push_back(add_old());
  past.advance(std::chrono::hours(48));
  for (int i = 0; i < 30; ++i) kept.push_back(add_old());

  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::mutex mu;
  std::vector<std::string> fresh;
  std::vector<std::thread> clients;
  for (int c = 0; c < 20; ++c)
    clients.emplace_back([&] {
      HttpClient http;
      while (!stop) {
        auto r =
            http.request("POST", node.url("/api/v1/e/" + ep), {t.auth()}, R"({"event":"new"})");
        if (r.status != 202) {
          ++failures;
          continue;
        }
        std::lock_guard lock(mu);
        fresh.push_back(std::string(json::parse(r.body).at("id").as_string()));
      }
    });
  std::this_thread::sleep_for(100ms);
  auto logger = make_null_logger();
  SweeperOptions options;
  options.batch = 10;
  RetentionSweeper sweeper(store, default_plans(), node.runtime().clock(), *logger, options);
  EXPECT_EQ(sweeper.sweep_once(), 120);
  std::this_thread::sleep_for(100ms);
  stop = true;
  for (auto& c : clients) c.join();
  EXPECT_EQ(failures.load(), 0) << "ingest never failed while the sweeper ran";
  EXPECT_GT(fresh.size(), 20u);
  for (const auto& id : expired)
    EXPECT_EQ(api.call("GET", "/api/v1/events/" + id).status, 404) << id;
  for (const auto& id : kept) EXPECT_EQ(api.call("GET", "/api/v1/events/" + id).status, 200) << id;
  for (size_t i = 0; i < fresh.size(); i += 7)
    EXPECT_EQ(api.call("GET", "/api/v1/events/" + fresh[i]).status, 200) << fresh[i];
  EXPECT_EQ(sweeper.sweep_once(), 0) << "nothing else was due";
}

}  // namespace
}  // namespace promptjang::testing
