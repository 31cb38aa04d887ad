// The storage contract: lease owners and renewal (store/store.h renew_leases).
// A node renews the leases it holds, so a slow attempt is never handed to
// another node while its node lives; once a lease ran out and another node
// claimed the event, the first node's renewal no longer touches it.
#include "store_contract.h"

namespace promptjang::testing {
namespace {

using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

ClaimRequest claim_as(const std::string& owner, TimePoint now, Micros lease = seconds(30)) {
  ClaimRequest r;
  r.now = now;
  r.lease_until = now + lease;
  r.limit = 100;
  r.owner = owner;
  return r;
}

std::vector<std::string> claimed_ids(Store& store, const ClaimRequest& r) {
  auto claimed = store.claim_due_events(r);
  EXPECT_TRUE(claimed) << claimed.status().to_string();
  return claimed ? ids_of(*claimed) : std::vector<std::string>{};
}

int64_t renew(Store& store, const std::string& owner, std::vector<std::string> ids,
              TimePoint until) {
  auto n = store.renew_leases(owner, ids, until);
  EXPECT_TRUE(n) << n.status().to_string();
  return n ? *n : -1;
}

TEST_P(StoreContractTest, ARenewedLeaseKeepsTheEventFromOtherNodes) {
  Event e = add_event(ep_a_);
  const TimePoint t0 = tick();
  ASSERT_THAT(claimed_ids(store(), claim_as("node_a", t0)), ElementsAre(e.id));
  // Before its lease ends, node A renews it: node B gets nothing past the first lease.
  EXPECT_EQ(renew(store(), "node_a", {e.id}, t0 + seconds(60)), 1);
  EXPECT_THAT(claimed_ids(store(), claim_as("node_b", t0 + seconds(31))), IsEmpty());
  EXPECT_THAT(claimed_ids(store(), claim_as("node_b", t0 + seconds(59))), IsEmpty());
  auto got = store().get_event(a_.id, e.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->lease_until, t0 + seconds(60));
  // Node A died: no more renewals; at the end of the renewed lease, B takes over.
  EXPECT_THAT(claimed_ids(store(), claim_as("node_b", t0 + seconds(61))), ElementsAre(e.id));
}

TEST_P(StoreContractTest, OnlyTheOwnerRenewsAndNotOnceAnotherNodeTookTheEvent) {
  Event e = add_event(ep_a_);
  const TimePoint t0 = tick();
  ASSERT_THAT(claimed_ids(store(), claim_as("node_a", t0)), ElementsAre(e.id));
  EXPECT_EQ(renew(store(), "node_b", {e.id}, t0 + seconds(300)), 0) << "not B's lease";
  // A's lease ran out (A was stalled) and B claimed the event: A's late
  // renewal must not steal it back.
  ASSERT_THAT(claimed_ids(store(), claim_as("node_b", t0 + seconds(31))), ElementsAre(e.id));
  EXPECT_EQ(renew(store(), "node_a", {e.id}, t0 + seconds(300)), 0);
  auto got = store().get_event(a_.id, e.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->lease_until, t0 + seconds(61)) << "B's lease, untouched";
  EXPECT_EQ(renew(store(), "node_b", {e.id}, t0 + seconds(90)), 1);
}

TEST_P(StoreContractTest, RecordedReleasedAndUnknownEventsAreNotRenewed) {
  Event recorded = add_event(ep_a_);
  Event released = add_event(ep_a_);
  const TimePoint t0 = tick();
  ASSERT_EQ(claimed_ids(store(), claim_as("node_a", t0)).size(), 2u);
  ASSERT_TRUE(record(failed_attempt(recorded.id, 1, EventStatus::kRetrying, t0 + seconds(5))));
  ASSERT_TRUE(release(released.id));
  EXPECT_EQ(renew(store(), "node_a", {recorded.id, released.id, "evt_nope"}, t0 + seconds(600)), 0);
  // Both are free for the next claim as their due times come.
  EXPECT_THAT(claimed_ids(store(), claim_as("node_b", t0 + seconds(6))),
              ::testing::UnorderedElementsAre(recorded.id, released.id));
  EXPECT_EQ(renew(store(), "node_a", {}, t0 + seconds(600)), 0) << "nothing to renew";
}

TEST_P(StoreContractTest, AnEventLeasedAtIngestIsRenewedByItsIngestingNode) {
  Event e = new_event(ep_a_);
  e.lease_until = e.created_at + seconds(10);
  e.lease_owner = "node_a";
  ASSERT_TRUE(insert(e));
  EXPECT_EQ(renew(store(), "node_a", {e.id}, e.created_at + seconds(40)), 1);
  EXPECT_THAT(claimed_ids(store(), claim_as("node_b", e.created_at + seconds(11))), IsEmpty());
  EXPECT_THAT(claimed_ids(store(), claim_as("node_b", e.created_at + seconds(41))),
              ElementsAre(e.id));
}

TEST_P(StoreContractTest, ManyLeasesAreRenewedInOneCall) {
  std::vector<Event> events;
  for (int i = 0; i < 300; ++i) events.push_back(new_event(ep_a_));
  ASSERT_TRUE(insert_all(events));
  const TimePoint t0 = tick();
  ClaimRequest r = claim_as("node_a", t0);
  r.limit = 1000;
  ASSERT_EQ(claimed_ids(store(), r).size(), 300u);
  EXPECT_EQ(renew(store(), "node_a", ids_of(events), t0 + seconds(120)), 300);
  EXPECT_THAT(claimed_ids(store(), claim_as("node_b", t0 + seconds(100))), IsEmpty());
}

}  // namespace
}  // namespace promptjang::testing
