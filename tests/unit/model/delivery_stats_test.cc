// The latency histogram and statistics buckets (model/delivery_stats.h): every
// duration lands in the bucket its bounds say (0 ms, exactly on a bound, huge
// and negative values), percentiles interpolate within a bucket, are monotone
// in q and absent for an empty histogram, and bucket starts round down to
// 10-minute boundaries.
#include "model/delivery_stats.h"

#include <gtest/gtest.h>

#include <limits>

#include "core/time_format.h"

namespace promptjang {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;

TEST(LatencyBucketTest, BoundsOpenTheNextBucket) {
  EXPECT_EQ(latency_bucket(0), 0);
  EXPECT_EQ(latency_bucket(1), 1);
  EXPECT_EQ(latency_bucket(2), 2);
  EXPECT_EQ(latency_bucket(4), 2);
  EXPECT_EQ(latency_bucket(5), 3);
  EXPECT_EQ(latency_bucket(999), 9);
  EXPECT_EQ(latency_bucket(1000), 10);
  EXPECT_EQ(latency_bucket(14999), 13);
  EXPECT_EQ(latency_bucket(15000), 14);
  for (int i = 0; i < 14; ++i) {
    EXPECT_EQ(latency_bucket(kLatencyBoundsMs[i]), i + 1) << kLatencyBoundsMs[i];
    EXPECT_EQ(latency_bucket(kLatencyBoundsMs[i] - 1), i) << kLatencyBoundsMs[i];
  }
}

TEST(LatencyBucketTest, HugeAndNegativeDurationsStayInRange) {
  EXPECT_EQ(latency_bucket(std::numeric_limits<int64_t>::max()), kLatencyBuckets - 1);
  EXPECT_EQ(latency_bucket(3'600'000), kLatencyBuckets - 1);
  EXPECT_EQ(latency_bucket(-5), 0);
  EXPECT_EQ(latency_bucket(std::numeric_limits<int64_t>::min()), 0);
}

TEST(LatencyPercentileTest, EmptyHistogramHasNone) {
  LatencyHistogram h{};
  EXPECT_EQ(latency_percentile(h, 0.5), std::nullopt);
  EXPECT_EQ(latency_percentile(h, 0.95), std::nullopt);
}

TEST(LatencyPercentileTest, OneSampleInterpolatesWithinItsBucket) {
  LatencyHistogram h{};
  h[latency_bucket(4)] = 1;  // [2, 5)
  EXPECT_DOUBLE_EQ(*latency_percentile(h, 0.0), 2.0);
  EXPECT_DOUBLE_EQ(*latency_percentile(h, 0.5), 3.5);
  EXPECT_DOUBLE_EQ(*latency_percentile(h, 1.0), 5.0);
}

TEST(LatencyPercentileTest, ZeroMillisecondSamples) {
  LatencyHistogram h{};
  h[latency_bucket(0)] = 10;  // [0, 1)
  EXPECT_DOUBLE_EQ(*latency_percentile(h, 0.5), 0.5);
  EXPECT_DOUBLE_EQ(*latency_percentile(h, 0.95), 0.95);
}

TEST(LatencyPercentileTest, OpenLastBucketAnswersItsLowerBound) {
  LatencyHistogram h{};
  h[latency_bucket(60'000)] = 3;
  EXPECT_DOUBLE_EQ(*latency_percentile(h, 0.5), 15000.0);
  EXPECT_DOUBLE_EQ(*latency_percentile(h, 0.99), 15000.0);
}

TEST(LatencyPercentileTest, RankFallsInTheRightBucket) {
  LatencyHistogram h{};
  h[latency_bucket(3)] = 90;    // [2, 5)
  h[latency_bucket(150)] = 10;  // [100, 200)
  // p50: the 50th of 90 in [2, 5) -> 2 + 50/90 * 3.
  EXPECT_NEAR(*latency_percentile(h, 0.5), 2.0 + 50.0 / 90.0 * 3.0, 1e-9);
  // p95: the 5th of 10 in [100, 200) -> 150.
  EXPECT_NEAR(*latency_percentile(h, 0.95), 150.0, 1e-9);
  // Out-of-range q is clamped.
  EXPECT_DOUBLE_EQ(*latency_percentile(h, -1.0), 2.0);
  EXPECT_DOUBLE_EQ(*latency_percentile(h, 2.0), 200.0);
}

TEST(LatencyPercentileTest, MonotoneInQ) {
  LatencyHistogram h{};
  for (int i = 0; i < kLatencyBuckets; ++i) h[i] = (i * 7) % 5;  // some buckets empty
  double previous = -1;
  for (int step = 0; step <= 1000; ++step) {
    double q = step / 1000.0;
    auto p = latency_percentile(h, q);
    ASSERT_TRUE(p);
    EXPECT_GE(*p, previous) << "q=" << q;
    previous = *p;
  }
}

TEST(StatsBucketTest, RoundsDownToTenMinutes) {
  auto at = [](const char* s) { return *parse_rfc3339(s); };
  const TimePoint ten = at("2026-11-30T10:10:00Z");
  EXPECT_EQ(stats_bucket_start(ten), ten);
  EXPECT_EQ(stats_bucket_start(at("2026-11-30T10:19:59.999999Z")), ten);
  EXPECT_EQ(stats_bucket_start(at("2026-11-30T10:10:00.000001Z")), ten);
  EXPECT_EQ(stats_bucket_start(at("2026-11-30T10:09:59.999Z")), at("2026-11-30T10:00:00Z"));
  EXPECT_EQ(stats_bucket_start(from_unix_micros(0)), from_unix_micros(0));
  EXPECT_EQ(stats_bucket_start(from_unix_micros(-1)), from_unix_micros(0) - minutes(10));
  EXPECT_EQ(to_unix_micros(stats_bucket_start(at("2026-11-30T10:17:00Z"))) % 600'000'000, 0);
}

TEST(StatsBucketTest, AddCountsSumsEverything) {
  DeliveryStatsBucket a, b;
  a.start = from_unix_micros(600'000'000);
  a.attempts = 2;
  a.succeeded = 1;
  a.latency[3] = 2;
  b.attempts = 3;
  b.succeeded = 3;
  b.latency[3] = 1;
  b.latency[14] = 2;
  add_counts(a, b);
  EXPECT_EQ(a.start, from_unix_micros(600'000'000));
  EXPECT_EQ(a.attempts, 5);
  EXPECT_EQ(a.succeeded, 4);
  EXPECT_EQ(a.latency[3], 3);
  EXPECT_EQ(a.latency[14], 2);
}

}  // namespace
}  // namespace promptjang
