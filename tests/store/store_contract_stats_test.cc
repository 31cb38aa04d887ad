// Contract: delivery statistics (store/store.h, docs/dashboard.md). Each
// recorded attempt is counted in its own account's 10-minute bucket of its
// started_at: attempts, succeeded (2xx only; a timeout without an answer is
// not), and its duration's latency bucket; delivery_stats answers the stored
// buckets with since <= start < until, oldest first; old buckets are deleted
// in batches.
#include <optional>
#include <vector>

#include "core/time_format.h"
#include "store/store_contract.h"

namespace promptjang::testing {
namespace {

using std::chrono::minutes;
using ::testing::IsEmpty;

TimePoint at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

class StatsReader {
 public:
  explicit StatsReader(Store& store) : store_(store) {}
  std::vector<DeliveryStatsBucket> read(const std::string& account, TimePoint since,
                                        TimePoint until) {
    auto r = store_.delivery_stats(account, since, until);
    EXPECT_TRUE(r) << r.status().to_string();
    return r ? *r : std::vector<DeliveryStatsBucket>{};
  }
  std::vector<TimePoint> starts(const std::string& account, TimePoint since, TimePoint until) {
    std::vector<TimePoint> out;
    for (const auto& b : read(account, since, until)) out.push_back(b.start);
    return out;
  }

 private:
  Store& store_;
};

// The first attempt of `e`, started at `started`, taking `ms`, answered with
// `code` (none: a timeout); it leaves the event RETRYING.
AttemptRecord attempt(const Event& e, TimePoint started, int64_t ms, std::optional<int> code) {
  AttemptRecord r;
  r.attempt.event_id = e.id;
  r.attempt.number = 1;
  r.attempt.started_at = started;
  r.attempt.duration_ms = ms;
  r.attempt.status_code = code;
  if (!code) r.attempt.error = "timeout";
  r.new_status = EventStatus::kRetrying;
  r.next_attempt_at = started + std::chrono::hours(1);
  return r;
}

const TimePoint kTen = at("2026-11-30T10:00:00Z");
const TimePoint kDay = at("2026-11-30T00:00:00Z");
const TimePoint kNextDay = at("2026-12-01T00:00:00Z");

TEST_P(StoreContractTest, StatsCountAttemptsPerAccount) {
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(record(attempt(add_event(ep_a_), kTen + minutes(1), 10, 200)));
  ASSERT_TRUE(record(attempt(add_event(ep_b_), kTen + minutes(2), 10, 500)));
  StatsReader stats(store());

  auto a = stats.read(a_.id, kDay, kNextDay);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].start, kTen);
  EXPECT_EQ(a[0].attempts, 3);
  EXPECT_EQ(a[0].succeeded, 3);
  auto b = stats.read(b_.id, kDay, kNextDay);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].attempts, 1);
  EXPECT_EQ(b[0].succeeded, 0);
  EXPECT_THAT(stats.read(new_id(id_prefix::kAccount), kDay, kNextDay), IsEmpty());
}

TEST_P(StoreContractTest, StatsCountOnly2xxAsSucceeded) {
  for (std::optional<int> code :
       {std::optional<int>(200), std::optional<int>(204), std::optional<int>(299),
        std::optional<int>(199), std::optional<int>(301), std::optional<int>(410),
        std::optional<int>(500), std::optional<int>()}) {
    ASSERT_TRUE(record(attempt(add_event(ep_a_), kTen, 10, code)));
  }
  auto a = StatsReader(store()).read(a_.id, kDay, kNextDay);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].attempts, 8);
  EXPECT_EQ(a[0].succeeded, 3);
}

TEST_P(StoreContractTest, StatsCountEveryAttemptOfAnEvent) {
  clock_.set(kTen);  // add_event_in's attempts start at the clock's ticks
  add_event_in(ep_a_, EventStatus::kFailed, 3);
  add_event_in(ep_a_, EventStatus::kDelivered, 2);
  auto a = StatsReader(store()).read(a_.id, kDay, kNextDay);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].attempts, 5);
  EXPECT_EQ(a[0].succeeded, 1);
  EXPECT_EQ(a[0].latency[latency_bucket(12)], 5);  // failed_attempt takes 12 ms
}

