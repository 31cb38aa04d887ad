// Contract: usage and Idempotency-Key (store/store.h, SPEC §1 and §4).
// insert_event counts each stored event in its account's UTC month, in the same
// transaction, and nothing else; a repeated Idempotency-Key of one endpoint
// within kIdempotencyWindow stores and counts nothing (AlreadyExists), exactly
// one of concurrent duplicates is stored; set_account_plan. Retention is in
// store_contract_retention_test.cc.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "store/store_contract.h"

namespace promptjang::testing {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Midnight UTC at the start of `ymd`.
TimePoint utc(std::chrono::year_month_day ymd) { return TimePoint(std::chrono::sys_days(ymd)); }

int64_t usage(Store& store, const std::string& account_id, const std::string& month) {
  auto n = store.count_usage(account_id, month);
  EXPECT_TRUE(n) << n.status().to_string();
  return n ? *n : -1;
}

// Submits every event at once and waits for all of them: each one's Status.
std::vector<Status> insert_each(Store& store, const std::vector<Event>& events) {
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<Status> statuses;
    size_t left = 0;
  };
  auto state = std::make_shared<State>();
  state->statuses.resize(events.size());
  state->left = events.size();
  for (size_t i = 0; i < events.size(); ++i) {
    store.insert_event(events[i], [state, i](Status st) {
      std::lock_guard lock(state->mu);
      state->statuses[i] = std::move(st);
      if (--state->left == 0) state->cv.notify_all();
    });
  }
  std::unique_lock lock(state->mu);
  state->cv.wait(lock, [&] { return state->left == 0; });
  return state->statuses;
}

// --- usage ---

TEST_P(StoreContractTest, InsertCountsTheEventInTheUtcMonthOfItsCreation) {
  const TimePoint feb = utc(std::chrono::year{2026} / std::chrono::February / 1);
  clock_.set(feb - seconds(5));  // ids and created_at agree, as at ingest

  Event last_ms = new_event(ep_a_);
  last_ms.created_at = feb - milliseconds(1);  // 2026-01-31T23:59:59.999Z
  Event last_us = new_event(ep_a_);
  last_us.created_at = feb - Micros(1);  // 2026-01-31T23:59:59.999999Z
  Event first = new_event(ep_a_);
  first.created_at = feb;  // 2026-02-01T00:00:00Z
  Event later = new_event(ep_a_);
  later.created_at = feb + hours(24 * 27);
  for (const Event& e : {last_ms, last_us, first, later}) ASSERT_TRUE(insert(e)) << e.id;

  EXPECT_EQ(usage(store(), a_.id, "2026-01"), 2);
  EXPECT_EQ(usage(store(), a_.id, "2026-02"), 2);
  EXPECT_EQ(usage(store(), a_.id, "2025-12"), 0);
  EXPECT_EQ(usage(store(), a_.id, "2026-03"), 0);
}

TEST_P(StoreContractTest, UsageIsCountedPerAccount) {
  const std::string month = "2023-11";  // the fixture's clock starts on 2023-11-14
  for (int i = 0; i < 3; ++i) add_event(ep_a_);
  add_event(ep_b_);
  EXPECT_EQ(usage(store(), a_.id, month), 3);
  EXPECT_EQ(usage(store(), b_.id, month), 1);
  EXPECT_EQ(usage(store(), new_id(id_prefix::kAccount), month), 0);
}

TEST_P(StoreContractTest, AFailedInsertCountsNothing) {
  const std::string month = "2023-11";
  Event e = add_event(ep_a_);
  EXPECT_EQ(insert(e).code(), StatusCode::kAlreadyExists);  // the same id again
  Event foreign = new_event(ep_a_);
  foreign.account_id = b_.id;  // B sending to A's endpoint
  EXPECT_EQ(insert(foreign).code(), StatusCode::kNotFound);
  Event unknown = new_event(ep_b_);
  unknown.endpoint_id = new_id(id_prefix::kEndpoint);
  EXPECT_EQ(insert(unknown).code(), StatusCode::kNotFound);
  EXPECT_EQ(usage(store(), a_.id, month), 1);
  EXPECT_EQ(usage(store(), b_.id, month), 0);
}

