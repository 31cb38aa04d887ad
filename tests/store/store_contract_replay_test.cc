// Contract: replay (store/store.h, SPEC §6). replay_event and replay_events send
// finished events back to QUEUED in a fresh attempt cycle (cycle_base =
// attempt_count), due at once and unleased, keeping their attempts; which
// statuses may be replayed; tenant isolation; and the whole life of an event
// across two cycles, with attempt numbers that go on counting.
#include <optional>
#include <utility>
#include <vector>

#include "store/store_contract.h"

namespace promptjang::testing {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<int> attempt_numbers(const Event& e) {
  std::vector<int> numbers;
  for (const auto& a : e.attempts) numbers.push_back(a.number);
  return numbers;
}

// --- replay_event ---

TEST_P(StoreContractTest, ReplayedExpiredEventStartsAFreshCycleKeepingItsAttempts) {
  Event e = add_event_in(ep_a_, EventStatus::kExpired, 6);
  const TimePoint now = tick();
  auto replayed = store().replay_event(a_.id, e.id, /*force=*/false, now);
  ASSERT_TRUE(replayed) << replayed.status().to_string();
  EXPECT_EQ(replayed->id, e.id);
  EXPECT_EQ(replayed->account_id, a_.id);
  EXPECT_EQ(replayed->endpoint_id, ep_a_.id);
  EXPECT_EQ(replayed->payload, e.payload);
  EXPECT_EQ(replayed->created_at, e.created_at);
  EXPECT_EQ(replayed->status, EventStatus::kQueued);
  EXPECT_EQ(replayed->next_attempt_at, now);
  EXPECT_EQ(replayed->attempt_count, 6);
  EXPECT_EQ(replayed->cycle_base, 6);
  EXPECT_FALSE(replayed->lease_until);
  EXPECT_THAT(replayed->attempts, IsEmpty());  // without attempts

  auto got = store().get_event(a_.id, e.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, EventStatus::kQueued);
  EXPECT_EQ(got->cycle_base, 6);
  EXPECT_THAT(attempt_numbers(*got), ElementsAre(1, 2, 3, 4, 5, 6));  // the log stays

  // Claimable at once, by any poller.
  auto claimed =
      store().claim_due_events(ClaimRequest{now, now + seconds(30), 10, 1000000, {}, {}, {}});
  ASSERT_TRUE(claimed);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].id, e.id);
  EXPECT_EQ((*claimed)[0].attempt_count, 6);
  EXPECT_EQ((*claimed)[0].cycle_base, 6);
}

TEST_P(StoreContractTest, FailedEventCanBeReplayed) {
  Event e = add_event_in(ep_a_, EventStatus::kFailed, 2);
  auto replayed = store().replay_event(a_.id, e.id, /*force=*/false, tick());
  ASSERT_TRUE(replayed) << replayed.status().to_string();
  EXPECT_EQ(replayed->status, EventStatus::kQueued);
  EXPECT_EQ(replayed->cycle_base, 2);
}

TEST_P(StoreContractTest, DeliveredEventIsReplayedOnlyWithForce) {
  Event e = add_event_in(ep_a_, EventStatus::kDelivered);
  EXPECT_EQ(store().replay_event(a_.id, e.id, /*force=*/false, tick()).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().get_event(a_.id, e.id)->status, EventStatus::kDelivered);
  const TimePoint now = tick();
  auto replayed = store().replay_event(a_.id, e.id, /*force=*/true, now);
  ASSERT_TRUE(replayed) << replayed.status().to_string();
  EXPECT_EQ(replayed->status, EventStatus::kQueued);
  EXPECT_EQ(replayed->next_attempt_at, now);
  EXPECT_EQ(replayed->cycle_base, 1);
}

