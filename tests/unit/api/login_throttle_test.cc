// LoginThrottle with a FakeClock: 5 failures per email and 20 per address in a
// sliding 15-minute window, exact Retry-After, success clears the email, the
// counted-at-begin rule, and the bound on remembered keys.
#include "api/login_throttle.h"

#include <gtest/gtest.h>

#include <string>

namespace promptjang {
namespace {

using namespace std::chrono_literals;

class LoginThrottleTest : public ::testing::Test {
 protected:
  // An attempt that fails (begun and never taken back); whether it was allowed.
  bool fail(std::string_view email, std::string_view address = "10.0.0.1") {
    return throttle.begin(email, address).allowed;
  }

  FakeClock clock;
  LoginThrottle throttle{clock};
};

TEST_F(LoginThrottleTest, SixthTryOfAnEmailWithinTheWindowIsRefused) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(fail("alice@example.com")) << i;
    clock.advance(1min);
  }
  // Failures at 0, 1, 2, 3, 4 min; now 5 min: the first leaves the window at 15 min.
  auto d = throttle.begin("alice@example.com", "10.0.0.1");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 10min);
  clock.advance(10min - 1s);
  d = throttle.begin("alice@example.com", "10.0.0.1");
  EXPECT_FALSE(d.allowed) << "a refused attempt is not counted, but still refused";
  EXPECT_EQ(d.retry_after, 1s);
  clock.advance(1s);
  EXPECT_TRUE(fail("alice@example.com")) << "the oldest failure left the window";
  EXPECT_FALSE(throttle.begin("alice@example.com", "10.0.0.1").allowed)
      << "and that try failed again: five in the window";
}

TEST_F(LoginThrottleTest, EmailIsComparedWithoutCase) {
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(fail(i % 2 ? "Bob@Example.com" : "bob@example.COM"));
  EXPECT_FALSE(throttle.begin("BOB@EXAMPLE.COM", "10.9.9.9").allowed) << "refused from any address";
  EXPECT_TRUE(throttle.begin("carol@example.com", "10.9.9.9").allowed) << "other emails go on";
}

TEST_F(LoginThrottleTest, RetryAfterRoundsUpToTheSecond) {
  for (int i = 0; i < 5; ++i) fail("alice@example.com");
  clock.advance(15min - 1500ms);
  EXPECT_EQ(throttle.begin("alice@example.com", "10.0.0.1").retry_after, 2s);
}

TEST_F(LoginThrottleTest, SuccessClearsTheEmailsFailures) {
  for (int i = 0; i < 4; ++i) fail("alice@example.com");
  ASSERT_TRUE(throttle.begin("alice@example.com", "10.0.0.1").allowed);
  throttle.succeeded("alice@example.com", "10.0.0.1");
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(fail("alice@example.com")) << i;
  EXPECT_FALSE(fail("alice@example.com"));
}

TEST_F(LoginThrottleTest, TwentiethFailureOfAnAddressBlocksEveryEmailFromIt) {
  for (int i = 0; i < 20; ++i)
    EXPECT_TRUE(fail("user" + std::to_string(i) + "@example.com", "192.0.2.7")) << i;
  auto d = throttle.begin("someone-new@example.com", "192.0.2.7");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 15min);
  EXPECT_TRUE(throttle.begin("someone-new@example.com", "192.0.2.8").allowed)
      << "another address goes on";
  clock.advance(15min);
  EXPECT_TRUE(throttle.begin("someone-new@example.com", "192.0.2.7").allowed);
}

TEST_F(LoginThrottleTest, SuccessTakesItsAttemptBackFromTheAddress) {
  for (int i = 0; i < 19; ++i) fail("user" + std::to_string(i) + "@example.com", "192.0.2.7");
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(throttle.begin("alice@example.com", "192.0.2.7").allowed) << i;
    throttle.succeeded("alice@example.com", "192.0.2.7");
  }
  EXPECT_TRUE(fail("mallory@example.com", "192.0.2.7")) << "the 20th failure";
  EXPECT_FALSE(throttle.begin("alice@example.com", "192.0.2.7").allowed);
}

TEST_F(LoginThrottleTest, ConcurrentAttemptsCountFromTheirBeginning) {
  // Five attempts begun before any has been judged: the sixth is refused already.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(throttle.begin("alice@example.com", "10.0.0.1").allowed);
  EXPECT_FALSE(throttle.begin("alice@example.com", "10.0.0.2").allowed);
}

TEST_F(LoginThrottleTest, AbandonedAttemptsDoNotCount) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(throttle.begin("alice@example.com", "10.0.0.1").allowed) << i;
    throttle.abandoned("alice@example.com", "10.0.0.1");
  }
  EXPECT_EQ(throttle.email_count(), 0u);
  EXPECT_EQ(throttle.address_count(), 0u);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(fail("alice@example.com")) << i;
  EXPECT_FALSE(fail("alice@example.com"));
}

TEST_F(LoginThrottleTest, ForgottenOnceTheWindowHasPassed) {
  fail("alice@example.com");
  EXPECT_EQ(throttle.email_count(), 1u);
  clock.advance(15min);
  EXPECT_TRUE(fail("alice@example.com"));
  EXPECT_EQ(throttle.email_count(), 1u) << "the old entry was replaced, not added to";
}

TEST_F(LoginThrottleTest, MemoryIsBoundedAndTheOldestKeyIsEvicted) {
  LoginThrottleOptions o;
  o.max_keys = 3;
  LoginThrottle small(clock, o);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(small.begin("old@example.com", "10.0.0.1").allowed);
  ASSERT_FALSE(small.begin("old@example.com", "10.0.0.1").allowed);
  for (int i = 0; i < 3; ++i) {
    clock.advance(1s);
    small.begin("new" + std::to_string(i) + "@example.com", "10.0.0." + std::to_string(i + 2));
  }
  EXPECT_EQ(small.email_count(), 3u);
  EXPECT_EQ(small.address_count(), 3u);
  EXPECT_TRUE(small.begin("old@example.com", "10.0.0.99").allowed)
      << "the key whose last failure is the oldest was evicted";
  EXPECT_EQ(small.email_count(), 3u);
}

TEST_F(LoginThrottleTest, RecentlyFailingKeysAreKeptOverOlderOnes) {
  LoginThrottleOptions o;
  o.max_keys = 2;
  LoginThrottle small(clock, o);
  small.begin("a@example.com", "10.0.0.1");
  clock.advance(1s);
  small.begin("b@example.com", "10.0.0.1");
  clock.advance(1s);
  for (int i = 0; i < 4; ++i) small.begin("a@example.com", "10.0.0.1");  // a: 5, the newest
  clock.advance(1s);
  small.begin("c@example.com", "10.0.0.1");  // evicts b, not a
  EXPECT_FALSE(small.begin("a@example.com", "10.0.0.1").allowed);
}

}  // namespace
}  // namespace promptjang
