// Contract: dashboard sessions (store/store.h "dashboard sessions") and reading
// a user by id. Written only against store.h: every back end runs it.
// Sessions are keyed by an opaque hash string; expiry is exclusive (a session
// is valid while now < expires_at).
#include "store/store_contract.h"

namespace promptjang::testing {
namespace {

using namespace std::chrono_literals;

bool exists(Store& store, const Session& s, TimePoint now) {
  return store.find_session_by_hash(s.token_hash, now).is_ok();
}

TEST_P(StoreContractTest, GetUserByIdWithinItsAccountOnly) {
  User u{new_id(id_prefix::kUser), a_.id, "Carol@Example.com", "hash", tick()};
  ASSERT_TRUE(store().create_user(u));
  auto got = store().get_user(a_.id, u.id);
  ASSERT_TRUE(got) << got.status().to_string();
  EXPECT_EQ(got->id, u.id);
  EXPECT_EQ(got->account_id, a_.id);
  EXPECT_EQ(got->email, "carol@example.com");
  EXPECT_EQ(got->password_hash, "hash");
  EXPECT_EQ(got->created_at, u.created_at);
  EXPECT_EQ(store().get_user(b_.id, u.id).status().code(), StatusCode::kNotFound)
      << "another account's user is NotFound";
  EXPECT_EQ(store().get_user(a_.id, new_id(id_prefix::kUser)).status().code(),
            StatusCode::kNotFound);
}

TEST_P(StoreContractTest, SessionCreateAndFindByHash) {
  User u = add_user(a_.id, "alice@example.com");
  Session s = new_session(u);
  ASSERT_TRUE(store().create_session(s));
  auto got = store().find_session_by_hash(s.token_hash, clock_.now());
  ASSERT_TRUE(got) << got.status().to_string();
  EXPECT_EQ(got->token_hash, s.token_hash);
  EXPECT_EQ(got->user_id, u.id);
  EXPECT_EQ(got->account_id, a_.id);
  EXPECT_EQ(got->csrf_token, s.csrf_token);
  EXPECT_EQ(got->created_at, s.created_at);
  EXPECT_EQ(got->expires_at, s.expires_at);
}

TEST_P(StoreContractTest, SessionUnknownHashIsNotFound) {
  add_session(add_user(a_.id, "alice@example.com"));
  EXPECT_EQ(store().find_session_by_hash(new_session_hash(), clock_.now()).status().code(),
            StatusCode::kNotFound);
}

TEST_P(StoreContractTest, SessionExpiredAtNowIsNotFound) {
  Session s = add_session(add_user(a_.id, "alice@example.com"), 1h);
  EXPECT_TRUE(exists(store(), s, s.expires_at - 1us)) << "valid until the last microsecond";
  EXPECT_EQ(store().find_session_by_hash(s.token_hash, s.expires_at).status().code(),
            StatusCode::kNotFound)
      << "expired at expires_at";
  EXPECT_FALSE(exists(store(), s, s.expires_at + 24h));
  EXPECT_TRUE(exists(store(), s, s.created_at)) << "a lookup deletes nothing";
}

TEST_P(StoreContractTest, SessionDuplicateHashIsAlreadyExists) {
  User u = add_user(a_.id, "alice@example.com");
  Session s = add_session(u);
  Session again = new_session(u);
  again.token_hash = s.token_hash;
  EXPECT_EQ(store().create_session(again).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store().find_session_by_hash(s.token_hash, clock_.now())->csrf_token, s.csrf_token);
}

TEST_P(StoreContractTest, SessionOfUnknownUserIsNotFound) {
  User ghost{new_id(id_prefix::kUser), a_.id, "ghost@example.com", "h", tick()};  // not stored
  Session s = new_session(ghost);
  EXPECT_EQ(store().create_session(s).code(), StatusCode::kNotFound);
  EXPECT_FALSE(exists(store(), s, clock_.now()));
}

TEST_P(StoreContractTest, DeleteSessionEndsOnlyThatOne) {
  User u = add_user(a_.id, "alice@example.com");
  Session one = add_session(u);
  Session two = add_session(u);
  ASSERT_TRUE(store().delete_session(one.token_hash));
  EXPECT_FALSE(exists(store(), one, clock_.now()));
  EXPECT_TRUE(exists(store(), two, clock_.now()));
  EXPECT_EQ(store().delete_session(one.token_hash).code(), StatusCode::kNotFound);
  EXPECT_EQ(store().delete_session(new_session_hash()).code(), StatusCode::kNotFound);
}

TEST_P(StoreContractTest, DeleteSessionAlsoDeletesAnExpiredOne) {
  Session s = add_session(add_user(a_.id, "alice@example.com"), 1ms);
  clock_.advance(1h);
  EXPECT_TRUE(store().delete_session(s.token_hash));
  EXPECT_EQ(*store().delete_expired_sessions(clock_.now(), 100), 0) << "nothing left";
}

TEST_P(StoreContractTest, DeleteSessionsOfUser) {
  User alice = add_user(a_.id, "alice@example.com");
  User bob = add_user(a_.id, "bob@example.com");
  User carol = add_user(b_.id, "carol@example.com");
  Session a1 = add_session(alice);
  Session a2 = add_session(alice);
  Session a3 = add_session(alice, 1ms);  // an expired one goes too
  Session b1 = add_session(bob);
  Session c1 = add_session(carol);
  clock_.advance(1s);
  auto n = store().delete_sessions_of_user(alice.id);
  ASSERT_TRUE(n) << n.status().to_string();
  EXPECT_EQ(*n, 3);
  for (const Session* s : {&a1, &a2, &a3})
    EXPECT_EQ(store().delete_session(s->token_hash).code(), StatusCode::kNotFound);
  EXPECT_TRUE(exists(store(), b1, clock_.now()));
  EXPECT_TRUE(exists(store(), c1, clock_.now()));
  EXPECT_EQ(*store().delete_sessions_of_user(alice.id), 0);
}

TEST_P(StoreContractTest, DeleteExpiredSessionsInBatchesLongestExpiredFirst) {
  User u = add_user(a_.id, "alice@example.com");
  // Expiring at +10, +20, ..., +50 minutes (made in the reverse order), and one
  // valid for a day.
  const TimePoint start = clock_.now();
  std::vector<Session> expiring(5);
  for (int i = 4; i >= 0; --i) {
    Session s = new_session(u);
    s.expires_at = start + std::chrono::minutes(10 * (i + 1));
    ASSERT_TRUE(store().create_session(s));
    expiring[i] = s;
  }
  Session lasting = add_session(u, 24h);

  const TimePoint later = start + 1h;
  EXPECT_EQ(*store().delete_expired_sessions(later, 0), 0);
  auto first = store().delete_expired_sessions(later, 2);
  ASSERT_TRUE(first) << first.status().to_string();
  EXPECT_EQ(*first, 2);
  // The two longest expired went first; the other three are still there.
  EXPECT_EQ(store().delete_session(expiring[0].token_hash).code(), StatusCode::kNotFound);
  EXPECT_EQ(store().delete_session(expiring[1].token_hash).code(), StatusCode::kNotFound);
  for (int i = 2; i < 5; ++i) EXPECT_TRUE(exists(store(), expiring[i], start)) << i;

  // Only what has expired at `now` goes: at +35 minutes, the +30 one.
  EXPECT_EQ(*store().delete_expired_sessions(start + 35min, 100), 1);
  EXPECT_FALSE(exists(store(), expiring[2], start));
  EXPECT_TRUE(exists(store(), expiring[3], start));
  EXPECT_EQ(*store().delete_expired_sessions(later, 100), 2);
  EXPECT_EQ(*store().delete_expired_sessions(later, 100), 0);
  EXPECT_TRUE(exists(store(), lasting, later)) << "a valid session is never deleted";
}

}  // namespace
}  // namespace promptjang::testing
