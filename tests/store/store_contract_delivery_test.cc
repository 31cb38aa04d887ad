// Contract: delivery work (store/store.h): claim_due_events with due times,
// enabled flags, deletion and leases (taken at ingest or by a claim, ended by
// release_event or an attempt); record_attempt appending attempts and moving the
// event along SPEC §6; delete_endpoint failing the endpoint's pending events.
#include <mutex>
#include <set>
#include <thread>

#include "store/store_contract.h"

namespace promptjang::testing {
namespace {

using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_P(StoreContractTest, ClaimReturnsTheWholeEvent) {
  Event e = new_event(ep_a_, R"({"event":"x","data":"\u0000"})", "x");
  e.idempotency_key = "k1";
  e.request_id = "req_claimed";
  ASSERT_TRUE(insert(e));
  auto claimed = store().claim_due_events(
      ClaimRequest{clock_.now(), clock_.now() + seconds(30), 10, 1000000, {}, {}, {}});
  ASSERT_TRUE(claimed);
  ASSERT_EQ(claimed->size(), 1u);
  const Event& got = (*claimed)[0];
  EXPECT_EQ(got.id, e.id);
  EXPECT_EQ(got.account_id, a_.id);
  EXPECT_EQ(got.endpoint_id, ep_a_.id);
  EXPECT_EQ(got.event_type, "x");
  EXPECT_EQ(got.status, EventStatus::kQueued);
  EXPECT_EQ(got.payload, e.payload);
  EXPECT_EQ(got.created_at, e.created_at);
  EXPECT_EQ(got.next_attempt_at, e.created_at);
  EXPECT_EQ(got.attempt_count, 0);
  EXPECT_EQ(got.request_id, "req_claimed");  // the attempts' log lines name it
}

TEST_P(StoreContractTest, ClaimHonoursTheDueTimeOldestDueFirst) {
  const TimePoint now = clock_.now() + seconds(100);
  Event later = new_event(ep_a_);
  later.next_attempt_at = now + seconds(1);
  Event at_now = new_event(ep_b_);
  at_now.next_attempt_at = now;  // due exactly now counts
  Event earlier = new_event(ep_a_);
  earlier.next_attempt_at = now - seconds(50);
  for (const auto& e : {later, at_now, earlier}) ASSERT_TRUE(insert(e));
  EXPECT_THAT(claim(now), ElementsAre(earlier.id, at_now.id));
  EXPECT_THAT(claim(now + seconds(1)), ElementsAre(later.id));
}

TEST_P(StoreContractTest, ClaimRespectsTheLimit) {
  std::vector<Event> events;
  for (int i = 0; i < 5; ++i) events.push_back(add_event(ep_a_));
  const TimePoint now = tick();
  EXPECT_THAT(claim(now, 2), ElementsAre(events[0].id, events[1].id));
  EXPECT_THAT(claim(now, 2), ElementsAre(events[2].id, events[3].id));
  EXPECT_THAT(claim(now, 0), IsEmpty());
  EXPECT_THAT(claim(now, 2), ElementsAre(events[4].id));
}

TEST_P(StoreContractTest, ClaimSkipsDisabledEndpointsUntilReEnabled) {
  Endpoint off = add_endpoint(a_.id, /*enabled=*/false);
  Event waiting = add_event(off);
  EXPECT_THAT(claim(tick()), IsEmpty());
  off.enabled = true;
  off.updated_at = tick();
  ASSERT_TRUE(store().update_endpoint(off));
  EXPECT_THAT(claim(tick()), ElementsAre(waiting.id));
}

TEST_P(StoreContractTest, ClaimSkipsDeletedEndpoints) {
  Event orphan = add_event(ep_a_);
  Event live = add_event(ep_b_);
  ASSERT_TRUE(store().delete_endpoint(a_.id, ep_a_.id, tick()));
  EXPECT_THAT(claim(tick()), ElementsAre(live.id));
  EXPECT_EQ(store().get_event(a_.id, orphan.id)->status, EventStatus::kFailed);
}

TEST_P(StoreContractTest, DeletingAnEndpointFailsItsPendingEventsOnly) {
  Endpoint other = add_endpoint(a_.id);
  Event queued = add_event(ep_a_);
  Event retrying = add_event(ep_a_);
  Event delivered = add_event(ep_a_);
  Event expired = add_event(ep_a_);
  Event elsewhere = add_event(other);
  const TimePoint t0 = tick();
  ASSERT_THAT(claim(t0),
              ElementsAre(queued.id, retrying.id, delivered.id, expired.id, elsewhere.id));
  ASSERT_TRUE(record(failed_attempt(retrying.id, 1, EventStatus::kRetrying, t0)));
  ASSERT_THAT(claim(tick()), ElementsAre(retrying.id));  // leased again, mid-flight
  AttemptRecord ok = failed_attempt(delivered.id, 1, EventStatus::kDelivered, std::nullopt);
  ok.attempt.status_code = 200;
  ASSERT_TRUE(record(ok));
  ASSERT_TRUE(record(failed_attempt(expired.id, 6, EventStatus::kExpired, std::nullopt)));

  ASSERT_TRUE(store().delete_endpoint(a_.id, ep_a_.id, tick()));
  for (const Event* e : {&queued, &retrying}) {
    auto got = store().get_event(a_.id, e->id);
    ASSERT_TRUE(got) << got.status().to_string();
    EXPECT_EQ(got->status, EventStatus::kFailed) << e->id;
    EXPECT_FALSE(got->next_attempt_at) << e->id;
    EXPECT_FALSE(got->lease_until) << e->id;
  }
  EXPECT_EQ(store().get_event(a_.id, retrying.id)->attempt_count, 1);
  EXPECT_EQ(store().get_event(a_.id, delivered.id)->status, EventStatus::kDelivered);
  auto still_expired = store().get_event(a_.id, expired.id);
  ASSERT_TRUE(still_expired);
  EXPECT_EQ(still_expired->status, EventStatus::kExpired);
  EXPECT_EQ(still_expired->attempt_count, 6);
  auto untouched = store().get_event(a_.id, elsewhere.id);
  ASSERT_TRUE(untouched);
  EXPECT_EQ(untouched->status, EventStatus::kQueued);
  EXPECT_TRUE(untouched->lease_until);  // still claimed by its dispatcher
}

TEST_P(StoreContractTest, ClaimedEventIsNotClaimedAgainUntilItsLeaseEnds) {
  Event e = add_event(ep_a_);
  const TimePoint t0 = tick();
  ASSERT_THAT(claim(t0), ElementsAre(e.id));  // leased until t0 + 30 s
  EXPECT_THAT(claim(t0), IsEmpty());
  EXPECT_THAT(claim(t0 + seconds(29)), IsEmpty());
  // The claimer died: once the lease has passed, the work is taken over.
  EXPECT_THAT(claim(t0 + seconds(31)), ElementsAre(e.id));
  EXPECT_THAT(claim(t0 + seconds(32)), IsEmpty());
}

TEST_P(StoreContractTest, EventLeasedAtIngestIsNotClaimedUntilItsLeaseEnds) {
  Event e = new_event(ep_a_);
  e.lease_until = e.created_at + seconds(10);  // its ingesting node dispatches it
  ASSERT_TRUE(insert(e));
  auto got = store().get_event(a_.id, e.id);
  ASSERT_TRUE(got) << got.status().to_string();
  EXPECT_EQ(got->lease_until, e.lease_until);
  EXPECT_EQ(got->next_attempt_at, e.created_at);
  EXPECT_EQ(got->cycle_base, 0);
  auto listed = list_all(Filter(a_.id));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].lease_until, e.lease_until);
  EXPECT_EQ(listed[0].cycle_base, 0);

