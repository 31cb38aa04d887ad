// API keys, endpoint secrets, generated passwords and random tokens.
#include "crypto/tokens.h"

#include <gtest/gtest.h>

#include <cctype>
#include <deque>
#include <set>
#include <vector>

#include "crypto/base64.h"
#include "crypto/secure_random.h"
#include "crypto/sha256.h"

namespace promptjang {
namespace {

// Hands out a fixed script of bytes, then zeros.
class ScriptedRandom final : public Random {
 public:
  explicit ScriptedRandom(std::deque<uint8_t> script) : script_(std::move(script)) {}
  void fill(std::span<uint8_t> out) override {
    for (auto& b : out) {
      if (script_.empty()) {
        b = 0;
      } else {
        b = script_.front();
        script_.pop_front();
      }
    }
  }

 private:
  std::deque<uint8_t> script_;
};

bool all_base62(std::string_view s) {
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  return true;
}

TEST(ApiKeyTest, Format) {
  SecureRandom random;
  const NewApiKey k = generate_api_key(random);
  EXPECT_EQ(k.key.size(), 40u);
  EXPECT_TRUE(k.key.starts_with("pj_live_"));
  EXPECT_TRUE(all_base62(k.key.substr(8)));
  EXPECT_EQ(k.prefix, k.key.substr(0, 12));
  EXPECT_EQ(k.prefix, api_key_prefix(k.key));
  EXPECT_EQ(k.hash, sha256_hex(k.key));
  EXPECT_EQ(k.hash.size(), 64u);
  EXPECT_TRUE(is_well_formed_api_key(k.key));
}

TEST(ApiKeyTest, TwoKeysDiffer) {
  SecureRandom random;
  std::set<std::string> keys;
  for (int i = 0; i < 100; ++i) keys.insert(generate_api_key(random).key);
  EXPECT_EQ(keys.size(), 100u);
}

TEST(ApiKeyTest, WellFormedCheck) {
  const std::string body(32, 'a');
  EXPECT_TRUE(is_well_formed_api_key("pj_live_" + body));
  EXPECT_TRUE(is_well_formed_api_key("pj_live_0123456789ABCDEFGHIJKLMNOPQRSTUV"));
  EXPECT_FALSE(is_well_formed_api_key(""));
  EXPECT_FALSE(is_well_formed_api_key("pj_live_" + body.substr(1)));
  EXPECT_FALSE(is_well_formed_api_key("pj_live_" + body + "a"));
  EXPECT_FALSE(is_well_formed_api_key("pj_test_" + body));
  EXPECT_FALSE(is_well_formed_api_key("PJ_LIVE_" + body));
  EXPECT_FALSE(is_well_formed_api_key("pj_live_" + body.substr(1) + "-"));
  EXPECT_FALSE(is_well_formed_api_key("pj_live_" + body.substr(1) + "_"));
  EXPECT_FALSE(is_well_formed_api_key("pj_live_" + body.substr(1) + std::string(1, '\0')));
}

TEST(ApiKeyTest, PrefixOfShortInputIsWholeInput) {
  EXPECT_EQ(api_key_prefix("pj_live_"), "pj_live_");
  EXPECT_EQ(api_key_prefix(""), "");
}

TEST(ApiKeyTest, RejectionSamplingSkipsBytesAbove247) {
  // 248..255 would bias `% 62`; they must be skipped, not folded.
  // 247 is the last accepted byte (247 % 62 = 61).
  ScriptedRandom random({248, 255, 61, 250, 0, 247, 62, 10, 36});
  const NewApiKey k = generate_api_key(random);
  EXPECT_EQ(k.key.substr(0, 14), "pj_live_z0z0Aa");
  EXPECT_EQ(k.key.substr(14), std::string(26, '0'));  // then zeros: '0'
}

TEST(ApiKeyTest, EveryBase62CharacterReachable) {
  std::deque<uint8_t> script;
  for (int i = 0; i < 248; ++i) script.push_back(static_cast<uint8_t>(i));
  ScriptedRandom random(script);
  std::set<char> seen;
  for (int i = 0; i < 8; ++i)
    for (char c : generate_api_key(random).key.substr(8)) seen.insert(c);
  EXPECT_EQ(seen.size(), 62u);
}

TEST(EndpointSecretTest, DecodesTo32Bytes) {
  SecureRandom random;
  const std::string secret = generate_endpoint_secret(random);
  ASSERT_TRUE(secret.starts_with("whsec_"));
  auto decoded = base64_decode(secret.substr(6));
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(decoded->size(), 32u);
  EXPECT_EQ(secret.size(), 6u + 44u);
  EXPECT_TRUE(is_well_formed_endpoint_secret(secret));
  EXPECT_NE(secret, generate_endpoint_secret(random));
}

TEST(EndpointSecretTest, WellFormedCheck) {
  EXPECT_TRUE(is_well_formed_endpoint_secret("whsec_" + base64_encode(std::string(32, 'x'))));
  EXPECT_FALSE(is_well_formed_endpoint_secret(base64_encode(std::string(32, 'x'))));
  EXPECT_FALSE(is_well_formed_endpoint_secret("whsec_" + base64_encode(std::string(31, 'x'))));
  EXPECT_FALSE(is_well_formed_endpoint_secret("whsec_" + base64_encode(std::string(33, 'x'))));
  EXPECT_FALSE(is_well_formed_endpoint_secret("whsec_not base64!"));
  EXPECT_FALSE(is_well_formed_endpoint_secret("whsec_"));
  EXPECT_FALSE(is_well_formed_endpoint_secret(""));
}

TEST(PasswordGeneratorTest, TwentyFourBase62Characters) {
  SecureRandom random;
  const std::string p = generate_password(random);
  EXPECT_EQ(p.size(), 24u);
  EXPECT_TRUE(all_base62(p));
  EXPECT_NE(p, generate_password(random));
}

TEST(RandomTokenTest, LowercaseHexOfRequestedBytes) {
  ScriptedRandom scripted({0xde, 0xad, 0xBE, 0xef});
  EXPECT_EQ(random_token(scripted, 4), "deadbeef");
  SecureRandom random;
  const std::string t = random_token(random, 32);
  EXPECT_EQ(t.size(), 64u);
  EXPECT_EQ(t.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(t, random_token(random, 32));
  EXPECT_EQ(random_token(random, 0), "");
}

TEST(SecureRandomTest, FillsLargeBuffers) {
  SecureRandom random;
  std::vector<uint8_t> buf(1 << 16, 0);
  random.fill(buf);
  size_t zeros = 0;
  for (uint8_t b : buf) zeros += b == 0;
  EXPECT_LT(zeros, buf.size() / 64);  // about 1/256 expected
}

}  // namespace
}  // namespace promptjang
