// Base64 against RFC 4648 §10, round trips and strict rejections.
#include "crypto/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace promptjang {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.is_ok()) << encoded;
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base64Test, UsesStandardAlphabet) {
  EXPECT_EQ(base64_encode("\xfb\xff\xbf"), "+/+/");
  EXPECT_EQ(*base64_decode("+/+/"), "\xfb\xff\xbf");
}

TEST(Base64Test, RoundTripsEveryByteValueAndLength) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t len = 0; len <= all.size(); ++len) {
    const std::string bytes = all.substr(0, len);
    auto decoded = base64_decode(base64_encode(bytes));
    ASSERT_TRUE(decoded.is_ok()) << len;
    EXPECT_EQ(*decoded, bytes);
  }
}

TEST(Base64Test, RejectsMalformedText) {
  const char* bad[] = {
      "Zg",        // length not a multiple of 4
      "Zg=",       // idem
      "Zm9vY",     // idem
      "Zm9v\n",    // whitespace
      "Zm 9",      // space
      "Zm9-",      // URL-safe alphabet
      "Zm9_",      // URL-safe alphabet
      "Z===",      // too much padding
      "====",      // padding only
      "Zg==Zg==",  // padding in the middle
      "Z=g=",      // padding before data
      "Zh==",      // non-zero unused bits (not what the encoder makes)
      "Zm9=",      // idem
  };
  for (const char* text : bad) {
    auto decoded = base64_decode(text);
    ASSERT_FALSE(decoded.is_ok()) << text;
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << text;
  }
  EXPECT_FALSE(base64_decode(std::string("Zm\0v", 4)).is_ok());
}

}  // namespace
}  // namespace promptjang
