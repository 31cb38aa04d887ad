// The attempt -> status state machine, exactly (SPEC §5, §6).
#include "delivery/retry_policy.h"

#include <gtest/gtest.h>

namespace promptjang {
namespace {

using std::chrono::seconds;

const TimePoint kEnd = from_unix_micros(1'700'000'000'000'000);

Outcome http(int code) { return Outcome{code, std::nullopt}; }
Outcome failure(const char* kind) { return Outcome{std::nullopt, std::string(kind)}; }

TEST(RetryPolicyTest, DefaultScheduleIsTheFaqs) {
  auto s = default_retry_schedule();
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0], seconds(60));
  EXPECT_EQ(s[1], seconds(120));
  EXPECT_EQ(s[2], seconds(240));
  EXPECT_EQ(s[3], seconds(480));
  EXPECT_EQ(s[4], seconds(960));
}

TEST(RetryPolicyTest, FailuresFollowTheScheduleThenExpire) {
  auto s = default_retry_schedule();
  const int delays[] = {60, 120, 240, 480, 960};
  for (int attempt = 1; attempt <= 5; ++attempt) {
    Decision d = decide(s, attempt, http(500), kEnd);
    EXPECT_EQ(d.status, EventStatus::kRetrying) << attempt;
    ASSERT_TRUE(d.next_attempt_at);
    EXPECT_EQ(*d.next_attempt_at - kEnd, seconds(delays[attempt - 1])) << attempt;
    EXPECT_FALSE(d.disable_endpoint);
  }
  Decision last = decide(s, 6, http(500), kEnd);
  EXPECT_EQ(last.status, EventStatus::kExpired) << "the 5th retry failing expires the event";
  EXPECT_FALSE(last.next_attempt_at);
}

TEST(RetryPolicyTest, Any2xxDelivers) {
  for (int code : {200, 201, 202, 204, 299})
    EXPECT_EQ(decide(default_retry_schedule(), 3, http(code), kEnd).status, EventStatus::kDelivered)
        << code;
}

TEST(RetryPolicyTest, EverythingElseIsAFailedAttempt) {
  for (int code : {100, 199, 300, 301, 302, 304, 400, 401, 404, 429, 500, 502, 503, 504})
    EXPECT_EQ(decide(default_retry_schedule(), 1, http(code), kEnd).status, EventStatus::kRetrying)
        << code;
  for (const char* kind : {"timeout", "connection", "dns", "tls"})
    EXPECT_EQ(decide(default_retry_schedule(), 1, failure(kind), kEnd).status,
              EventStatus::kRetrying)
        << kind;
}

TEST(RetryPolicyTest, GoneFailsAndDisables) {
  Decision d = decide(default_retry_schedule(), 1, http(410), kEnd);
  EXPECT_EQ(d.status, EventStatus::kFailed);
  EXPECT_TRUE(d.disable_endpoint);
  EXPECT_FALSE(d.next_attempt_at);
}

TEST(RetryPolicyTest, RefusedByPolicyFailsWithoutRetry) {
  Decision d = decide(default_retry_schedule(), 1, failure("refused_by_policy"), kEnd);
  EXPECT_EQ(d.status, EventStatus::kFailed);
  EXPECT_FALSE(d.disable_endpoint);
}

TEST(RetryPolicyTest, ShortAndEmptySchedules) {
  RetrySchedule s{std::chrono::milliseconds(200), std::chrono::milliseconds(400)};
  EXPECT_EQ(*decide(s, 1, http(500), kEnd).next_attempt_at - kEnd, std::chrono::milliseconds(200));
  EXPECT_EQ(*decide(s, 2, http(500), kEnd).next_attempt_at - kEnd, std::chrono::milliseconds(400));
  EXPECT_EQ(decide(s, 3, http(500), kEnd).status, EventStatus::kExpired);
  EXPECT_EQ(decide({}, 1, http(500), kEnd).status, EventStatus::kExpired) << "no retries";
}

}  // namespace
}  // namespace promptjang