TEST_P(StoreContractTest, StatsCountDurationsInTheirLatencyBuckets) {
  const std::vector<int64_t> durations = {0, 0, 1, 4, 5, 999, 1000, 14999, 15000, 600000};
  for (int64_t ms : durations) ASSERT_TRUE(record(attempt(add_event(ep_a_), kTen, ms, 200)));
  auto a = StatsReader(store()).read(a_.id, kDay, kNextDay);
  ASSERT_EQ(a.size(), 1u);
  LatencyHistogram want{};
  want[0] = 2;   // 0, 0
  want[1] = 1;   // 1
  want[2] = 1;   // 4
  want[3] = 1;   // 5
  want[9] = 1;   // 999
  want[10] = 1;  // 1000
  want[13] = 1;  // 14999
  want[14] = 2;  // 15000, 600000
  EXPECT_EQ(a[0].latency, want);
  EXPECT_EQ(a[0].attempts, static_cast<int64_t>(durations.size()));
}

TEST_P(StoreContractTest, StatsBucketsAreTenMinutesOfStartedAt) {
  ASSERT_TRUE(record(attempt(add_event(ep_a_), at("2026-11-30T10:09:59.999Z"), 10, 200)));
  ASSERT_TRUE(record(attempt(add_event(ep_a_), at("2026-11-30T10:10:00.000Z"), 10, 500)));
  ASSERT_TRUE(record(attempt(add_event(ep_a_), at("2026-11-30T10:19:59.999999Z"), 10, 500)));
  ASSERT_TRUE(record(attempt(add_event(ep_a_), at("2026-11-30T09:59:59.999999Z"), 10, 200)));
  auto a = StatsReader(store()).read(a_.id, kDay, kNextDay);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].start, at("2026-11-30T09:50:00Z"));
  EXPECT_EQ(a[0].attempts, 1);
  EXPECT_EQ(a[1].start, at("2026-11-30T10:00:00Z"));
  EXPECT_EQ(a[1].attempts, 1);
  EXPECT_EQ(a[1].succeeded, 1);
  EXPECT_EQ(a[2].start, at("2026-11-30T10:10:00Z"));
  EXPECT_EQ(a[2].attempts, 2);
  EXPECT_EQ(a[2].succeeded, 0);
}

TEST_P(StoreContractTest, StatsRangeIncludesSinceAndExcludesUntil) {
  for (int i : {2, 0, 1})
    ASSERT_TRUE(record(attempt(add_event(ep_a_), kTen + minutes(10 * i) + minutes(3), 10, 200)));
  StatsReader stats(store());
  const TimePoint t0 = kTen, t1 = kTen + minutes(10), t2 = kTen + minutes(20);
  const TimePoint t3 = kTen + minutes(30);
  EXPECT_EQ(stats.starts(a_.id, t0, t3), (std::vector<TimePoint>{t0, t1, t2}));  // oldest first
  EXPECT_EQ(stats.starts(a_.id, t1, t2), (std::vector<TimePoint>{t1}));
  EXPECT_EQ(stats.starts(a_.id, t1, t2 + Micros(1)), (std::vector<TimePoint>{t1, t2}));
  EXPECT_EQ(stats.starts(a_.id, t0 + Micros(1), t3), (std::vector<TimePoint>{t1, t2}));
  EXPECT_THAT(stats.starts(a_.id, t1, t1), IsEmpty());
  EXPECT_THAT(stats.starts(a_.id, t2, t1), IsEmpty());
  EXPECT_THAT(stats.starts(a_.id, t3, t3 + minutes(60)), IsEmpty());
}

TEST_P(StoreContractTest, DeleteDeliveryStatsBeforeCutoffOldestFirst) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(record(attempt(add_event(ep_a_), kTen + minutes(10 * i), 10, 200)));
    ASSERT_TRUE(record(attempt(add_event(ep_b_), kTen + minutes(10 * i), 10, 200)));
  }
  StatsReader stats(store());
  const TimePoint cutoff = kTen + minutes(20);
  auto first = store().delete_delivery_stats_before(cutoff, 3);
  ASSERT_TRUE(first) << first.status().to_string();
  EXPECT_EQ(*first, 3);
  auto rest = store().delete_delivery_stats_before(cutoff, 3);
  ASSERT_TRUE(rest) << rest.status().to_string();
  EXPECT_EQ(*rest, 1);
  EXPECT_EQ(*store().delete_delivery_stats_before(cutoff, 3), 0);
  EXPECT_EQ(*store().delete_delivery_stats_before(cutoff, 0), 0);
  EXPECT_EQ(stats.starts(a_.id, kDay, kNextDay), (std::vector<TimePoint>{cutoff}));
  EXPECT_EQ(stats.starts(b_.id, kDay, kNextDay), (std::vector<TimePoint>{cutoff}));
}

}  // namespace
}  // namespace promptjang::testing