  EXPECT_THAT(claim(e.created_at + seconds(1)), IsEmpty());
  EXPECT_THAT(claim(*e.lease_until - std::chrono::milliseconds(1)), IsEmpty());
  const TimePoint later = *e.lease_until + std::chrono::milliseconds(1);
  auto claimed =
      store().claim_due_events(ClaimRequest{later, later + seconds(30), 10, 1000000, {}, {}, {}});
  ASSERT_TRUE(claimed) << claimed.status().to_string();
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].id, e.id);
  EXPECT_EQ((*claimed)[0].lease_until, later + seconds(30));  // the new lease
  EXPECT_EQ((*claimed)[0].cycle_base, 0);
}

TEST_P(StoreContractTest, ReleaseEndsTheLeaseWithoutAnAttempt) {
  Event at_ingest = new_event(ep_a_);
  at_ingest.lease_until = at_ingest.created_at + seconds(60);
  ASSERT_TRUE(insert(at_ingest));
  Event claimed = add_event(ep_a_);
  const TimePoint t0 = tick();
  ASSERT_THAT(claim(t0), ElementsAre(claimed.id));
  ASSERT_THAT(claim(t0), IsEmpty());

  for (const Event* e : {&at_ingest, &claimed}) {
    Status st = release(e->id);
    EXPECT_TRUE(st) << st.to_string();
    auto got = store().get_event(a_.id, e->id);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->lease_until);
    EXPECT_EQ(got->status, EventStatus::kQueued);
    EXPECT_EQ(got->attempt_count, 0);
  }
  EXPECT_THAT(claim(t0), ElementsAre(at_ingest.id, claimed.id));  // due, free at once
}

