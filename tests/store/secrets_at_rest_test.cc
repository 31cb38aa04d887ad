// The secrets-at-rest tests every back end runs; see secrets_at_rest.h.
#include "store/secrets_at_rest.h"

#include <algorithm>

#include "crypto/secure_random.h"
#include "crypto/tokens.h"

namespace promptjang::testing {

std::string SealingBackendName(const ::testing::TestParamInfo<SealingBackend>& info) {
  return info.param.name;
}

namespace {

std::shared_ptr<const SecretBox> key_of(char fill) {
  return *SecretBox::create(std::string(kMasterKeyBytes, fill));
}

TimePoint at(int64_t s) { return from_unix_micros(1'700'000'000'000'000 + s * 1'000'000); }

class Fixture {
 public:
  explicit Fixture(const SealingBackend& backend) : db_(backend.make()) {}
  SealingDatabase& db() { return *db_; }

  // An account and an endpoint with a fresh secret (and a previous one when asked).
  Endpoint make_endpoint(Store& store, const std::string& id, bool with_previous) {
    if (!account_made_) {
      EXPECT_TRUE(store.create_account(Account{"acct_sealing", "acme", "starter", at(0)}));
      account_made_ = true;
    }
    Endpoint e;
    e.id = id;
    e.account_id = "acct_sealing";
    e.url = "https://example.com/hook";
    e.secret = generate_endpoint_secret(random_);
    if (with_previous) {
      e.previous_secret = generate_endpoint_secret(random_);
      e.previous_secret_expires_at = at(86400);
    }
    e.created_at = e.updated_at = at(1);
    EXPECT_TRUE(store.create_endpoint(e));
    return e;
  }

  // True when no stored value and no byte of the files holds `plain`, nor its
  // base64 part (a secret's key bytes are written as base64).
  void expect_not_stored(const std::string& plain) {
    for (const auto& v : db_->raw_secrets()) {
      EXPECT_TRUE(SecretBox::is_sealed(v)) << v;
      EXPECT_EQ(v.find(plain), std::string::npos);
    }
    const std::string bytes = db_->file_bytes();
    EXPECT_EQ(bytes.find(plain), std::string::npos) << "in the database's files";
    EXPECT_EQ(bytes.find(plain.substr(6)), std::string::npos) << "in the database's files";
  }

 private:
  std::unique_ptr<SealingDatabase> db_;
  SecureRandom random_;
  bool account_made_ = false;
};

TEST_P(SecretsAtRestTest, WithAKeyEverySecretIsWrittenSealedAndReadsBackInPlaintext) {
  Fixture f(GetParam());
  auto store = f.db().open(key_of('k'));
  ASSERT_TRUE(store);
  Endpoint a = f.make_endpoint(*store, "ep_a", false);
  Endpoint b = f.make_endpoint(*store, "ep_b", true);

  auto got = store->get_endpoint(a.account_id, b.id);
  ASSERT_TRUE(got) << got.status().to_string();
  EXPECT_EQ(got->secret, b.secret);
  EXPECT_EQ(got->previous_secret, b.previous_secret);
  auto page = store->list_endpoints(a.account_id, std::nullopt, 10);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[1].secret, a.secret);

  // A rotation, as the service makes it: the new secret and the old one, both sealed.
  Endpoint rotated = a;
  rotated.previous_secret = a.secret;
  rotated.previous_secret_expires_at = at(86400);
  rotated.secret = "whsec_" + std::string(43, 'Q') + "=";
  ASSERT_TRUE(store->update_endpoint(rotated));
  got = store->get_endpoint(a.account_id, a.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->secret, rotated.secret);
  EXPECT_EQ(got->previous_secret, a.secret);
  store->flush();

  auto raw = f.db().raw_secrets();
  EXPECT_EQ(raw.size(), 4u);  // a: secret + previous; b: secret + previous
  for (const auto* s : {&a.secret, &b.secret, &*b.previous_secret, &rotated.secret})
    f.expect_not_stored(*s);
  auto check = store->check_endpoint_secrets(true);
  ASSERT_TRUE(check) << check.status().to_string();
  EXPECT_EQ(check->values, 4);
  EXPECT_EQ(check->sealed, 4);
  EXPECT_EQ(check->sealed_now, 0);
}

TEST_P(SecretsAtRestTest, PlaintextSecretsAreSealedWhenAKeyIsFirstConfigured) {
  Fixture f(GetParam());
  Endpoint a, b, gone;
  {
    auto plain = f.db().open(nullptr);
    ASSERT_TRUE(plain);
    a = f.make_endpoint(*plain, "ep_a", false);
    b = f.make_endpoint(*plain, "ep_b", true);
    gone = f.make_endpoint(*plain, "ep_gone", false);
    ASSERT_TRUE(plain->delete_endpoint(gone.account_id, gone.id, at(2)));
    auto check = plain->check_endpoint_secrets(true);
    ASSERT_TRUE(check);
    EXPECT_EQ(check->values, 4);
    EXPECT_EQ(check->sealed_now, 0) << "no key: nothing to seal with";
  }
  auto raw = f.db().raw_secrets();
  EXPECT_EQ(std::count(raw.begin(), raw.end(), a.secret), 1) << "stored in plaintext without a key";

  auto store = f.db().open(key_of('k'));
  ASSERT_TRUE(store);
  // Readable before the check (plaintext passes through) ...
  auto got = store->get_endpoint(a.account_id, a.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->secret, a.secret);
  // ... a check that may not seal leaves them, the one that may seals all four,
  // the deleted endpoint's and the previous secret included.
  auto check = store->check_endpoint_secrets(false);
  ASSERT_TRUE(check);
  EXPECT_EQ(check->sealed_now, 0);
  EXPECT_EQ(check->sealed, 0);
  check = store->check_endpoint_secrets(true);
  ASSERT_TRUE(check) << check.status().to_string();
  EXPECT_EQ(check->values, 4);
  EXPECT_EQ(check->sealed_now, 4);
  EXPECT_EQ(check->sealed, 4);
  store->flush();
  for (const auto* s : {&a.secret, &b.secret, &*b.previous_secret, &gone.secret})
    f.expect_not_stored(*s);

  got = store->get_endpoint(b.account_id, b.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->secret, b.secret);
  EXPECT_EQ(got->previous_secret, b.previous_secret);
  check = store->check_endpoint_secrets(true);
  ASSERT_TRUE(check);
  EXPECT_EQ(check->sealed_now, 0) << "sealed once";
}

TEST_P(SecretsAtRestTest, SealedSecretsWithoutTheKeyOrWithAnotherAreRefused) {
  Fixture f(GetParam());
  Endpoint a;
  {
    auto store = f.db().open(key_of('k'));
    ASSERT_TRUE(store);
    a = f.make_endpoint(*store, "ep_a", true);
  }
  for (auto key : {std::shared_ptr<const SecretBox>(), key_of('o')}) {
    SCOPED_TRACE(key ? "another key" : "no key");
    auto store = f.db().open(key);
    ASSERT_TRUE(store);
    for (bool seal : {false, true}) {
      auto check = store->check_endpoint_secrets(seal);
      ASSERT_FALSE(check);
      EXPECT_EQ(check.status().code(), StatusCode::kFailedPrecondition);
      EXPECT_NE(check.status().message().find("PROMPTJANG_MASTER_KEY"), std::string::npos)
          << check.status().message();
      EXPECT_NE(check.status().message().find("--master-key-file"), std::string::npos);
      EXPECT_NE(check.status().message().find(a.id), std::string::npos);
    }
    // Never a sealed value handed out as if it were the secret.
    auto got = store->get_endpoint(a.account_id, a.id);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_FALSE(store->list_endpoints(a.account_id, std::nullopt, 10));
  }
  auto raw = f.db().raw_secrets();
  ASSERT_EQ(raw.size(), 2u);
  for (const auto& v : raw) EXPECT_TRUE(SecretBox::is_sealed(v)) << "left untouched";
  auto store = f.db().open(key_of('k'));
  auto got = store->get_endpoint(a.account_id, a.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->secret, a.secret);
}

TEST_P(SecretsAtRestTest, ANewMasterKeyWithThePreviousOneSealsEverythingAgain) {
  Fixture f(GetParam());
  Endpoint a, b;
  {
    auto store = f.db().open(key_of('o'));
    ASSERT_TRUE(store);
    a = f.make_endpoint(*store, "ep_a", true);
    b = f.make_endpoint(*store, "ep_b", false);
  }
  const auto before = f.db().raw_secrets();
  auto rotating =
      *SecretBox::create(std::string(kMasterKeyBytes, 'n'), {std::string(kMasterKeyBytes, 'o')});
  {
    auto store = f.db().open(rotating);
    ASSERT_TRUE(store);
    auto got = store->get_endpoint(a.account_id, a.id);  // reads through the previous key
    ASSERT_TRUE(got) << got.status().to_string();
    EXPECT_EQ(got->previous_secret, a.previous_secret);
    auto check = store->check_endpoint_secrets(false);
    ASSERT_TRUE(check);
    EXPECT_EQ(check->resealed, 0) << "a check that may not write leaves them";
    check = store->check_endpoint_secrets(true);
    ASSERT_TRUE(check) << check.status().to_string();
    EXPECT_EQ(check->values, 3);
    EXPECT_EQ(check->resealed, 3);
    EXPECT_EQ(check->sealed, 3);
    check = store->check_endpoint_secrets(true);
    ASSERT_TRUE(check);
    EXPECT_EQ(check->resealed, 0) << "once";
  }
  for (const auto& v : f.db().raw_secrets())
    EXPECT_EQ(std::count(before.begin(), before.end(), v), 0) << "every value sealed again";
  // The new key alone now opens everything; the old one alone, nothing.
  auto store = f.db().open(key_of('n'));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->check_endpoint_secrets(true));
  auto got = store->get_endpoint(b.account_id, b.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->secret, b.secret);
  store.reset();
  store = f.db().open(key_of('o'));
  EXPECT_FALSE(store->check_endpoint_secrets(false));
}

}  // namespace
}  // namespace promptjang::testing
