// Webhook signatures: published vectors, rotation (two signatures) and tampering.
#include "crypto/signature.h"

#include <gtest/gtest.h>

#include "crypto/secure_random.h"
#include "crypto/tokens.h"

namespace promptjang {
namespace {

// The Standard Webhooks reference vector (standard-webhooks spec and libraries).
constexpr std::string_view kSwSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kSwId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kSwTimestamp = 1614265330;
constexpr std::string_view kSwBody = R"({"test": 2432232314})";
constexpr std::string_view kSwSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

// GitHub's documented X-Hub-Signature-256 example (hex part).
constexpr std::string_view kGhSecret = "It's a Secret to Everybody";
constexpr std::string_view kGhBody = "Hello, World!";
constexpr std::string_view kGhSignature =
    "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

std::string flip_last_char(std::string s) {
  s.back() = s.back() == 'a' ? 'b' : 'a';
  return s;
}

TEST(SignHexTest, GitHubVector) { EXPECT_EQ(sign_hex(kGhSecret, kGhBody), kGhSignature); }

TEST(SignHexTest, KeyIsTheSecretAsWrittenWithPrefix) {
  // Python: hmac.new(secret.encode(), body, hashlib.sha256).hexdigest() (the FAQ check).
  EXPECT_EQ(sign_hex(kSwSecret, kSwBody),
            "80ec8a89ce3cd22133a1066caecb4d04fea7467657c8514d717ec42c38a5c94c");
  EXPECT_NE(sign_hex(kSwSecret, kSwBody), sign_hex(kSwSecret.substr(6), kSwBody));
}

TEST(SignStandardTest, StandardWebhooksVector) {
  auto sig = sign_standard(kSwSecret, kSwId, kSwTimestamp, kSwBody);
  ASSERT_TRUE(sig.is_ok()) << sig.status().to_string();
  EXPECT_EQ(*sig, kSwSignature);
}

TEST(SignStandardTest, AcceptsSecretWithoutPrefix) {
  auto sig = sign_standard(kSwSecret.substr(6), kSwId, kSwTimestamp, kSwBody);
  ASSERT_TRUE(sig.is_ok());
  EXPECT_EQ(*sig, kSwSignature);
}

TEST(SignStandardTest, RejectsSecretThatIsNotBase64) {
  for (std::string_view bad : {"whsec_not base64!", "whsec_", "", "whsec_abc"}) {
    auto sig = sign_standard(bad, kSwId, kSwTimestamp, kSwBody);
    ASSERT_FALSE(sig.is_ok()) << bad;
    EXPECT_EQ(sig.status().code(), StatusCode::kInvalidArgument);
    EXPECT_FALSE(verify_standard(bad, kSwId, kSwTimestamp, kSwBody, "v1,AAAA"));
  }
}

TEST(SignStandardTest, EveryInputIsCovered) {
  const std::string base = *sign_standard(kSwSecret, kSwId, kSwTimestamp, kSwBody);
  EXPECT_NE(*sign_standard(kSwSecret, "msg_other", kSwTimestamp, kSwBody), base);
  EXPECT_NE(*sign_standard(kSwSecret, kSwId, kSwTimestamp + 1, kSwBody), base);
  EXPECT_NE(*sign_standard(kSwSecret, kSwId, kSwTimestamp, R"({"test": 2432232315})"), base);
}

TEST(VerifyHexTest, AcceptsRightRejectsFlipped) {
  EXPECT_TRUE(verify_hex(kGhSecret, kGhBody, kGhSignature));
  EXPECT_FALSE(verify_hex(kGhSecret, kGhBody, flip_last_char(std::string(kGhSignature))));
  EXPECT_FALSE(verify_hex(kGhSecret, "Hello, World?", kGhSignature));
  EXPECT_FALSE(verify_hex("another secret", kGhBody, kGhSignature));
  EXPECT_FALSE(verify_hex(kGhSecret, kGhBody, ""));
  EXPECT_FALSE(verify_hex(kGhSecret, kGhBody, kGhSignature.substr(0, 63)));
}

TEST(VerifyHexTest, AcceptsSecondOfTwoSignatures) {
  const std::string old_sig = sign_hex("old secret", kGhBody);
  EXPECT_TRUE(verify_hex(kGhSecret, kGhBody, old_sig + " " + std::string(kGhSignature)));
  EXPECT_TRUE(verify_hex(kGhSecret, kGhBody, std::string(kGhSignature) + " " + old_sig));
  EXPECT_FALSE(verify_hex(kGhSecret, kGhBody, old_sig + " " + old_sig));
}

TEST(VerifyStandardTest, AcceptsRightRejectsFlipped) {
  EXPECT_TRUE(verify_standard(kSwSecret, kSwId, kSwTimestamp, kSwBody, kSwSignature));
  std::string flipped(kSwSignature);
  flipped[5] = flipped[5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_standard(kSwSecret, kSwId, kSwTimestamp, kSwBody, flipped));
  EXPECT_FALSE(verify_standard(kSwSecret, kSwId, kSwTimestamp + 1, kSwBody, kSwSignature));
  EXPECT_FALSE(verify_standard(kSwSecret, kSwId, kSwTimestamp, "{}", kSwSignature));
  // The bare base64 without its version, or another version, does not count.
  EXPECT_FALSE(verify_standard(kSwSecret, kSwId, kSwTimestamp, kSwBody, kSwSignature.substr(3)));
  EXPECT_FALSE(verify_standard(kSwSecret, kSwId, kSwTimestamp, kSwBody,
                               "v2," + std::string(kSwSignature.substr(3))));
  EXPECT_FALSE(verify_standard(kSwSecret, kSwId, kSwTimestamp, kSwBody, ""));
}

TEST(VerifyStandardTest, AcceptsSecondOfTwoSignatures) {
  SecureRandom random;
  const std::string old_secret = generate_endpoint_secret(random);
  const std::string old_sig = *sign_standard(old_secret, kSwId, kSwTimestamp, kSwBody);
  const std::string both = old_sig + " " + std::string(kSwSignature);
  EXPECT_TRUE(verify_standard(kSwSecret, kSwId, kSwTimestamp, kSwBody, both));
  EXPECT_TRUE(verify_standard(old_secret, kSwId, kSwTimestamp, kSwBody, both));
  EXPECT_FALSE(verify_standard(kSwSecret, kSwId, kSwTimestamp, kSwBody, old_sig + " " + old_sig));
}

TEST(SignatureTest, FreshSecretSignsAndVerifiesBothWays) {
  SecureRandom random;
  const std::string secret = generate_endpoint_secret(random);
  const std::string body = R"({"event":"order.created","data":{"order_id":123}})";
  EXPECT_TRUE(verify_hex(secret, body, sign_hex(secret, body)));
  auto sig = sign_standard(secret, "evt_1", 1700000000, body);
  ASSERT_TRUE(sig.is_ok());
  EXPECT_TRUE(verify_standard(secret, "evt_1", 1700000000, body, *sig));
}

}  // namespace
}  // namespace promptjang
