// Token buckets with lazy refill; see rate_limiter.h.
#include "usage/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace promptjang {

namespace {

// Slack for floating-point drift: a bucket this close to a token has one, so a
// retry exactly at retry_after is allowed.
constexpr double kTokenEpsilon = 1e-9;

}  // namespace

RateLimiter::RateLimiter(const Clock& clock, double rate_per_second, double burst,
                         size_t max_buckets)
    : clock_(clock),
      rate_(rate_per_second),
      burst_(std::max(1.0, burst)),
      max_buckets_(max_buckets),
      sweep_at_(max_buckets) {}

double RateLimiter::refilled(const Bucket& b, TimePoint now) const {
  const auto elapsed = std::max(Micros(0), now - b.updated);  // a clock stepping back adds nothing
  const double seconds = std::chrono::duration<double>(elapsed).count();
  return std::min(burst_, b.tokens + seconds * rate_);
}

RateLimiter::Decision RateLimiter::take(std::string_view key) {
  if (rate_ <= 0) return {};
  const TimePoint now = clock_.now();
  std::lock_guard lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= sweep_at_) forget_full_buckets(now);
    it = buckets_.emplace(std::string(key), Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = refilled(b, now);
  b.updated = std::max(b.updated, now);
  if (b.tokens >= 1.0 - kTokenEpsilon) {
    b.tokens = std::max(0.0, b.tokens - 1.0);
    return {};
  }
  const double wait_ms = (1.0 - b.tokens) / rate_ * 1000.0;
  const auto retry = static_cast<int64_t>(std::ceil(wait_ms - 1e-9));
  return {false, std::chrono::milliseconds(std::max<int64_t>(1, retry))};
}

void RateLimiter::forget_full_buckets(TimePoint now) {
  std::erase_if(buckets_,
                [&](const auto& kv) { return refilled(kv.second, now) >= burst_ - kTokenEpsilon; });
  sweep_at_ = std::max(max_buckets_, 2 * buckets_.size());
}

size_t RateLimiter::bucket_count() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace promptjang
