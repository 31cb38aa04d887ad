// Delivery statistics: attempts counted per account and 10-minute bucket, with a
// latency histogram from which percentiles are estimated (docs/dashboard.md,
// "Delivery statistics"). The store keeps one DeliveryStatsBucket per account
// and bucket, updated in the transaction that records the attempt.
//
// Histogram: 15 buckets bounded by kLatencyBoundsMs: [0,1), [1,2), [2,5), ...,
// [10000,15000), [15000,inf). Percentiles interpolate linearly inside a bucket;
// the open last bucket answers its lower bound (15000 ms).
// Pure values and functions; thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

#include "core/clock.h"

namespace promptjang {

inline constexpr std::array<int64_t, 14> kLatencyBoundsMs = {
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000};
inline constexpr int kLatencyBuckets = static_cast<int>(kLatencyBoundsMs.size()) + 1;

using LatencyHistogram = std::array<int64_t, kLatencyBuckets>;

// The width of a statistics bucket; bucket starts are multiples of it since
// the Unix epoch.
inline constexpr std::chrono::minutes kStatsBucket{10};
// How long stored buckets are kept (the range a query may ask is 31 days).
inline constexpr std::chrono::days kStatsRetention{40};

struct DeliveryStatsBucket {
  TimePoint start;
  int64_t attempts = 0;
  int64_t succeeded = 0;  // attempts answered with a 2xx
  LatencyHistogram latency{};
};

// The histogram bucket of a duration: 0 for [0,1) ms (and a negative one),
// kLatencyBuckets - 1 for 15000 ms and above.
int latency_bucket(int64_t ms);

// The q-quantile (q in [0, 1], clamped) of the durations counted in
// `histogram`, in ms; nullopt when it counts none.
std::optional<double> latency_percentile(const LatencyHistogram& histogram, double q);

// The start of the statistics bucket holding `t` (rounded down).
TimePoint stats_bucket_start(TimePoint t);

// Adds the counts of `from` into `into` (its start stays).
void add_counts(DeliveryStatsBucket& into, const DeliveryStatsBucket& from);

}  // namespace promptjang