TEST_P(StoreContractTest, PendingEventCannotBeReplayed) {
  Event queued = add_event(ep_a_);
  Event retrying = add_event_in(ep_a_, EventStatus::kRetrying, 2);
  const auto before = store().get_event(a_.id, retrying.id);
  ASSERT_TRUE(before);
  for (const Event* e : {&queued, &retrying}) {
    for (bool force : {false, true}) {
      EXPECT_EQ(store().replay_event(a_.id, e->id, force, tick()).status().code(),
                StatusCode::kFailedPrecondition)
          << e->id << " force=" << force;
    }
  }
  auto after = store().get_event(a_.id, retrying.id);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, EventStatus::kRetrying);
  EXPECT_EQ(after->next_attempt_at, before->next_attempt_at);
  EXPECT_EQ(after->cycle_base, 0);

  // A replayed event is pending again: a second replay is refused.
  Event expired = add_event_in(ep_a_, EventStatus::kExpired);
  ASSERT_TRUE(store().replay_event(a_.id, expired.id, false, tick()));
  EXPECT_EQ(store().replay_event(a_.id, expired.id, false, tick()).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_P(StoreContractTest, ReplayOfMissingOrForeignEventIsNotFound) {
  Event e = add_event_in(ep_a_, EventStatus::kExpired);
  for (bool force : {false, true}) {
    EXPECT_EQ(store().replay_event(b_.id, e.id, force, tick()).status().code(),
              StatusCode::kNotFound);
    EXPECT_EQ(store().replay_event(a_.id, new_id(id_prefix::kEvent), force, tick()).status().code(),
              StatusCode::kNotFound);
  }
  EXPECT_EQ(store().get_event(a_.id, e.id)->status, EventStatus::kExpired);
}

TEST_P(StoreContractTest, ReplayedEventOfDisabledEndpointWaitsUntilEnabled) {
  Endpoint off = add_endpoint(a_.id);
  Event e = add_event_in(off, EventStatus::kExpired);
  off.enabled = false;
  off.updated_at = tick();
  ASSERT_TRUE(store().update_endpoint(off));
  const TimePoint now = tick();
  auto replayed = store().replay_event(a_.id, e.id, false, now);
  ASSERT_TRUE(replayed) << replayed.status().to_string();
  EXPECT_EQ(replayed->status, EventStatus::kQueued);
  EXPECT_THAT(claim(now), IsEmpty());
  off.enabled = true;
  off.updated_at = tick();
  ASSERT_TRUE(store().update_endpoint(off));
  EXPECT_THAT(claim(tick()), ElementsAre(e.id));
}

TEST_P(StoreContractTest, EventOfDeletedEndpointCannotBeReplayed) {
  Event expired = add_event_in(ep_a_, EventStatus::kExpired);
  Event queued = add_event(ep_a_);
  ASSERT_TRUE(store().delete_endpoint(a_.id, ep_a_.id, tick()));
  EXPECT_EQ(store().get_event(a_.id, queued.id)->status, EventStatus::kFailed);
  for (const Event* e : {&expired, &queued}) {
    EXPECT_EQ(store().replay_event(a_.id, e->id, /*force=*/true, tick()).status().code(),
              StatusCode::kFailedPrecondition)
        << e->id;
  }
  EXPECT_EQ(store().get_event(a_.id, expired.id)->status, EventStatus::kExpired);
}

// One event's whole life, driven as the dispatcher does: attempt number
// attempt_count + 1 in the log, attempt_count + 1 - cycle_base in its cycle
// (the index into the retry schedule).
TEST_P(StoreContractTest, EventLivesTwoCyclesWithAttemptNumbersThatGoOnCounting) {
  const std::vector<seconds> schedule = {seconds(60), seconds(120)};  // two retries
  Event e = add_event(ep_a_);
  auto send = [&](TimePoint now, bool delivered) {
    auto claimed =
        store().claim_due_events(ClaimRequest{now, now + seconds(30), 10, 1000000, {}, {}, {}});
    ASSERT_TRUE(claimed) << claimed.status().to_string();
    ASSERT_EQ(claimed->size(), 1u);
    const Event& c = claimed->front();
    ASSERT_EQ(c.id, e.id);
    const int number = c.attempt_count + 1;
    const size_t in_cycle = static_cast<size_t>(number - c.cycle_base);
    AttemptRecord r = failed_attempt(c.id, number, EventStatus::kExpired, std::nullopt);
    r.attempt.started_at = now;
    if (delivered) {
      r.attempt.status_code = 200;
      r.new_status = EventStatus::kDelivered;
    } else if (in_cycle <= schedule.size()) {
      r.new_status = EventStatus::kRetrying;
      r.next_attempt_at = now + schedule[in_cycle - 1];
    }
    Status st = record(std::move(r));
    ASSERT_TRUE(st) << st.to_string();
  };

  const TimePoint t = tick();
  send(t, false);  // 1: retry in 60 s
  EXPECT_THAT(claim(t + seconds(59)), IsEmpty());
  send(t + seconds(60), false);   // 2: retry in 120 s
  send(t + seconds(180), false);  // 3: the schedule is exhausted
  auto expired = store().get_event(a_.id, e.id);
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, EventStatus::kExpired);
  EXPECT_EQ(expired->attempt_count, 3);
  EXPECT_EQ(expired->cycle_base, 0);
  EXPECT_FALSE(expired->next_attempt_at);
  EXPECT_THAT(claim(t + hours(24)), IsEmpty());

  const TimePoint r = t + hours(25);
  auto replayed = store().replay_event(a_.id, e.id, false, r);
  ASSERT_TRUE(replayed) << replayed.status().to_string();
  EXPECT_EQ(replayed->status, EventStatus::kQueued);
  EXPECT_EQ(replayed->cycle_base, 3);
  EXPECT_EQ(replayed->attempt_count, 3);
  send(r, false);  // 4: the first of the new cycle, so the first interval again
  auto retrying = store().get_event(a_.id, e.id);
  ASSERT_TRUE(retrying);
  EXPECT_EQ(retrying->status, EventStatus::kRetrying);
  EXPECT_EQ(retrying->next_attempt_at, r + seconds(60));
  EXPECT_EQ(retrying->attempt_count, 4);
  send(r + seconds(60), true);  // 5: delivered

  auto done = store().get_event(a_.id, e.id);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, EventStatus::kDelivered);
  EXPECT_EQ(done->attempt_count, 5);
  EXPECT_EQ(done->cycle_base, 3);
  EXPECT_FALSE(done->lease_until);
  EXPECT_THAT(attempt_numbers(*done), ElementsAre(1, 2, 3, 4, 5));  // oldest first
  for (size_t i = 1; i < done->attempts.size(); ++i) {
    EXPECT_LT(done->attempts[i - 1].started_at, done->attempts[i].started_at);
  }
  // A forced replay of the delivered event starts a third cycle.
  auto again = store().replay_event(a_.id, e.id, /*force=*/true, r + hours(1));
  ASSERT_TRUE(again) << again.status().to_string();
  EXPECT_EQ(again->cycle_base, 5);
}