TEST_P(StoreContractTest, EventsInsertedTogetherAreAllCounted) {
  std::vector<Event> events;
  for (int i = 0; i < 150; ++i) events.push_back(new_event(i % 3 == 0 ? ep_b_ : ep_a_));
  ASSERT_TRUE(insert_all(events));
  EXPECT_EQ(usage(store(), a_.id, "2023-11"), 100);
  EXPECT_EQ(usage(store(), b_.id, "2023-11"), 50);
}

TEST_P(StoreContractTest, UsageMonthMustBeYearDashMonth) {
  for (const char* month : {"", "2023", "2023-1", "2023-13", "2023-00", "2023/11", "23-11-01",
                            "abcd-ef", "2023-11-01"}) {
    EXPECT_EQ(store().count_usage(a_.id, month).status().code(), StatusCode::kInvalidArgument)
        << "'" << month << "'";
  }
}

// --- Idempotency-Key ---

TEST_P(StoreContractTest, RepeatedIdempotencyKeyStoresAndCountsNothing) {
  Event original = new_event(ep_a_);
  original.idempotency_key = "order-42";
  ASSERT_TRUE(insert(original));
  ASSERT_TRUE(record(failed_attempt(original.id, 1, EventStatus::kRetrying, tick())));

  clock_.advance(hours(23));
  Event repeat = new_event(ep_a_, R"({"other":"body"})");
  repeat.idempotency_key = "order-42";
  Status st = insert(repeat);
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists) << st.to_string();
  EXPECT_THAT(st.message(), HasSubstr(original.id));
  EXPECT_EQ(store().get_event(a_.id, repeat.id).status().code(), StatusCode::kNotFound);
  EXPECT_THAT(ids_of(list_all(Filter(a_.id))), ElementsAre(original.id));
  EXPECT_EQ(usage(store(), a_.id, "2023-11"), 1);

  auto found = store().find_event_by_idempotency_key(a_.id, ep_a_.id, "order-42",
                                                     repeat.created_at - kIdempotencyWindow);
  ASSERT_TRUE(found) << found.status().to_string();
  EXPECT_EQ(found->id, original.id);
  EXPECT_EQ(found->payload, original.payload);
  EXPECT_EQ(found->status, EventStatus::kRetrying);
  EXPECT_EQ(found->idempotency_key, "order-42");
  EXPECT_THAT(found->attempts, IsEmpty());  // without attempts
}

TEST_P(StoreContractTest, ConcurrentDuplicatesStoreExactlyOneEvent) {
  std::vector<Event> events;
  for (int i = 0; i < 20; ++i) {
    Event e = new_event(ep_a_);
    e.idempotency_key = "same-key";
    events.push_back(std::move(e));
  }
  std::vector<Status> statuses = insert_each(store(), events);
  std::vector<std::string> stored;
  int duplicates = 0;
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (statuses[i]) stored.push_back(events[i].id);
    if (statuses[i].code() == StatusCode::kAlreadyExists) ++duplicates;
  }
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(duplicates, 19);
  EXPECT_THAT(ids_of(list_all(Filter(a_.id))), ElementsAre(stored[0]));
  EXPECT_EQ(usage(store(), a_.id, "2023-11"), 1);
  auto found = store().find_event_by_idempotency_key(a_.id, ep_a_.id, "same-key",
                                                     clock_.now() - kIdempotencyWindow);
  ASSERT_TRUE(found) << found.status().to_string();
  EXPECT_EQ(found->id, stored[0]);
}

TEST_P(StoreContractTest, IdempotencyKeyHoldsForTheWindowThenStoresANewEvent) {
  Event original = new_event(ep_a_);
  original.idempotency_key = "k";
  ASSERT_TRUE(insert(original));

  Event at_edge = new_event(ep_a_);
  at_edge.idempotency_key = "k";
  at_edge.created_at = original.created_at + kIdempotencyWindow;  // still within it
  EXPECT_EQ(insert(at_edge).code(), StatusCode::kAlreadyExists);

  clock_.set(original.created_at + kIdempotencyWindow);
  Event after = new_event(ep_a_);
  after.idempotency_key = "k";
  after.created_at = original.created_at + kIdempotencyWindow + milliseconds(1);
  ASSERT_TRUE(insert(after));
  EXPECT_THAT(ids_of(list_all(Filter(a_.id))), ElementsAre(after.id, original.id));
  EXPECT_EQ(usage(store(), a_.id, "2023-11"), 2);

  // The newest one answers, and a repeat now finds it.
  auto found = store().find_event_by_idempotency_key(a_.id, ep_a_.id, "k", original.created_at);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, after.id);
  Event repeat = new_event(ep_a_);
  repeat.idempotency_key = "k";
  Status st = insert(repeat);
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(st.message(), HasSubstr(after.id));
}

