// Contract: accounts, users and API keys (store/store.h), tenant isolation
// and unique keys included.
#include "store/store_contract.h"

namespace promptjang::testing {
namespace {

using ::testing::ElementsAre;

TEST_P(StoreContractTest, CreateAndGetAccount) {
  Account a{new_id(id_prefix::kAccount), "Ünïcode Ltd", "pro", tick()};
  ASSERT_TRUE(store().create_account(a));
  auto got = store().get_account(a.id);
  ASSERT_TRUE(got) << got.status().to_string();
  EXPECT_EQ(got->id, a.id);
  EXPECT_EQ(got->name, a.name);
  EXPECT_EQ(got->plan, "pro");
  EXPECT_EQ(got->created_at, a.created_at);
}

TEST_P(StoreContractTest, MissingAccountIsNotFound) {
  EXPECT_EQ(store().get_account(new_id(id_prefix::kAccount)).status().code(),
            StatusCode::kNotFound);
}

TEST_P(StoreContractTest, DuplicateAccountIdIsAlreadyExists) {
  Account again = a_;
  again.name = "other";
  EXPECT_EQ(store().create_account(again).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store().get_account(a_.id)->name, "tenant-a");
}

TEST_P(StoreContractTest, CountAccounts) {
  auto before = store().count_accounts();
  ASSERT_TRUE(before);
  EXPECT_EQ(*before, 2);
  add_account();
  EXPECT_EQ(*store().count_accounts(), 3);
}

TEST_P(StoreContractTest, CreateUserAndFindByEmailIgnoringCase) {
  User u{new_id(id_prefix::kUser), a_.id, "Alice@Example.COM", "$argon2id$v=19$m=65536$x", tick()};
  ASSERT_TRUE(store().create_user(u));
  for (const char* email : {"alice@example.com", "ALICE@EXAMPLE.COM", "Alice@Example.COM"}) {
    auto got = store().find_user_by_email(email);
    ASSERT_TRUE(got) << email << ": " << got.status().to_string();
    EXPECT_EQ(got->id, u.id);
    EXPECT_EQ(got->account_id, a_.id);
    EXPECT_EQ(got->email, "alice@example.com");  // stored lowercased
    EXPECT_EQ(got->password_hash, u.password_hash);
    EXPECT_EQ(got->created_at, u.created_at);
  }
}

TEST_P(StoreContractTest, UnknownEmailIsNotFound) {
  EXPECT_EQ(store().find_user_by_email("nobody@example.com").status().code(),
            StatusCode::kNotFound);
}

TEST_P(StoreContractTest, DuplicateUserEmailIsAlreadyExistsAcrossAccounts) {
  ASSERT_TRUE(
      store().create_user(User{new_id(id_prefix::kUser), a_.id, "bob@example.com", "h", tick()}));
  // Another account, another case: still the same email.
  Status st =
      store().create_user(User{new_id(id_prefix::kUser), b_.id, "BOB@example.com", "h", tick()});
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists) << st.to_string();
  EXPECT_EQ(store().find_user_by_email("bob@example.com")->account_id, a_.id);
}

TEST_P(StoreContractTest, CreateAndFindApiKeyByHash) {
  ApiKey k = add_api_key(a_.id, "deploy");
  auto got = store().find_api_key_by_hash(k.hash);
  ASSERT_TRUE(got) << got.status().to_string();
  EXPECT_EQ(got->id, k.id);
  EXPECT_EQ(got->account_id, a_.id);
  EXPECT_EQ(got->name, "deploy");
  EXPECT_EQ(got->prefix, k.prefix);
  EXPECT_EQ(got->hash, k.hash);
  EXPECT_EQ(got->created_at, k.created_at);
  EXPECT_FALSE(got->last_used_at);
  EXPECT_FALSE(got->revoked_at);
}

TEST_P(StoreContractTest, UnknownApiKeyHashIsNotFound) {
  EXPECT_EQ(store().find_api_key_by_hash("no-such-hash").status().code(), StatusCode::kNotFound);
}

TEST_P(StoreContractTest, DuplicateApiKeyHashIsAlreadyExists) {
  ApiKey k = add_api_key(a_.id);
  ApiKey clash = new_api_key(b_.id);
  clash.hash = k.hash;
  EXPECT_EQ(store().create_api_key(clash).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store().find_api_key_by_hash(k.hash)->id, k.id);
}

TEST_P(StoreContractTest, ListApiKeysNewestFirstWithRevokedOnesAndOnlyTheTenants) {
  ApiKey k1 = add_api_key(a_.id, "one");
  ApiKey k2 = add_api_key(a_.id, "two");
  ApiKey k3 = add_api_key(a_.id, "three");
  add_api_key(b_.id, "b's");
  ASSERT_TRUE(store().revoke_api_key(a_.id, k2.id, tick()));
  auto keys = store().list_api_keys(a_.id);
  ASSERT_TRUE(keys) << keys.status().to_string();
  std::vector<std::string> ids;
  for (const auto& k : *keys) ids.push_back(k.id);
  EXPECT_THAT(ids, ElementsAre(k3.id, k2.id, k1.id));
  EXPECT_TRUE((*keys)[1].revoked_at);
  EXPECT_TRUE(store().list_api_keys(new_id(id_prefix::kAccount))->empty());
}

TEST_P(StoreContractTest, RevokeShowsRevokedAtAndRevokingTwiceIsNotFound) {
  ApiKey k = add_api_key(a_.id);
  TimePoint at = tick();
  ASSERT_TRUE(store().revoke_api_key(a_.id, k.id, at));
  auto got = store().find_api_key_by_hash(k.hash);
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->revoked_at);
  EXPECT_EQ(*got->revoked_at, at);
  EXPECT_EQ(store().revoke_api_key(a_.id, k.id, tick()).code(), StatusCode::kNotFound);
  EXPECT_EQ(*store().find_api_key_by_hash(k.hash)->revoked_at, at);  // unchanged
  EXPECT_EQ(store().revoke_api_key(a_.id, new_id(id_prefix::kApiKey), tick()).code(),
            StatusCode::kNotFound);
}

TEST_P(StoreContractTest, ForeignApiKeyCannotBeRevoked) {
  ApiKey k = add_api_key(a_.id);
  EXPECT_EQ(store().revoke_api_key(b_.id, k.id, tick()).code(), StatusCode::kNotFound);
  EXPECT_FALSE(store().find_api_key_by_hash(k.hash)->revoked_at);
}

TEST_P(StoreContractTest, TouchApiKeyRecordsLastUse) {
  ApiKey k = add_api_key(a_.id);
  TimePoint used = tick();
  store().touch_api_key(k.id, used);
  store().flush();
  auto got = store().find_api_key_by_hash(k.hash);
  ASSERT_TRUE(got && got->last_used_at);
  EXPECT_EQ(*got->last_used_at, used);
  TimePoint later = tick();
  store().touch_api_key(k.id, later);
  store().touch_api_key(new_id(id_prefix::kApiKey), later);  // unknown: ignored
  store().flush();
  EXPECT_EQ(*store().find_api_key_by_hash(k.hash)->last_used_at, later);
}

TEST_P(StoreContractTest, PingAnswers) { EXPECT_TRUE(store().ping()); }

}  // namespace
}  // namespace promptjang::testing