// --- replay_events ---

TEST_P(StoreContractTest, ReplayEventsTakesTheEndpointsEventsOfThatStatusInTheRange) {
  Endpoint other = add_endpoint(a_.id);
  Event before = add_event_in(ep_a_, EventStatus::kExpired);
  Event first = add_event_in(ep_a_, EventStatus::kExpired, 6);
  Event failed = add_event_in(ep_a_, EventStatus::kFailed);
  Event delivered = add_event_in(ep_a_, EventStatus::kDelivered);
  Event retrying = add_event_in(ep_a_, EventStatus::kRetrying);
  Event second = add_event_in(ep_a_, EventStatus::kExpired, 2);
  Event of_other = add_event_in(other, EventStatus::kExpired);
  Event of_b = add_event_in(ep_b_, EventStatus::kExpired);
  Event after = add_event_in(ep_a_, EventStatus::kExpired);

  const TimePoint now = tick();
  auto n = store().replay_events(a_.id, ep_a_.id, EventStatus::kExpired, first.created_at,
                                 after.created_at, now);
  ASSERT_TRUE(n) << n.status().to_string();
  EXPECT_EQ(*n, 2);
  for (const auto& [e, count] : {std::pair{&first, 6}, std::pair{&second, 2}}) {
    auto got = store().get_event(a_.id, e->id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, EventStatus::kQueued) << e->id;
    EXPECT_EQ(got->next_attempt_at, now) << e->id;
    EXPECT_EQ(got->attempt_count, count) << e->id;
    EXPECT_EQ(got->cycle_base, count) << e->id;
    EXPECT_FALSE(got->lease_until) << e->id;
    EXPECT_EQ(got->attempts.size(), static_cast<size_t>(count)) << e->id;
  }
  EXPECT_EQ(store().get_event(a_.id, before.id)->status, EventStatus::kExpired);
  EXPECT_EQ(store().get_event(a_.id, after.id)->status, EventStatus::kExpired);
  EXPECT_EQ(store().get_event(a_.id, failed.id)->status, EventStatus::kFailed);
  EXPECT_EQ(store().get_event(a_.id, delivered.id)->status, EventStatus::kDelivered);
  EXPECT_EQ(store().get_event(a_.id, retrying.id)->status, EventStatus::kRetrying);
  EXPECT_EQ(store().get_event(a_.id, of_other.id)->status, EventStatus::kExpired);
  EXPECT_EQ(store().get_event(b_.id, of_b.id)->status, EventStatus::kExpired);
  // Claimable at once (the RETRYING one is not due yet).
  EXPECT_THAT(claim(now), ElementsAre(first.id, second.id));
}