TEST_P(StoreContractTest, IdempotencyKeyIsPerEndpoint) {
  Endpoint other = add_endpoint(a_.id);
  std::vector<Event> events = {new_event(ep_a_), new_event(other), new_event(ep_b_)};
  for (Event& e : events) {
    e.idempotency_key = "shared";
    ASSERT_TRUE(insert(e)) << e.endpoint_id;
  }
  Event without_key = new_event(ep_a_);  // events without a key never collide
  ASSERT_TRUE(insert(without_key));
  ASSERT_TRUE(insert(new_event(ep_a_)));
  EXPECT_EQ(usage(store(), a_.id, "2023-11"), 4);
  EXPECT_EQ(usage(store(), b_.id, "2023-11"), 1);
  const TimePoint since = clock_.now() - kIdempotencyWindow;
  EXPECT_EQ(store().find_event_by_idempotency_key(a_.id, other.id, "shared", since)->id,
            events[1].id);
  EXPECT_EQ(store().find_event_by_idempotency_key(b_.id, ep_b_.id, "shared", since)->id,
            events[2].id);
}

TEST_P(StoreContractTest, FindByIdempotencyKeyIsNotFoundUnlessAllMatch) {
  Event e = new_event(ep_a_);
  e.idempotency_key = "k";
  ASSERT_TRUE(insert(e));
  const TimePoint since = e.created_at - kIdempotencyWindow;
  auto code = [&](const std::string& account, const std::string& endpoint, const std::string& key,
                  TimePoint from) {
    return store().find_event_by_idempotency_key(account, endpoint, key, from).status().code();
  };
  EXPECT_EQ(code(a_.id, ep_a_.id, "k", since), StatusCode::kOk);
  EXPECT_EQ(code(a_.id, ep_a_.id, "k", e.created_at), StatusCode::kOk);  // since is inclusive
  EXPECT_EQ(code(b_.id, ep_a_.id, "k", since), StatusCode::kNotFound);   // foreign account
  EXPECT_EQ(code(a_.id, ep_a_.id, "K", since), StatusCode::kNotFound);   // keys are exact
  EXPECT_EQ(code(a_.id, ep_b_.id, "k", since), StatusCode::kNotFound);
  EXPECT_EQ(code(a_.id, ep_a_.id, "k", e.created_at + Micros(1)), StatusCode::kNotFound);
}

TEST_P(StoreContractTest, ForeignTenantReusingAKeyLearnsNothing) {
  Event e = new_event(ep_a_);
  e.idempotency_key = "k";
  ASSERT_TRUE(insert(e));
  Event foreign = new_event(ep_a_);
  foreign.account_id = b_.id;  // B sending to A's endpoint with A's key
  foreign.idempotency_key = "k";
  Status st = insert(foreign);
  EXPECT_EQ(st.code(), StatusCode::kNotFound) << st.to_string();
  EXPECT_THAT(st.message(), ::testing::Not(HasSubstr(e.id)));
}

// --- plans ---

TEST_P(StoreContractTest, SetAccountPlanChangesOnlyThatAccount) {
  ASSERT_TRUE(store().set_account_plan(a_.id, "pro"));
  EXPECT_EQ(store().get_account(a_.id)->plan, "pro");
  EXPECT_EQ(store().get_account(b_.id)->plan, "starter");
  ASSERT_TRUE(store().set_account_plan(a_.id, "starter"));
  EXPECT_EQ(store().get_account(a_.id)->plan, "starter");
  EXPECT_EQ(store().set_account_plan(new_id(id_prefix::kAccount), "pro").code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace promptjang::testing
