// SecretBox (secrets sealed at rest with the master key) and decode_master_key.
#include "crypto/secret_box.h"

#include <gtest/gtest.h>

#include <set>

#include "crypto/base64.h"

namespace promptjang {
namespace {

std::shared_ptr<const SecretBox> box_of(char fill) {
  auto box = SecretBox::create(std::string(kMasterKeyBytes, fill));
  EXPECT_TRUE(box) << box.status().to_string();
  return box ? *box : nullptr;
}

constexpr std::string_view kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4nNcE0zEi0M=";

TEST(SecretBoxTest, SealsAndOpens) {
  auto box = box_of('k');
  const std::string sealed = box->seal(kSecret);
  EXPECT_TRUE(sealed.starts_with("pjsb1:")) << sealed;
  EXPECT_TRUE(SecretBox::is_sealed(sealed));
  EXPECT_FALSE(SecretBox::is_sealed(kSecret));
  EXPECT_EQ(sealed.find("whsec_"), std::string::npos);
  auto opened = box->open(sealed);
  ASSERT_TRUE(opened) << opened.status().to_string();
  EXPECT_EQ(*opened, kSecret);
  // The empty string and binary bytes round-trip too.
  EXPECT_EQ(*box->open(box->seal("")), "");
  const std::string binary("\0\xff\x01", 3);
  EXPECT_EQ(*box->open(box->seal(binary)), binary);
}

TEST(SecretBoxTest, EverySealHasAFreshNonce) {
  auto box = box_of('k');
  std::set<std::string> values;
  for (int i = 0; i < 100; ++i) values.insert(box->seal(kSecret));
  EXPECT_EQ(values.size(), 100u);
  // The nonce is the first 24 bytes of the decoded value.
  std::set<std::string> nonces;
  for (const auto& v : values)
    nonces.insert(base64_decode(std::string_view(v).substr(kSealedPrefix.size()))->substr(0, 24));
  EXPECT_EQ(nonces.size(), 100u);
}

TEST(SecretBoxTest, AnotherKeyOrAnAlteredValueDoesNotOpen) {
  auto box = box_of('k');
  auto other = box_of('o');
  const std::string sealed = box->seal(kSecret);
  EXPECT_EQ(other->open(sealed).status().code(), StatusCode::kPermissionDenied);

  // Flip one bit of every byte in turn (nonce, tag, ciphertext): never opens.
  const std::string raw = *base64_decode(std::string_view(sealed).substr(kSealedPrefix.size()));
  for (size_t i = 0; i < raw.size(); ++i) {
    std::string altered = raw;
    altered[i] = static_cast<char>(altered[i] ^ 0x01);
    auto r = box->open(std::string(kSealedPrefix) + base64_encode(altered));
    EXPECT_FALSE(r) << "byte " << i;
  }
  // Truncated, not base64, not sealed at all.
  EXPECT_EQ(
      box->open(std::string(kSealedPrefix) + base64_encode(raw.substr(0, 39))).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(box->open("pjsb1:!!!!").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(box->open(kSecret).status().code(), StatusCode::kInvalidArgument);
}

TEST(SecretBoxTest, APreviousKeyOpensButNeverSeals) {
  auto old_box = box_of('o');
  const std::string under_old = old_box->seal(kSecret);
  auto rotating =
      SecretBox::create(std::string(kMasterKeyBytes, 'n'), {std::string(kMasterKeyBytes, 'o')});
  ASSERT_TRUE(rotating);
  bool by_previous = false;
  auto opened = (*rotating)->open(under_old, &by_previous);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, kSecret);
  EXPECT_TRUE(by_previous);

  const std::string under_new = (*rotating)->seal(kSecret);
  opened = (*rotating)->open(under_new, &by_previous);
  ASSERT_TRUE(opened);
  EXPECT_FALSE(by_previous);
  EXPECT_FALSE(old_box->open(under_new)) << "sealed with the current key only";
  EXPECT_TRUE(box_of('n')->open(under_new));
  EXPECT_FALSE(box_of('n')->open(under_old));
  EXPECT_FALSE(SecretBox::create(std::string(kMasterKeyBytes, 'n'), {"short"}));
}

TEST(SecretBoxTest, KeyMustBe32Bytes) {
  EXPECT_EQ(SecretBox::create(std::string(31, 'k')).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SecretBox::create(std::string(33, 'k')).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SecretBox::create("").status().code(), StatusCode::kInvalidArgument);
}

TEST(SecretBoxTest, DecodeMasterKey) {
  const std::string key32(32, '\x07');
  const std::string text = base64_encode(key32);
  EXPECT_EQ(*decode_master_key(text), key32);
  EXPECT_EQ(*decode_master_key("  " + text + "\n"), key32) << "a key file's newline";
  EXPECT_FALSE(decode_master_key(""));
  EXPECT_FALSE(decode_master_key("\n"));
  EXPECT_FALSE(decode_master_key(base64_encode(std::string(16, 'x'))));
  EXPECT_FALSE(decode_master_key(text.substr(0, 40)));
  auto bad = decode_master_key("not base64 at all, but secret-ish");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.status().message().find("secret-ish"), std::string::npos)
      << "errors never echo the value";
}

TEST(SecretBoxTest, GeneratedMasterKeysDecodeAndDiffer) {
  const std::string a = generate_master_key();
  const std::string b = generate_master_key();
  EXPECT_NE(a, b);
  ASSERT_TRUE(decode_master_key(a));
  EXPECT_TRUE(SecretBox::create(*decode_master_key(a)));
}

}  // namespace
}  // namespace promptjang
