// argon2id password hashes.
#include "crypto/password.h"

#include <gtest/gtest.h>

namespace promptjang {
namespace {

TEST(PasswordTest, HashRoundTrip) {
  auto hash = hash_password("correct horse battery staple");
  ASSERT_TRUE(hash.is_ok()) << hash.status().to_string();
  EXPECT_TRUE(hash->starts_with("$argon2id$"));
  EXPECT_TRUE(verify_password(*hash, "correct horse battery staple"));
  EXPECT_FALSE(verify_password(*hash, "correct horse battery stapler"));
  EXPECT_FALSE(verify_password(*hash, ""));
}

TEST(PasswordTest, SaltedSoSamePasswordHashesDifferently) {
  auto a = hash_password("hunter2");
  auto b = hash_password("hunter2");
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(verify_password(*a, "hunter2"));
  EXPECT_TRUE(verify_password(*b, "hunter2"));
}

TEST(PasswordTest, EmptyPasswordHashesToo) {
  auto hash = hash_password("");
  ASSERT_TRUE(hash.is_ok());
  EXPECT_TRUE(verify_password(*hash, ""));
  EXPECT_FALSE(verify_password(*hash, "x"));
}

TEST(PasswordTest, MalformedHashIsRefused) {
  EXPECT_FALSE(verify_password("", "x"));
  EXPECT_FALSE(verify_password("not a hash", "x"));
  EXPECT_FALSE(verify_password("$argon2id$v=19$m=65536,t=2,p=1$garbage", "x"));
  EXPECT_FALSE(verify_password(std::string(1000, '$'), "x"));
}

}  // namespace
}  // namespace promptjang
