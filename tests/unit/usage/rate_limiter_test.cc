// RateLimiter with a FakeClock: exact bursts, retry_after and refill; keys are
// independent; rate 0 is off; idle buckets are forgotten past the size bound.
#include "usage/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace promptjang {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiterTest, BurstThenRefusedWithRetryAfter) {
  FakeClock clock;
  RateLimiter limiter(clock, /*rate_per_second=*/10, /*burst=*/3);
  for (int i = 0; i < 3; ++i) {
    auto d = limiter.take("key_a");
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.retry_after, 0ms);
  }
  auto refused = limiter.take("key_a");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 100ms);  // one token at 10/s

  clock.advance(40ms);
  refused = limiter.take("key_a");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 60ms) << "a refused take spends nothing";

  clock.advance(60ms);
  EXPECT_TRUE(limiter.take("key_a").allowed) << "allowed exactly at retry_after";
  EXPECT_FALSE(limiter.take("key_a").allowed);
}

TEST(RateLimiterTest, RetryAfterRoundsUpToTheMillisecond) {
  FakeClock clock;
  RateLimiter limiter(clock, /*rate_per_second=*/3, /*burst=*/1);
  EXPECT_TRUE(limiter.take("k").allowed);
  auto d = limiter.take("k");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 334ms);  // 333.33... ms
  clock.advance(333ms);
  EXPECT_FALSE(limiter.take("k").allowed);
  clock.advance(1ms);
  EXPECT_TRUE(limiter.take("k").allowed);
}

TEST(RateLimiterTest, RefillsOverTimeUpToTheBurst) {
  FakeClock clock;
  RateLimiter limiter(clock, /*rate_per_second=*/2, /*burst=*/4);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(limiter.take("k").allowed);
  ASSERT_FALSE(limiter.take("k").allowed);

  clock.advance(1s);  // 2 tokens
  EXPECT_TRUE(limiter.take("k").allowed);
  EXPECT_TRUE(limiter.take("k").allowed);
  EXPECT_FALSE(limiter.take("k").allowed);

  clock.advance(1h);  // capped at the burst, not 7,200 tokens
  int allowed = 0;
  while (limiter.take("k").allowed) ++allowed;
  EXPECT_EQ(allowed, 4);
}

TEST(RateLimiterTest, SteadyRateIsHeld) {
  FakeClock clock;
  RateLimiter limiter(clock, /*rate_per_second=*/100, /*burst=*/1);
  int allowed = 0;
  for (int ms = 0; ms < 1000; ++ms) {  // one try per millisecond for a second
    if (limiter.take("k").allowed) ++allowed;
    clock.advance(1ms);
  }
  EXPECT_EQ(allowed, 100);
}

TEST(RateLimiterTest, KeysAreIndependent) {
  FakeClock clock;
  RateLimiter limiter(clock, /*rate_per_second=*/1, /*burst=*/2);
  EXPECT_TRUE(limiter.take("a").allowed);
  EXPECT_TRUE(limiter.take("a").allowed);
  EXPECT_FALSE(limiter.take("a").allowed);
  EXPECT_TRUE(limiter.take("b").allowed);
  EXPECT_TRUE(limiter.take("b").allowed);
  EXPECT_FALSE(limiter.take("b").allowed);
  EXPECT_EQ(limiter.take("a").retry_after, 1000ms);
}

TEST(RateLimiterTest, RateZeroAllowsEverything) {
  FakeClock clock;
  RateLimiter limiter(clock, /*rate_per_second=*/0, /*burst=*/1);
  for (int i = 0; i < 10'000; ++i) {
    auto d = limiter.take("k");
    ASSERT_TRUE(d.allowed);
    ASSERT_EQ(d.retry_after, 0ms);
  }
  EXPECT_EQ(limiter.bucket_count(), 0u) << "off: no state kept";
}

TEST(RateLimiterTest, BurstBelowOneIsOne) {
  FakeClock clock;
  RateLimiter limiter(clock, /*rate_per_second=*/1, /*burst=*/0);
  EXPECT_TRUE(limiter.take("k").allowed);
  EXPECT_FALSE(limiter.take("k").allowed);
}

TEST(RateLimiterTest, ClockSteppingBackGrantsNothing) {
  FakeClock clock;
  RateLimiter limiter(clock, /*rate_per_second=*/1, /*burst=*/1);
  EXPECT_TRUE(limiter.take("k").allowed);
  clock.advance(-10s);
  EXPECT_FALSE(limiter.take("k").allowed);
}

TEST(RateLimiterTest, ForgetsFullBucketsPastTheBound) {
  FakeClock clock;
  RateLimiter limiter(clock, /*rate_per_second=*/1, /*burst=*/2, /*max_buckets=*/4);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(limiter.take("idle" + std::to_string(i)).allowed);
  EXPECT_EQ(limiter.bucket_count(), 4u);

  clock.advance(2s);  // the four buckets are full again
  EXPECT_TRUE(limiter.take("active").allowed);
  EXPECT_EQ(limiter.bucket_count(), 1u) << "only the new key's bucket is left";
}

TEST(RateLimiterTest, KeepsBucketsThatAreNotFull) {
  FakeClock clock;
  RateLimiter limiter(clock, /*rate_per_second=*/1, /*burst=*/2, /*max_buckets=*/4);
  for (int i = 0; i < 4; ++i) {
    std::string key = "busy" + std::to_string(i);
    EXPECT_TRUE(limiter.take(key).allowed);
    EXPECT_TRUE(limiter.take(key).allowed);
  }
  clock.advance(500ms);  // not full yet: forgetting them would hand out a fresh burst
  EXPECT_TRUE(limiter.take("new").allowed);
  EXPECT_EQ(limiter.bucket_count(), 5u);
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(limiter.take("busy" + std::to_string(i)).allowed);
}

TEST(RateLimiterTest, StaysBoundedUnderManyIdleKeys) {
  FakeClock clock;
  RateLimiter limiter(clock, /*rate_per_second=*/1000, /*burst=*/1, /*max_buckets=*/100);
  for (int i = 0; i < 10'000; ++i) {
    ASSERT_TRUE(limiter.take("k" + std::to_string(i)).allowed);
    clock.advance(1ms);  // each bucket is full again 1 ms after its take
    ASSERT_LE(limiter.bucket_count(), 100u);
  }
}

TEST(RateLimiterTest, ConcurrentTakesSpendEachTokenOnce) {
  FakeClock clock;
  RateLimiter limiter(clock, /*rate_per_second=*/1, /*burst=*/1000);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i)
        if (limiter.take("shared").allowed) allowed.fetch_add(1);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 1000);
}

}  // namespace
}  // namespace promptjang
