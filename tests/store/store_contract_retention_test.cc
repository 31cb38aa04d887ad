// Contract: retention (store/store.h, SPEC §1). delete_events_before deletes the
// events, and their attempts, of the accounts on one plan created before a
// cutoff, oldest first, at most `limit` per call; nothing else, and it never
// takes back usage counts.
#include <vector>

#include "store/store_contract.h"

namespace promptjang::testing {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;

StatusCode code_of(Result<Event> r) { return r.status().code(); }

int64_t delete_before(Store& store, const std::string& plan, TimePoint cutoff, int limit) {
  auto n = store.delete_events_before(plan, cutoff, limit);
  EXPECT_TRUE(n) << n.status().to_string();
  return n ? *n : -1;
}

TEST_P(StoreContractTest, RetentionDeletesOnlyOldEventsOfAccountsOnThePlan) {
  ASSERT_TRUE(store().set_account_plan(b_.id, "pro"));
  Event a_expired = add_event_in(ep_a_, EventStatus::kExpired, 3);
  Event a_queued = add_event(ep_a_);
  Event b_old = add_event_in(ep_b_, EventStatus::kDelivered);
  const TimePoint cutoff = tick();
  Event a_young = add_event(ep_a_);
  Event b_young = add_event(ep_b_);

  EXPECT_EQ(delete_before(store(), "starter", cutoff, 100), 2);
  EXPECT_EQ(code_of(store().get_event(a_.id, a_expired.id)), StatusCode::kNotFound);
  EXPECT_EQ(code_of(store().get_event(a_.id, a_queued.id)), StatusCode::kNotFound);
  EXPECT_EQ(ids_of(list_all(Filter(a_.id))), std::vector<std::string>{a_young.id});
  auto kept = store().get_event(b_.id, b_old.id);  // B is on pro
  ASSERT_TRUE(kept) << kept.status().to_string();
  EXPECT_EQ(kept->attempts.size(), 1u);
  EXPECT_TRUE(store().get_event(b_.id, b_young.id));
  // A deleted event is no longer due work.
  EXPECT_THAT(claim(tick()), Not(Contains(a_queued.id)));
  // Usage counts what was ingested: retention takes nothing back.
  EXPECT_EQ(*store().count_usage(a_.id, "2023-11"), 3);
  EXPECT_EQ(delete_before(store(), "starter", cutoff, 100), 0);

  EXPECT_EQ(delete_before(store(), "pro", cutoff, 100), 1);
  EXPECT_EQ(code_of(store().get_event(b_.id, b_old.id)), StatusCode::kNotFound);
  EXPECT_TRUE(store().get_event(b_.id, b_young.id));
  EXPECT_EQ(*store().count_usage(b_.id, "2023-11"), 2);
}

TEST_P(StoreContractTest, RetentionDeletesTheAttemptsWithTheirEvent) {
  Event e = add_event_in(ep_a_, EventStatus::kExpired, 3);
  ASSERT_EQ(store().get_event(a_.id, e.id)->attempts.size(), 3u);
  EXPECT_EQ(delete_before(store(), "starter", tick(), 10), 1);
  // The id is free again, and no attempt of the deleted event comes back with it.
  ASSERT_TRUE(insert(e));
  auto again = store().get_event(a_.id, e.id);
  ASSERT_TRUE(again) << again.status().to_string();
  EXPECT_THAT(again->attempts, IsEmpty());
}

TEST_P(StoreContractTest, RetentionCutoffIsExclusive) {
  const TimePoint cutoff = clock_.now() + std::chrono::seconds(1);
  Event before = new_event(ep_a_);
  before.created_at = cutoff - Micros(1);
  Event at = new_event(ep_a_);
  at.created_at = cutoff;
  ASSERT_TRUE(insert(before));
  ASSERT_TRUE(insert(at));
  EXPECT_EQ(delete_before(store(), "starter", cutoff, 10), 1);
  EXPECT_EQ(code_of(store().get_event(a_.id, before.id)), StatusCode::kNotFound);
  EXPECT_TRUE(store().get_event(a_.id, at.id));
}

TEST_P(StoreContractTest, RetentionHonoursTheLimitOldestFirstAcrossAccounts) {
  Account c = add_account("tenant-c");  // on starter too, as A
  Endpoint ep_c = add_endpoint(c.id);
  std::vector<Event> old;
  for (int i = 0; i < 7; ++i) old.push_back(add_event(i % 2 == 0 ? ep_a_ : ep_c));
  const TimePoint cutoff = tick();
  Event young = add_event(ep_c);

  EXPECT_EQ(delete_before(store(), "starter", cutoff, 0), 0);
  EXPECT_EQ(delete_before(store(), "enterprise", cutoff, 10), 0);  // no account on it
  EXPECT_EQ(delete_before(store(), "starter", cutoff, 3), 3);
  for (size_t i = 0; i < old.size(); ++i) {
    const std::string& account = i % 2 == 0 ? a_.id : c.id;
    EXPECT_EQ(store().get_event(account, old[i].id).is_ok(), i >= 3) << "event " << i;
  }
  std::vector<int64_t> batches;
  for (int calls = 0; calls < 10; ++calls) {
    batches.push_back(delete_before(store(), "starter", cutoff, 3));
    if (batches.back() <= 0) break;
  }
  EXPECT_EQ(batches, (std::vector<int64_t>{3, 1, 0}));
  EXPECT_THAT(list_all(Filter(a_.id)), IsEmpty());
  EXPECT_EQ(ids_of(list_all(Filter(c.id))), std::vector<std::string>{young.id});
}

}  // namespace
}  // namespace promptjang::testing
