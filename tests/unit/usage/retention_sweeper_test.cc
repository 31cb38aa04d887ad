// RetentionSweeper over a real SQLite store with a FakeClock: each plan's
// retention applies to its own accounts only, batches add up to everything old
// enough, expired sessions and delivery statistics older than 40 days go too,
// and the background thread sweeps and stops promptly.
#include "usage/retention_sweeper.h"

#include <gtest/gtest.h>

#include <thread>

#include "unit/usage/usage_fixture.h"

namespace promptjang {
namespace {

using namespace std::chrono_literals;

class RetentionSweeperTest : public testing::UsageStoreTest {
 protected:
  std::unique_ptr<RetentionSweeper> make_sweeper(SweeperOptions options,
                                                 const std::vector<Plan>& plans = default_plans()) {
    return std::make_unique<RetentionSweeper>(store(), plans, clock_, *logger_, options);
  }
  static SweeperOptions fast(int batch = 500) {
    SweeperOptions o;
    o.interval = 20ms;
    o.batch = batch;
    o.pause_between_batches = 1ms;
    return o;
  }
  TimePoint days_ago(int n) { return clock_.now() - std::chrono::days(n); }
};

TEST_F(RetentionSweeperTest, DeletesOnlyWhatIsOlderThanItsPlansRetention) {
  Account starter = add_account("starter");  // 7 days
  Account pro = add_account("pro");          // 30 days
  std::string old_starter = add_event(starter, days_ago(8));
  std::string young_starter = add_event(starter, days_ago(6));
  std::string old_for_starter_pro = add_event(pro, days_ago(8));

  auto sweeper = make_sweeper(fast());
  EXPECT_EQ(sweeper->sweep_once(), 1);
  EXPECT_EQ(sweeper->deleted_total(), 1);
  EXPECT_FALSE(exists(starter, old_starter));
  EXPECT_TRUE(exists(starter, young_starter));
  EXPECT_TRUE(exists(pro, old_for_starter_pro));

  EXPECT_EQ(sweeper->sweep_once(), 0) << "nothing left to delete";
  EXPECT_EQ(sweeper->deleted_total(), 1);
}

TEST_F(RetentionSweeperTest, CutoffMovesWithTheClock) {
  Account starter = add_account("starter");
  Account pro = add_account("pro");
  std::string s = add_event(starter, days_ago(6));
  std::string p = add_event(pro, days_ago(8));
  auto sweeper = make_sweeper(fast());
  EXPECT_EQ(sweeper->sweep_once(), 0);

  clock_.advance(std::chrono::days(2));  // starter's event is now 8 days old
  EXPECT_EQ(sweeper->sweep_once(), 1);
  EXPECT_FALSE(exists(starter, s));
  EXPECT_TRUE(exists(pro, p));

  clock_.advance(std::chrono::days(23));  // pro's event is now 33 days old
  EXPECT_EQ(sweeper->sweep_once(), 1);
  EXPECT_FALSE(exists(pro, p));
}

TEST_F(RetentionSweeperTest, SmallBatchesAddUpToEverything) {
  Account starter = add_account("starter");
  std::vector<std::string> old;
  old.reserve(5);
  for (int i = 0; i < 5; ++i)
    old.push_back(add_event(starter, days_ago(8) - std::chrono::hours(i)));
  std::string young = add_event(starter, days_ago(6));

  auto sweeper = make_sweeper(fast(/*batch=*/2));  // 2 + 2 + 1
  EXPECT_EQ(sweeper->sweep_once(), 5);
  for (const auto& id : old) EXPECT_FALSE(exists(starter, id)) << id;
  EXPECT_TRUE(exists(starter, young));
  EXPECT_EQ(sweeper->deleted_total(), 5);
}

TEST_F(RetentionSweeperTest, ExactBatchMultipleEndsWithAnEmptyBatch) {
  Account starter = add_account("starter");
  for (int i = 0; i < 4; ++i) add_event(starter, days_ago(10));
  auto sweeper = make_sweeper(fast(/*batch=*/2));  // 2 + 2 + 0
  EXPECT_EQ(sweeper->sweep_once(), 4);
  EXPECT_EQ(sweeper->sweep_once(), 0);
}

TEST_F(RetentionSweeperTest, PlanWithoutRetentionKeepsEverything) {
  Account custom = add_account("custom");
  std::string ancient = add_event(custom, days_ago(400));
  std::vector<Plan> plans = default_plans();
  plans.push_back(Plan{"custom", 1000, 10, 0, 1024, 10});  // retention_days 0: none
  auto sweeper = make_sweeper(fast(), plans);
  EXPECT_EQ(sweeper->sweep_once(), 0);
  EXPECT_TRUE(exists(custom, ancient));
}

TEST_F(RetentionSweeperTest, PassDeletesExpiredSessionsInBatches) {
  Account starter = add_account("starter");
  User u{next_id("usr_"), starter.id, "alice@example.com", "hash", clock_.now()};
  ASSERT_TRUE(store().create_user(u));
  auto session = [&](const std::string& hash, Micros expires_in) {
    Session s{hash, u.id, starter.id, "csrf", clock_.now(), clock_.now() + expires_in};
    EXPECT_TRUE(store().create_session(s));
    return s;
  };
  for (const char* h : {"h1", "h2", "h3"}) session(h, 1h);
  Session valid = session("h4", 48h);

  auto sweeper = make_sweeper(fast(/*batch=*/2));  // 2 + 1
  EXPECT_EQ(sweeper->sweep_once(), 0) << "no event to delete";
  EXPECT_EQ(sweeper->sessions_deleted_total(), 0) << "nothing has expired yet";
  clock_.advance(2h);
  EXPECT_EQ(sweeper->sweep_once(), 0);
  EXPECT_EQ(sweeper->sessions_deleted_total(), 3);
  for (const char* h : {"h1", "h2", "h3"})
    EXPECT_EQ(store().delete_session(h).code(), StatusCode::kNotFound) << h;
  EXPECT_TRUE(store().find_session_by_hash(valid.token_hash, clock_.now()));
}

TEST_F(RetentionSweeperTest, PassDeletesDeliveryStatsOlderThan40Days) {
  Account pro = add_account("pro");
  std::string event = add_event(pro, clock_.now());
  // Attempts counted in buckets 41, 39 and 0 days ago (any started_at may be counted).
  int number = 0;
  for (int days : {41, 39, 0}) {
    AttemptRecord r;
    r.attempt.event_id = event;
    r.attempt.number = ++number;
    r.attempt.started_at = clock_.now() - std::chrono::days(days);
    r.attempt.status_code = 200;
    r.new_status = EventStatus::kDelivered;
    auto done = std::make_shared<std::promise<Status>>();
    auto result = done->get_future();
    store().record_attempt(r, [done](Status st) { done->set_value(std::move(st)); });
    ASSERT_TRUE(result.get());
  }
  auto sweeper = make_sweeper(fast(/*batch=*/1));
  sweeper->sweep_once();
  EXPECT_EQ(sweeper->stats_deleted_total(), 1);
  auto left = store().delivery_stats(pro.id, clock_.now() - std::chrono::days(60),
                                     clock_.now() + std::chrono::days(1));
  ASSERT_TRUE(left) << left.status().to_string();
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ((*left)[0].start, stats_bucket_start(clock_.now() - std::chrono::days(39)));
}

TEST_F(RetentionSweeperTest, BackgroundThreadSweeps) {
  Account starter = add_account("starter");
  std::string old_event = add_event(starter, days_ago(8));
  auto sweeper = make_sweeper(fast());
  sweeper->start();
  sweeper->start();  // a no-op while running
  // Real time: the thread waits `interval` (20 ms) on a condition variable.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (sweeper->deleted_total() < 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  sweeper->stop();
  EXPECT_EQ(sweeper->deleted_total(), 1);
  EXPECT_FALSE(exists(starter, old_event));

  // The thread goes on sweeping what gets old later.
  std::string later = add_event(starter, days_ago(9));
  sweeper->start();
  const auto deadline2 = std::chrono::steady_clock::now() + 10s;
  while (sweeper->deleted_total() < 2 && std::chrono::steady_clock::now() < deadline2)
    std::this_thread::sleep_for(5ms);
  sweeper->stop();
  EXPECT_EQ(sweeper->deleted_total(), 2);
  EXPECT_FALSE(exists(starter, later));
}

TEST_F(RetentionSweeperTest, StopWakesTheThreadAtOnceAndIsIdempotent) {
  SweeperOptions o;
  o.interval = std::chrono::hours(1);
  auto sweeper = make_sweeper(o);
  sweeper->stop();  // never started: a no-op
  sweeper->start();
  const auto t0 = std::chrono::steady_clock::now();
  sweeper->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  sweeper->stop();
  EXPECT_EQ(sweeper->deleted_total(), 0);
}

TEST_F(RetentionSweeperTest, SweepOnceWorksAfterStop) {
  Account starter = add_account("starter");
  add_event(starter, days_ago(8));
  add_event(starter, days_ago(8));
  SweeperOptions o = fast(/*batch=*/1);
  o.interval = std::chrono::hours(1);
  auto sweeper = make_sweeper(o);
  sweeper->start();
  sweeper->stop();
  EXPECT_EQ(sweeper->sweep_once(), 2) << "a finished stop() does not cut later passes short";
}

TEST_F(RetentionSweeperTest, DestructorStopsARunningThread) {
  auto sweeper = make_sweeper(fast());
  sweeper->start();
  sweeper.reset();  // must join, not terminate
  SUCCEED();
}

}  // namespace
}  // namespace promptjang
