// The latency histogram and bucket arithmetic; see delivery_stats.h.
#include "model/delivery_stats.h"

#include <algorithm>

namespace promptjang {

int latency_bucket(int64_t ms) {
  // The number of bounds at or below `ms`: [0,1) is 0, [1,2) is 1, ...
  auto it = std::upper_bound(kLatencyBoundsMs.begin(), kLatencyBoundsMs.end(), ms);
  return static_cast<int>(it - kLatencyBoundsMs.begin());
}

std::optional<double> latency_percentile(const LatencyHistogram& histogram, double q) {
  int64_t total = 0;
  for (int64_t n : histogram) total += std::max<int64_t>(n, 0);
  if (total == 0) return std::nullopt;
  q = std::clamp(q, 0.0, 1.0);
  const double rank = q * static_cast<double>(total);
  double below = 0;  // samples in the buckets before i
  for (int i = 0; i < kLatencyBuckets; ++i) {
    const int64_t n = std::max<int64_t>(histogram[i], 0);
    if (n == 0) continue;
    if (below + static_cast<double>(n) >= rank) {
      const double lower = i == 0 ? 0.0 : static_cast<double>(kLatencyBoundsMs[i - 1]);
      if (i == kLatencyBuckets - 1) return lower;  // open-ended: its lower bound
      const double upper = static_cast<double>(kLatencyBoundsMs[i]);
      const double within = (rank - below) / static_cast<double>(n);
      return lower + within * (upper - lower);
    }
    below += static_cast<double>(n);
  }
  // Unreachable: rank <= total, so the last non-empty bucket answers.
  return static_cast<double>(kLatencyBoundsMs.back());
}

TimePoint stats_bucket_start(TimePoint t) {
  const int64_t width = std::chrono::duration_cast<Micros>(kStatsBucket).count();
  const int64_t us = to_unix_micros(t);
  int64_t into = us % width;
  if (into < 0) into += width;  // before the epoch: still rounded down
  return from_unix_micros(us - into);
}

void add_counts(DeliveryStatsBucket& into, const DeliveryStatsBucket& from) {
  into.attempts += from.attempts;
  into.succeeded += from.succeeded;
  for (int i = 0; i < kLatencyBuckets; ++i) into.latency[i] += from.latency[i];
}

}  // namespace promptjang
