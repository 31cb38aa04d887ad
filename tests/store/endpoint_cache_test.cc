// EndpointCache over a real SQLite store: reads are served from memory for at
// most the TTL (a change made behind its back, as by another node, shows once it
// passes), invalidate() makes a local change visible at once, a foreign account
// never gets another's endpoint, misses always ask the store, and the capacity
// bounds the entries.
#include "store/endpoint_cache.h"

#include <gtest/gtest.h>

#include "store/sqlite_test_util.h"

namespace promptjang::testing {
namespace {

using std::chrono::seconds;

class EndpointCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::open(SqliteOptions{.path = dir_.file("pj.db")}, *logger_);
    ASSERT_TRUE(opened) << opened.status().to_string();
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->create_account(Account{"acct_a", "a", "starter", clock_.now()}));
    ASSERT_TRUE(store_->create_account(Account{"acct_b", "b", "starter", clock_.now()}));
    ASSERT_TRUE(add("ep_1", "acct_a"));
  }

  Status add(const std::string& id, const std::string& account) {
    Endpoint e;
    e.id = id;
    e.account_id = account;
    e.url = "https://example.com/" + id;
    e.secret = "whsec_x";
    e.created_at = e.updated_at = clock_.now();
    return store_->create_endpoint(e);
  }

  // Changes the URL behind the cache's back, as another node would.
  void change_url(const std::string& id, const std::string& url) {
    RawDb raw(dir_.file("pj.db"));
    raw.exec("UPDATE endpoints SET url = '" + url + "' WHERE id = '" + id + "'");
  }

  ScratchDir dir_;
  std::shared_ptr<Logger> logger_ = make_null_logger();
  FakeClock clock_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(EndpointCacheTest, ServesFromMemoryUntilTheTtlPasses) {
  EndpointCache cache(*store_, clock_, seconds(2));
  auto first = cache.get("acct_a", "ep_1");
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)->url, "https://example.com/ep_1");
  change_url("ep_1", "https://example.com/moved");
  clock_.advance(seconds(1));
  auto cached = cache.get("acct_a", "ep_1");
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->get(), first->get()) << "the same shared entry, no copy";
  clock_.advance(seconds(1));
  auto fresh = cache.get("acct_a", "ep_1");
  ASSERT_TRUE(fresh);
  EXPECT_EQ((*fresh)->url, "https://example.com/moved") << "a change elsewhere shows after the TTL";
}

TEST_F(EndpointCacheTest, InvalidateShowsALocalChangeAtOnce) {
  EndpointCache cache(*store_, clock_, seconds(2));
  ASSERT_TRUE(cache.get("acct_a", "ep_1"));
  change_url("ep_1", "https://example.com/moved");
  cache.invalidate("ep_1");
  auto fresh = cache.get("acct_a", "ep_1");
  ASSERT_TRUE(fresh);
  EXPECT_EQ((*fresh)->url, "https://example.com/moved");
}

TEST_F(EndpointCacheTest, AnotherAccountNeverGetsTheEndpoint) {
  EndpointCache cache(*store_, clock_, seconds(2));
  ASSERT_TRUE(cache.get("acct_a", "ep_1"));  // cached for acct_a
  auto foreign = cache.get("acct_b", "ep_1");
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.status().code(), StatusCode::kNotFound);
}

TEST_F(EndpointCacheTest, MissesAndDeletionsAlwaysAskTheStore) {
  EndpointCache cache(*store_, clock_, seconds(2));
  EXPECT_EQ(cache.get("acct_a", "ep_2").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(add("ep_2", "acct_a"));
  EXPECT_TRUE(cache.get("acct_a", "ep_2")) << "a miss is not remembered";
  ASSERT_TRUE(store_->delete_endpoint("acct_a", "ep_2", clock_.now()));
  cache.invalidate("ep_2");
  EXPECT_EQ(cache.get("acct_a", "ep_2").status().code(), StatusCode::kNotFound);
}

TEST_F(EndpointCacheTest, CapacityBoundsTheEntries) {
  EndpointCache cache(*store_, clock_, seconds(60), /*capacity=*/2);
  ASSERT_TRUE(add("ep_2", "acct_a"));
  ASSERT_TRUE(add("ep_3", "acct_a"));
  ASSERT_TRUE(cache.get("acct_a", "ep_1"));
  ASSERT_TRUE(cache.get("acct_a", "ep_2"));
  ASSERT_TRUE(cache.get("acct_a", "ep_3"));  // full: emptied, then ep_3 kept
  change_url("ep_1", "https://example.com/moved");
  auto again = cache.get("acct_a", "ep_1");
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)->url, "https://example.com/moved") << "ep_1 was dropped when the cache filled";
}

}  // namespace
}  // namespace promptjang::testing