TEST_P(StoreContractTest, ReplayEventsBoundsAreOptional) {
  Event e1 = add_event_in(ep_a_, EventStatus::kExpired);
  Event e2 = add_event_in(ep_a_, EventStatus::kExpired);
  Event e3 = add_event_in(ep_a_, EventStatus::kExpired);
  auto replay = [&](std::optional<TimePoint> since, std::optional<TimePoint> until) {
    auto n = store().replay_events(a_.id, ep_a_.id, EventStatus::kExpired, since, until, tick());
    EXPECT_TRUE(n) << n.status().to_string();
    return n ? *n : -1;
  };
  EXPECT_EQ(replay(std::nullopt, e2.created_at), 1);  // e1
  EXPECT_EQ(store().get_event(a_.id, e1.id)->status, EventStatus::kQueued);
  EXPECT_EQ(replay(e3.created_at, std::nullopt), 1);  // e3
  EXPECT_EQ(store().get_event(a_.id, e2.id)->status, EventStatus::kExpired);
  EXPECT_EQ(replay(std::nullopt, std::nullopt), 1);  // e2, the last one left
  EXPECT_EQ(replay(std::nullopt, std::nullopt), 0);
  for (const Event* e : {&e1, &e2, &e3}) {
    EXPECT_EQ(store().get_event(a_.id, e->id)->status, EventStatus::kQueued) << e->id;
  }
}

TEST_P(StoreContractTest, ReplayEventsOfFailedEvents) {
  Event f1 = add_event_in(ep_a_, EventStatus::kFailed);
  Event expired = add_event_in(ep_a_, EventStatus::kExpired);
  Event f2 = add_event_in(ep_a_, EventStatus::kFailed, 3);
  const TimePoint now = tick();
  auto n =
      store().replay_events(a_.id, ep_a_.id, EventStatus::kFailed, std::nullopt, std::nullopt, now);
  ASSERT_TRUE(n) << n.status().to_string();
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(store().get_event(a_.id, f2.id)->cycle_base, 3);
  EXPECT_EQ(store().get_event(a_.id, expired.id)->status, EventStatus::kExpired);
  EXPECT_THAT(claim(now), ElementsAre(f1.id, f2.id));
}

TEST_P(StoreContractTest, ReplayEventsRefusesStatusesOtherThanExpiredOrFailed) {
  Event delivered = add_event_in(ep_a_, EventStatus::kDelivered);
  for (EventStatus s : {EventStatus::kDelivered, EventStatus::kQueued, EventStatus::kRetrying}) {
    EXPECT_EQ(store()
                  .replay_events(a_.id, ep_a_.id, s, std::nullopt, std::nullopt, tick())
                  .status()
                  .code(),
              StatusCode::kInvalidArgument)
        << event_status_name(s);
  }
  EXPECT_EQ(store().get_event(a_.id, delivered.id)->status, EventStatus::kDelivered);
}

TEST_P(StoreContractTest, ReplayEventsOfMissingDeletedOrForeignEndpointIsNotFound) {
  Event mine = add_event_in(ep_a_, EventStatus::kExpired);
  Endpoint gone = add_endpoint(a_.id);
  Event of_gone = add_event_in(gone, EventStatus::kExpired);
  ASSERT_TRUE(store().delete_endpoint(a_.id, gone.id, tick()));
  auto code = [&](const std::string& account, const std::string& endpoint) {
    return store()
        .replay_events(account, endpoint, EventStatus::kExpired, std::nullopt, std::nullopt, tick())
        .status()
        .code();
  };
  EXPECT_EQ(code(b_.id, ep_a_.id), StatusCode::kNotFound);  // B naming A's endpoint
  EXPECT_EQ(code(a_.id, new_id(id_prefix::kEndpoint)), StatusCode::kNotFound);
  EXPECT_EQ(code(a_.id, gone.id), StatusCode::kNotFound);
  EXPECT_EQ(store().get_event(a_.id, mine.id)->status, EventStatus::kExpired);
  EXPECT_EQ(store().get_event(a_.id, of_gone.id)->status, EventStatus::kExpired);
  EXPECT_THAT(claim(tick()), IsEmpty());
}

TEST_P(StoreContractTest, ReplayEventsOfDisabledEndpointWaitUntilEnabled) {
  Endpoint off = add_endpoint(a_.id);
  Event e = add_event_in(off, EventStatus::kExpired);
  off.enabled = false;
  off.updated_at = tick();
  ASSERT_TRUE(store().update_endpoint(off));
  auto n = store().replay_events(a_.id, off.id, EventStatus::kExpired, std::nullopt, std::nullopt,
                                 tick());
  ASSERT_TRUE(n) << n.status().to_string();
  EXPECT_EQ(*n, 1);
  EXPECT_THAT(claim(tick()), IsEmpty());
  off.enabled = true;
  off.updated_at = tick();
  ASSERT_TRUE(store().update_endpoint(off));
  EXPECT_THAT(claim(tick()), ElementsAre(e.id));
}

}  // namespace
}  // namespace promptjang::testing
