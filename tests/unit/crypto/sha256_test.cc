// SHA-256 and hex against FIPS 180-2 vectors.
#include "crypto/sha256.h"

#include <gtest/gtest.h>

namespace promptjang {
namespace {

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, RawDigestMatchesHex) {
  const auto digest = sha256("abc");
  EXPECT_EQ(digest[0], 0xba);
  EXPECT_EQ(digest[31], 0xad);
  EXPECT_EQ(to_hex(digest), sha256_hex("abc"));
}

TEST(Sha256Test, BinaryInputWithNulBytes) {
  const std::string data("a\0b", 3);
  EXPECT_NE(sha256_hex(data), sha256_hex("a"));
}

TEST(ToHexTest, LowercaseTwoCharactersPerByte) {
  const uint8_t bytes[] = {0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(to_hex(bytes), "000fa0ff");
  EXPECT_EQ(to_hex({}), "");
}

}  // namespace
}  // namespace promptjang