TEST_P(StoreContractTest, ReleaseOfUnknownEventIsNotFound) {
  EXPECT_EQ(release(new_id(id_prefix::kEvent)).code(), StatusCode::kNotFound);
}

TEST_P(StoreContractTest, ConcurrentClaimersNeverShareAnEvent) {
  std::vector<Event> events;
  for (int i = 0; i < 100; ++i) events.push_back(new_event(i % 2 ? ep_a_ : ep_b_));
  ASSERT_TRUE(insert_all(events));
  const TimePoint now = tick();
  std::mutex mu;
  std::multiset<std::string> claimed;
  std::vector<std::thread> claimers;
  for (int t = 0; t < 4; ++t) {
    claimers.emplace_back([&] {
      for (;;) {
        auto batch =
            store().claim_due_events(ClaimRequest{now, now + seconds(30), 7, 1000000, {}, {}, {}});
        if (!batch || batch->empty()) return;
        std::lock_guard lock(mu);
        for (const auto& e : *batch) claimed.insert(e.id);
      }
    });
  }
  for (auto& t : claimers) t.join();
  EXPECT_EQ(claimed.size(), events.size());
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(), events.size());
}

TEST_P(StoreContractTest, RecordAttemptAppendsAttemptsAndMovesTheStatus) {
  Event e = add_event(ep_a_);
  ASSERT_THAT(claim(tick()), ElementsAre(e.id));

  AttemptRecord first = failed_attempt(e.id, 1, EventStatus::kRetrying, tick() + seconds(60));
  first.attempt.status_code.reset();
  first.attempt.error = "timeout";
  first.attempt.response_headers = "{}";
  first.attempt.response_body = "";
  ASSERT_TRUE(record(first));
  auto got = store().get_event(a_.id, e.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, EventStatus::kRetrying);
  EXPECT_EQ(got->next_attempt_at, first.next_attempt_at);
  EXPECT_EQ(got->attempt_count, 1);

  AttemptRecord second = failed_attempt(e.id, 2, EventStatus::kDelivered, std::nullopt);
  second.attempt.status_code = 204;
  second.attempt.response_body = std::string("ok\0\xff", 4);
  second.attempt.response_truncated = true;
  ASSERT_TRUE(record(second));
  got = store().get_event(a_.id, e.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, EventStatus::kDelivered);
  EXPECT_FALSE(got->next_attempt_at);
  EXPECT_EQ(got->attempt_count, 2);
  ASSERT_EQ(got->attempts.size(), 2u);  // oldest first
  for (int i = 0; i < 2; ++i) {
    const Attempt& want = (i == 0 ? first : second).attempt;
    const Attempt& have = got->attempts[i];
    EXPECT_EQ(have.event_id, e.id);
    EXPECT_EQ(have.number, want.number);
    EXPECT_EQ(have.started_at, want.started_at);
    EXPECT_EQ(have.duration_ms, want.duration_ms);
    EXPECT_EQ(have.status_code, want.status_code);
    EXPECT_EQ(have.error, want.error);
    EXPECT_EQ(have.response_headers, want.response_headers);
    EXPECT_EQ(have.response_body, want.response_body);
    EXPECT_EQ(have.response_truncated, want.response_truncated);
  }
  EXPECT_THAT(claim(tick() + seconds(3600)), IsEmpty());  // delivered: never again
}

TEST_P(StoreContractTest, RecordAttemptEndsTheLease) {
  Event e = add_event(ep_a_);
  const TimePoint t0 = tick();
  ASSERT_THAT(claim(t0), ElementsAre(e.id));
  ASSERT_TRUE(record(failed_attempt(e.id, 1, EventStatus::kRetrying, t0 + seconds(5))));
  EXPECT_THAT(claim(t0 + seconds(4)), IsEmpty());          // not due yet
  EXPECT_THAT(claim(t0 + seconds(5)), ElementsAre(e.id));  // due, lease over
}

TEST_P(StoreContractTest, TerminalEventsAreNeverClaimed) {
  Event failed = add_event(ep_a_);
  Event expired = add_event(ep_a_);
  AttemptRecord refused = failed_attempt(failed.id, 1, EventStatus::kFailed, std::nullopt);
  refused.attempt.status_code.reset();
  refused.attempt.error = "refused_by_policy";
  ASSERT_TRUE(record(refused));
  ASSERT_TRUE(record(failed_attempt(expired.id, 6, EventStatus::kExpired, std::nullopt)));
  EXPECT_THAT(claim(tick() + seconds(86400)), IsEmpty());
  EXPECT_EQ(store().get_event(a_.id, expired.id)->attempt_count, 6);
}

