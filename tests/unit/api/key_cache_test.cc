// KeyCache over a real SQLite store with a fake clock: cached lookups, the 5 s
// bound on a revocation made elsewhere, immediate effect of invalidate().
#include <gtest/gtest.h>

#include "api/auth.h"
#include "core/ids.h"
#include "crypto/secure_random.h"
#include "crypto/tokens.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace promptjang {
namespace {

class KeyCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteOptions o;
    o.path = dir.file("db");
    auto s = open_sqlite_store(o, *logger);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    store = std::move(*s);
    ASSERT_TRUE(store->create_account({"acct_1", "a", "starter", clock.now()}).is_ok());
    NewApiKey k = generate_api_key(random);
    key = k.key;
    ApiKey rec{"key_1", "acct_1", "k", k.prefix, k.hash, clock.now(), {}, {}};
    ASSERT_TRUE(store->create_api_key(rec).is_ok());
  }
  std::string bearer() const { return "Bearer " + key; }

  testing::TempDir dir;
  std::shared_ptr<Logger> logger = make_null_logger();
  FakeClock clock;
  SecureRandom random;
  std::unique_ptr<Store> store;
  std::string key;
};

TEST_F(KeyCacheTest, AuthenticatesAndRefusesBadHeaders) {
  KeyCache cache(*store, clock);
  auto p = cache.authenticate(bearer());
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  EXPECT_EQ(p->account.id, "acct_1");
  EXPECT_EQ(p->key_id, "key_1");
  EXPECT_TRUE(cache.authenticate("bearer " + key).is_ok()) << "the scheme is case-insensitive";
  for (auto h : {std::optional<std::string>{}, std::optional<std::string>{"Bearer"},
                 std::optional<std::string>{"Token " + key},
                 std::optional<std::string>{"Bearer pj_live_short"}}) {
    auto r = cache.authenticate(h ? std::optional<std::string_view>(*h) : std::nullopt);
    EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  }
}

TEST_F(KeyCacheTest, RevocationElsewhereTakesEffectWithinTheTtl) {
  KeyCache cache(*store, clock, std::chrono::seconds(5));
  ASSERT_TRUE(cache.authenticate(bearer()).is_ok());
  ASSERT_TRUE(store->revoke_api_key("acct_1", "key_1", clock.now()).is_ok());
  clock.advance(std::chrono::seconds(4));
  EXPECT_TRUE(cache.authenticate(bearer()).is_ok()) << "still cached on this node";
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(cache.authenticate(bearer()).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(KeyCacheTest, InvalidateTakesEffectAtOnce) {
  KeyCache cache(*store, clock);
  ASSERT_TRUE(cache.authenticate(bearer()).is_ok());
  ASSERT_TRUE(store->revoke_api_key("acct_1", "key_1", clock.now()).is_ok());
  cache.invalidate("key_1");
  EXPECT_EQ(cache.authenticate(bearer()).status().code(), StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace promptjang
