// Billing arithmetic: months (UTC) and the overage formula, with exact figures
// on the default plans (starter: $29, 100,000 included; pro: $69, 1,000,000).
#include "usage/billing.h"

#include <gtest/gtest.h>

#include <limits>

#include "core/time_format.h"

namespace promptjang {
namespace {

TimePoint at(std::string_view rfc3339) { return parse_rfc3339(rfc3339).value(); }

Plan plan_named(std::string_view name) { return find_plan(default_plans(), name).value(); }

TEST(MonthOfTest, SplitsAtUtcMonthBoundaries) {
  EXPECT_EQ(month_of(at("2026-01-31T23:59:59.999Z")), "2026-01");
  EXPECT_EQ(month_of(at("2026-01-31T23:59:59.999999Z")), "2026-01");
  EXPECT_EQ(month_of(at("2026-02-01T00:00:00Z")), "2026-02");
  EXPECT_EQ(month_of(at("2026-12-31T23:59:59.999Z")), "2026-12");
  EXPECT_EQ(month_of(at("2027-01-01T00:00:00Z")), "2027-01");
}

TEST(MonthOfTest, UsesUtcNotTheOffsetOfTheInput) {
  // 2026-03-01T01:00+02:00 is still February in UTC.
  EXPECT_EQ(month_of(at("2026-03-01T01:00:00+02:00")), "2026-02");
}

TEST(MonthOfTest, LeapDay) {
  EXPECT_EQ(month_of(at("2028-02-29T12:00:00Z")), "2028-02");
  EXPECT_EQ(month_of(at("2028-02-29T23:59:59.999Z")), "2028-02");
  EXPECT_EQ(month_of(at("2028-03-01T00:00:00Z")), "2028-03");
}

TEST(MonthBoundsTest, StartAndEndOfAMonth) {
  auto jan = month_bounds("2026-01");
  ASSERT_TRUE(jan.is_ok()) << jan.status().to_string();
  EXPECT_EQ(jan->first, at("2026-01-01T00:00:00Z"));
  EXPECT_EQ(jan->second, at("2026-02-01T00:00:00Z"));
}

TEST(MonthBoundsTest, DecemberEndsInTheNextYear) {
  auto dec = month_bounds("2026-12");
  ASSERT_TRUE(dec.is_ok()) << dec.status().to_string();
  EXPECT_EQ(dec->first, at("2026-12-01T00:00:00Z"));
  EXPECT_EQ(dec->second, at("2027-01-01T00:00:00Z"));
}

TEST(MonthBoundsTest, FebruaryOfALeapYear) {
  auto feb = month_bounds("2028-02");
  ASSERT_TRUE(feb.is_ok());
  EXPECT_EQ(feb->second, at("2028-03-01T00:00:00Z"));
  EXPECT_EQ(feb->second - feb->first, std::chrono::days(29));
  EXPECT_EQ(month_bounds("2026-02")->second - month_bounds("2026-02")->first,
            std::chrono::days(28));
}

TEST(MonthBoundsTest, RoundTripsWithMonthOf) {
  for (auto t :
       {at("2026-01-31T23:59:59.999Z"), at("2028-02-29T00:00:00Z"), at("2026-12-01T00:00:00Z")}) {
    auto b = month_bounds(month_of(t));
    ASSERT_TRUE(b.is_ok());
    EXPECT_LE(b->first, t);
    EXPECT_LT(t, b->second);
  }
}

TEST(MonthBoundsTest, RefusesWhatIsNotYyyyMm) {
  for (std::string_view bad :
       {"2026-13", "2026-00", "26-01", "2026-1", "", "2026-01-01", "2026/01", "2026-1a", "a026-01",
        " 2026-01", "2026-01 ", "+026-01", "2026--1"}) {
    auto r = month_bounds(bad);
    ASSERT_FALSE(r.is_ok()) << "'" << bad << "'";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << "'" << bad << "'";
  }
}

struct Case {
  int64_t events;
  int64_t units;
};

TEST(UsageReportTest, StarterOverageUnitsAndCost) {
  const Plan starter = plan_named("starter");
  ASSERT_EQ(starter.included_events, 100'000);
  ASSERT_EQ(starter.price_cents, 2900);
  ASSERT_EQ(starter.overage_cents_per_unit, 2900);
  for (auto [events, units] :
       {Case{0, 0}, Case{1, 0}, Case{99'999, 0}, Case{100'000, 0}, Case{100'001, 1},
        Case{200'000, 1}, Case{200'001, 2}, Case{300'000, 2}, Case{1'000'000, 9}}) {
    UsageReport r = usage_report(starter, "2026-02", events);
    EXPECT_EQ(r.events, events);
    EXPECT_EQ(r.overage_units, units) << events;
    EXPECT_EQ(r.cost_cents, 2900 + units * 2900) << events;
  }
}

TEST(UsageReportTest, ProOverageUnitsAndCost) {
  const Plan pro = plan_named("pro");
  ASSERT_EQ(pro.included_events, 1'000'000);
  for (auto [events, units] : {Case{0, 0}, Case{999'999, 0}, Case{1'000'000, 0}, Case{1'000'001, 1},
                               Case{1'100'000, 1}, Case{1'100'001, 2}}) {
    UsageReport r = usage_report(pro, "2026-02", events);
    EXPECT_EQ(r.overage_units, units) << events;
    EXPECT_EQ(r.cost_cents, 6900 + units * 6900) << events;
  }
}

TEST(UsageReportTest, CarriesThePlanAndThePeriod) {
  UsageReport r = usage_report(plan_named("pro"), "2026-12", 1'250'000);
  EXPECT_EQ(r.plan, "pro");
  EXPECT_EQ(r.period, "2026-12");
  EXPECT_EQ(r.period_start, at("2026-12-01T00:00:00Z"));
  EXPECT_EQ(r.period_end, at("2027-01-01T00:00:00Z"));
  EXPECT_EQ(r.events, 1'250'000);
  EXPECT_EQ(r.included, 1'000'000);
  EXPECT_EQ(r.overage_units, 3);
  EXPECT_EQ(r.price_cents, 6900);
  EXPECT_EQ(r.overage_cents_per_unit, 6900);
  EXPECT_EQ(r.cost_cents, 6900 + 3 * 6900);
}

TEST(UsageReportTest, UsesTheConfiguredOveragePrice) {
  Plan custom{"custom", 1000, 50'000, 7, 1024, 250};
  UsageReport r = usage_report(custom, "2026-02", 150'001);
  EXPECT_EQ(r.overage_units, 2);  // 100,001 over: one full unit and a started one
  EXPECT_EQ(r.cost_cents, 1000 + 2 * 250);
}

TEST(UsageReportTest, HugeCountsDoNotOverflowTheUnitCount) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  UsageReport r = usage_report(plan_named("starter"), "2026-02", max);
  EXPECT_EQ(r.overage_units, (max - 100'000) / 100'000 + 1);
}

TEST(UsageReportTest, NegativeCountIsZero) {
  UsageReport r = usage_report(plan_named("starter"), "2026-02", -5);
  EXPECT_EQ(r.events, 0);
  EXPECT_EQ(r.overage_units, 0);
  EXPECT_EQ(r.cost_cents, 2900);
}

}  // namespace
}  // namespace promptjang
