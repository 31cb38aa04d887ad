// Delivery headers: both signatures over the exact bytes, rotation overlap.
#include "delivery/signer.h"

#include <gtest/gtest.h>

#include <map>

#include "crypto/signature.h"

namespace promptjang {
namespace {

std::map<std::string, std::string> as_map(const HeaderList& h) {
  std::map<std::string, std::string> m;
  for (const auto& [k, v] : h) m[k] = v;
  return m;
}

class SignerTest : public ::testing::Test {
 protected:
  Event event;
  Endpoint endpoint;
  TimePoint now = from_unix_micros(1'614'265'330'000'000);
  void SetUp() override {
    event.id = "evt_01h00000000000000000000000";
    event.event_type = "order.created";
    event.payload = "{ \"event\":\"order.created\",  \"data\" : {\"n\": 12345678901234567890} }";
    endpoint.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  }
};

TEST_F(SignerTest, CarriesEveryHeaderOfSpec5) {
  auto h = as_map(delivery_headers(event, endpoint, 3, now, "PromptJang/0.1.0"));
  EXPECT_EQ(h["Content-Type"], "application/json");
  EXPECT_EQ(h["User-Agent"], "PromptJang/0.1.0");
  EXPECT_EQ(h["X-PromptJang-Event-Id"], event.id);
  EXPECT_EQ(h["X-PromptJang-Event"], "order.created");
  EXPECT_EQ(h["X-PromptJang-Attempt"], "3");
  EXPECT_EQ(h["webhook-id"], event.id);
  EXPECT_EQ(h["webhook-timestamp"], "1614265330");
  EXPECT_EQ(h["X-PromptJang-Signature"], sign_hex(endpoint.secret, event.payload));
  EXPECT_TRUE(verify_hex(endpoint.secret, event.payload, h["X-PromptJang-Signature"]));
  EXPECT_TRUE(verify_standard(endpoint.secret, event.id, 1614265330, event.payload,
                              h["webhook-signature"]));
  EXPECT_EQ(h["webhook-signature"].rfind("v1,", 0), 0u);
  EXPECT_EQ(h["webhook-signature"].find(' '), std::string::npos) << "one secret, one signature";
}

TEST_F(SignerTest, NoTypeNoTypeHeader) {
  event.event_type.reset();
  auto h = as_map(delivery_headers(event, endpoint, 1, now, "ua"));
  EXPECT_FALSE(h.count("X-PromptJang-Event"));
}

TEST_F(SignerTest, TypeCannotInjectHeaders) {
  event.event_type = "a\r\nX-Evil: 1";
  auto h = as_map(delivery_headers(event, endpoint, 1, now, "ua"));
  EXPECT_EQ(h["X-PromptJang-Event"], "aX-Evil: 1");
}

TEST_F(SignerTest, PreviousSecretSignsForADayAfterRotation) {
  endpoint.previous_secret = endpoint.secret;
  endpoint.secret = "whsec_dGhpcyBpcyBhIG5ldyBzZWNyZXQgMzIgYnl0ZXMhIQ==";
  endpoint.previous_secret_expires_at = now + std::chrono::hours(24);
  auto h = as_map(delivery_headers(event, endpoint, 1, now, "ua"));
  auto sig = h["webhook-signature"];
  ASSERT_NE(sig.find(' '), std::string::npos) << sig;
  EXPECT_TRUE(verify_standard(endpoint.secret, event.id, 1614265330, event.payload, sig));
  EXPECT_TRUE(verify_standard(*endpoint.previous_secret, event.id, 1614265330, event.payload, sig));
  EXPECT_TRUE(verify_hex(endpoint.secret, event.payload, h["X-PromptJang-Signature"]))
      << "X-PromptJang-Signature carries the new secret's";

  auto later = as_map(delivery_headers(event, endpoint, 1, now + std::chrono::hours(24), "ua"));
  EXPECT_EQ(later["webhook-signature"].find(' '), std::string::npos) << "the overlap ended";
  EXPECT_FALSE(verify_standard(*endpoint.previous_secret, event.id, 1614265330 + 86400,
                               event.payload, later["webhook-signature"]));
}

}  // namespace
}  // namespace promptjang
