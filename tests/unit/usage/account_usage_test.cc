// account_usage over a real SQLite store: the month's count becomes the report;
// a malformed month and an unknown plan are refused.
#include <gtest/gtest.h>

#include "core/time_format.h"
#include "unit/usage/usage_fixture.h"
#include "usage/billing.h"

namespace promptjang {
namespace {

TimePoint at(std::string_view rfc3339) { return parse_rfc3339(rfc3339).value(); }

class AccountUsageTest : public testing::UsageStoreTest {};

TEST_F(AccountUsageTest, ReportsTheMonthsCount) {
  Account a = add_account("starter");
  Account other = add_account("starter");
  add_event(a, at("2026-01-31T23:59:59.999Z"));
  add_event(a, at("2026-02-01T00:00:00Z"));
  add_event(a, at("2026-02-14T12:00:00Z"));
  add_event(a, at("2026-02-28T23:59:59.999Z"));
  add_event(a, at("2026-03-01T00:00:00Z"));
  add_event(other, at("2026-02-10T00:00:00Z"));

  auto feb = account_usage(store(), default_plans(), a, "2026-02");
  ASSERT_TRUE(feb.is_ok()) << feb.status().to_string();
  EXPECT_EQ(feb->plan, "starter");
  EXPECT_EQ(feb->period, "2026-02");
  EXPECT_EQ(feb->period_start, at("2026-02-01T00:00:00Z"));
  EXPECT_EQ(feb->period_end, at("2026-03-01T00:00:00Z"));
  EXPECT_EQ(feb->events, 3);
  EXPECT_EQ(feb->included, 100'000);
  EXPECT_EQ(feb->overage_units, 0);
  EXPECT_EQ(feb->cost_cents, 2900);

  auto jan = account_usage(store(), default_plans(), a, "2026-01");
  ASSERT_TRUE(jan.is_ok());
  EXPECT_EQ(jan->events, 1);
}

TEST_F(AccountUsageTest, AMonthWithoutEventsIsZero) {
  Account a = add_account("pro");
  auto r = account_usage(store(), default_plans(), a, "2025-07");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->events, 0);
  EXPECT_EQ(r->cost_cents, 6900);
}

TEST_F(AccountUsageTest, UsesTheGivenPlans) {
  Account a = add_account("starter");
  add_event(a, at("2026-02-02T00:00:00Z"));
  add_event(a, at("2026-02-03T00:00:00Z"));
  // A tiny configured plan: 1 included event, so 1 event over is one started unit.
  std::vector<Plan> plans{Plan{"starter", 100, 1, 7, 1024, 10}};
  auto r = account_usage(store(), plans, a, "2026-02");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->events, 2);
  EXPECT_EQ(r->overage_units, 1);
  EXPECT_EQ(r->cost_cents, 110);
}

TEST_F(AccountUsageTest, UnknownPlanIsInternal) {
  Account a = add_account("enterprise");
  auto r = account_usage(store(), default_plans(), a, "2026-02");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

TEST_F(AccountUsageTest, MalformedMonthIsInvalidArgument) {
  Account a = add_account("starter");
  for (std::string_view bad : {"2026-13", "26-01", "2026-1", ""}) {
    auto r = account_usage(store(), default_plans(), a, bad);
    ASSERT_FALSE(r.is_ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace promptjang