TEST_P(StoreContractTest, DuplicateAttemptNumberIsAlreadyExists) {
  Event e = add_event(ep_a_);
  ASSERT_TRUE(record(failed_attempt(e.id, 1, EventStatus::kRetrying, tick())));
  EXPECT_EQ(record(failed_attempt(e.id, 1, EventStatus::kDelivered, std::nullopt)).code(),
            StatusCode::kAlreadyExists);
  auto got = store().get_event(a_.id, e.id);
  EXPECT_EQ(got->status, EventStatus::kRetrying);  // the failed record changed nothing
  EXPECT_EQ(got->attempts.size(), 1u);
}

TEST_P(StoreContractTest, AttemptOfUnknownEventIsNotFound) {
  EXPECT_EQ(
      record(failed_attempt(new_id(id_prefix::kEvent), 1, EventStatus::kRetrying, tick())).code(),
      StatusCode::kNotFound);
}

TEST_P(StoreContractTest, ClaimSkipsExcludedEndpoints) {
  Endpoint other = add_endpoint(a_.id);
  Event skipped = add_event(ep_a_);
  Event taken = add_event(other);
  const TimePoint now = clock_.now() + seconds(1);
  auto claimed = store().claim_due_events(
      ClaimRequest{now, now + seconds(30), 10, 1000000, {ep_a_.id}, {}, {}});
  ASSERT_TRUE(claimed);
  EXPECT_THAT(ids_of(*claimed), ElementsAre(taken.id));
  auto rest =
      store().claim_due_events(ClaimRequest{now, now + seconds(30), 10, 1000000, {}, {}, {}});
  ASSERT_TRUE(rest);
  EXPECT_THAT(ids_of(*rest), ElementsAre(skipped.id)) << "excluded, not leased";
}

TEST_P(StoreContractTest, AnAttemptRecordedAfterDeletionKeepsTheEventFailed) {
  Event e = add_event(ep_a_);
  ASSERT_EQ(claim(clock_.now() + seconds(1)).size(), 1u);  // in flight
  ASSERT_TRUE(store().delete_endpoint(a_.id, ep_a_.id, tick()));
  ASSERT_TRUE(record(failed_attempt(e.id, 1, EventStatus::kRetrying, tick() + seconds(60))));
  auto got = store().get_event(a_.id, e.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, EventStatus::kFailed);
  EXPECT_FALSE(got->next_attempt_at);
  EXPECT_EQ(got->attempts.size(), 1u) << "the attempt itself is kept";
}

TEST_P(StoreContractTest, ClaimTakesAtMostPerEndpointLimitOfOneEndpoint) {
  Endpoint quiet = add_endpoint(a_.id);
  std::vector<Event> backlog;
  for (int i = 0; i < 10; ++i) backlog.push_back(add_event(ep_a_));  // due first
  Event other = add_event(quiet);
  const TimePoint now = clock_.now() + seconds(1);
  ClaimRequest r{now, now + seconds(30), 100, 3, {}, {}, {}};
  auto claimed = store().claim_due_events(r);
  ASSERT_TRUE(claimed);
  EXPECT_THAT(ids_of(*claimed), ElementsAre(backlog[0].id, backlog[1].id, backlog[2].id, other.id))
      << "a backlog does not crowd out another endpoint's due work";
}

TEST_P(StoreContractTest, ClaimOfNamedEndpointsLooksAtThoseOnly) {
  Endpoint second = add_endpoint(a_.id);
  Endpoint third = add_endpoint(a_.id);
  Event first_event = add_event(ep_a_);
  Event second_event = add_event(second);
  Event third_event = add_event(third);
  const TimePoint now = clock_.now() + seconds(1);
  ClaimRequest r{now, now + seconds(30), 100, 100, {}, {second.id, third.id}, {}};
  auto claimed = store().claim_due_events(r);
  ASSERT_TRUE(claimed);
  EXPECT_THAT(ids_of(*claimed), ElementsAre(second_event.id, third_event.id));
  r.exclude_endpoints = {third.id};
  r.only_endpoints = {ep_a_.id, third.id};
  auto again = store().claim_due_events(r);
  ASSERT_TRUE(again);
  EXPECT_THAT(ids_of(*again), ElementsAre(first_event.id)) << "exclusion wins over naming";
}

TEST_P(StoreContractTest, AnExcludedBacklogDoesNotHideOtherEndpointsWork) {
  Endpoint quiet = add_endpoint(a_.id);
  for (int i = 0; i < 300; ++i) add_event(ep_a_);  // all due before the quiet one's
  Event other = add_event(quiet);
  const TimePoint now = clock_.now() + seconds(1);
  auto claimed =
      store().claim_due_events(ClaimRequest{now, now + seconds(30), 10, 10, {ep_a_.id}, {}, {}});
  ASSERT_TRUE(claimed);
  EXPECT_THAT(ids_of(*claimed), ElementsAre(other.id));
}

}  // namespace
}  // namespace promptjang::testing
