// RateLimiter: a token bucket per key (an API key, an account, an address).
//
// Each key's bucket holds up to `burst` tokens and refills at `rate_per_second`;
// a take() spends one token, or is refused with the time until one is there
// (rounded up to the millisecond, so retrying after retry_after succeeds unless
// another take spent it meanwhile). A new key starts with a full bucket. A rate
// of 0 (or below) turns the limiter off: everything is allowed.
//
// Memory: when a new key would grow the map past `max_buckets`, buckets idle
// long enough to be full again are forgotten (forgetting them changes nothing:
// a new bucket starts full). If too few are, the map may grow, but the next
// sweep waits until it has doubled, so the map holds at most
// max(max_buckets, 2 x the buckets not yet full) and a take costs amortized O(1).
//
// Time comes from the injected Clock only. Thread safety: take() may be called
// from any thread (one mutex).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"

namespace promptjang {

inline constexpr size_t kDefaultMaxRateLimitBuckets = 100'000;

class RateLimiter {
 public:
  struct Decision {
    bool allowed = true;
    std::chrono::milliseconds retry_after{0};  // 0 when allowed
  };

  // A burst below 1 is taken as 1. `clock` must outlive the limiter.
  RateLimiter(const Clock& clock, double rate_per_second, double burst,
              size_t max_buckets = kDefaultMaxRateLimitBuckets);

  Decision take(std::string_view key);

  size_t bucket_count() const;  // keys remembered now (for tests and metrics)

 private:
  struct Bucket {
    double tokens = 0;
    TimePoint updated;  // when `tokens` was last brought up to date
  };
  // Heterogeneous lookup: take() finds a key without building a std::string.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view k) const { return std::hash<std::string_view>{}(k); }
  };

  double refilled(const Bucket& b, TimePoint now) const;
  void forget_full_buckets(TimePoint now);  // mu_ held

  const Clock& clock_;
  const double rate_;   // tokens per second; <= 0: off
  const double burst_;  // >= 1
  const size_t max_buckets_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket, KeyHash, std::equal_to<>> buckets_;  // guarded by mu_
  size_t sweep_at_;  // guarded by mu_: sweep when a new key would grow the map past this
};

}  // namespace promptjang
