// store/store_keys.h: usage months in UTC and the id bound of a millisecond,
// checked against the ids IdGenerator makes.
#include "store/store_keys.h"

#include <gtest/gtest.h>

#include "core/ids.h"
#include "store/store_contract.h"

namespace promptjang::testing {
namespace {

using std::chrono::milliseconds;

TimePoint at(int y, unsigned m, unsigned d) {
  return TimePoint(std::chrono::sys_days(std::chrono::year{y} / m / d));
}

TEST(StoreKeysTest, UsageMonthIsTheUtcMonth) {
  EXPECT_EQ(usage_month(at(2026, 2, 1) - Micros(1)), "2026-01");
  EXPECT_EQ(usage_month(at(2026, 2, 1)), "2026-02");
  EXPECT_EQ(usage_month(at(2026, 12, 31) + std::chrono::hours(23)), "2026-12");
  EXPECT_EQ(usage_month(at(2027, 1, 1)), "2027-01");
  EXPECT_EQ(usage_month(from_unix_micros(0)), "1970-01");
  EXPECT_EQ(usage_month(from_unix_micros(1'700'000'000'000'000)), "2023-11");
}

TEST(StoreKeysTest, UsageMonthFormatIsChecked) {
  EXPECT_TRUE(is_usage_month("2026-01"));
  EXPECT_TRUE(is_usage_month("1999-12"));
  for (const char* bad :
       {"", "2026-1", "2026-00", "2026-13", "2026/01", "x026-01", "2026-01-01", " 2026-01"}) {
    EXPECT_FALSE(is_usage_month(bad)) << "'" << bad << "'";
  }
}

TEST(StoreKeysTest, MinIdAtSeparatesTheIdsMadeBeforeAMillisecond) {
  FakeClock clock;
  SeededRandom random(11);
  IdGenerator ids(clock, random);
  const int64_t ms = to_unix_micros(clock.now()) / 1000;
  const std::string bound = min_id_at(id_prefix::kEvent, ms);
  EXPECT_TRUE(is_well_formed_id(bound, id_prefix::kEvent)) << bound;
  for (int i = 0; i < 50; ++i) {
    const std::string now = ids.next(id_prefix::kEvent);
    EXPECT_LE(bound, now);
    EXPECT_LT(now, min_id_at(id_prefix::kEvent, ms + 1));
  }
  clock.advance(milliseconds(-1));  // ids never go back; a fresh generator shows the ms before
  IdGenerator earlier(clock, random);
  EXPECT_LT(earlier.next(id_prefix::kEvent), bound);
  EXPECT_EQ(min_id_at("evt_", 0), "evt_" + std::string(26, '0'));
  EXPECT_EQ(min_id_at("evt_", -5), min_id_at("evt_", 0));
}

}  // namespace
}  // namespace promptjang::testing
