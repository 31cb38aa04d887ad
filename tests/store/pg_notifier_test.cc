// pg::Notifier (the WorkSignal over LISTEN/NOTIFY) against the real test
// cluster: an announcement reaches the other listening node and not the one
// that made it; a listener that lost its connection reconnects, looks for work
// once (announcements may have been missed), and hears the next ones; stop()
// is prompt. The multi-node behaviour it enables is in
// tests/integration/cluster_test.cc.
#include "store/postgres/pg_notifier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <thread>

#include "core/log.h"
#include "store/postgres/pg_conn.h"
#include "support/pg_test_url.h"

namespace promptjang::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Waits (bounded) until `pred` holds.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5s) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

// Each test on a database of its own: notifications stay within a database,
// and the tests that run beside this one (cluster_test's nodes) have
// notifiers of their own that must not be woken, or terminated, from here.
class NotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    std::string base = pg_test_cluster_url(&why);
    ASSERT_FALSE(base.empty()) << why;
    auto admin = pg::Connection::open(base);
    ASSERT_TRUE(admin) << admin.status().to_string();
    admin_ = std::move(*admin);
    std::random_device rd;
    db_name_ = "notifier_" + std::to_string(rd()) + std::to_string(rd());
    Status made = admin_->exec("CREATE DATABASE " + db_name_);
    ASSERT_TRUE(made.is_ok()) << made.to_string();
    url_ = base.substr(0, base.rfind('/') + 1) + db_name_;
  }
  void TearDown() override {
    if (admin_ && !db_name_.empty())
      (void)admin_->exec("DROP DATABASE " + db_name_ + " WITH (FORCE)");
  }
  std::unique_ptr<pg::Connection> admin_;
  std::string db_name_;
  std::string url_;
  std::shared_ptr<Logger> logger_ = make_null_logger();
};

TEST_F(NotifierTest, AnAnnouncementWakesTheOtherNodeNotItself) {
  std::atomic<int> a_woken{0}, b_woken{0};
  pg::Notifier a(url_, *logger_), b(url_, *logger_);
  a.start([&] { ++a_woken; });
  b.start([&] { ++b_woken; });
  // Each looks for work once when it connects.
  ASSERT_TRUE(eventually([&] { return a_woken == 1 && b_woken == 1; }));

  a.announce();
  EXPECT_TRUE(eventually([&] { return b_woken == 2; })) << "b never heard a";
  EXPECT_TRUE(eventually([&] { return a.sent() == 1; }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(a_woken, 1) << "a woke on its own announcement";
  EXPECT_EQ(a.heard(), 0u);
  EXPECT_EQ(b.heard(), 1u);
}

TEST_F(NotifierTest, AnnouncementsMadeTogetherAreCoalesced) {
  std::atomic<int> woken{0};
  pg::Notifier speaker(url_, *logger_), listener(url_, *logger_);
  speaker.start(nullptr);  // an API-only node: announces, never listens
  listener.start([&] { ++woken; });
  ASSERT_TRUE(eventually([&] { return woken == 1; }));
  for (int i = 0; i < 1000; ++i) speaker.announce();
  ASSERT_TRUE(eventually([&] { return woken >= 2; }));
  std::this_thread::sleep_for(300ms);
  EXPECT_GE(speaker.sent(), 1u);
  EXPECT_LT(speaker.sent(), 1000u) << "one NOTIFY per announce() call";
}

TEST_F(NotifierTest, AListenerThatLostItsConnectionReconnectsAndHearsAgain) {
  std::atomic<int> woken{0};
  pg::Notifier speaker(url_, *logger_), listener(url_, *logger_);
  speaker.start(nullptr);
  listener.start([&] { ++woken; });
  ASSERT_TRUE(eventually([&] { return woken == 1; }));

  // Both connected (the speaker connects on its own thread, unannounced).
  auto notifiers = [&] {
    auto n = admin_->query(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE application_name = 'promptjang-notifier' AND datname = $1",
        pg::Params::of(db_name_));
    return n ? n->row(0).int64(0) : -1;
  };
  ASSERT_TRUE(eventually([&] { return notifiers() == 2; }));
  // The server drops both notifier connections (a restart, a failover).
  auto killed = admin_->query(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
      " WHERE application_name = 'promptjang-notifier' AND datname = $1",
      pg::Params::of(db_name_));
  ASSERT_TRUE(killed) << killed.status().to_string();
  ASSERT_EQ(killed->row(0).int64(0), 2);

  // Reconnected: it looks for work once (what was announced meanwhile is lost).
  ASSERT_TRUE(eventually([&] { return woken == 2; }, 10s));
  speaker.announce();
  EXPECT_TRUE(eventually([&] { return woken == 3; }, 10s)) << "not heard after reconnecting";
}

TEST_F(NotifierTest, StopIsPromptAndSendsWhatIsPending) {
  std::atomic<int> woken{0};
  pg::Notifier listener(url_, *logger_);
  listener.start([&] { ++woken; });
  ASSERT_TRUE(eventually([&] { return woken == 1; }));
  {
    pg::Notifier leaving(url_, *logger_);
    leaving.start(nullptr);
    leaving.announce();
    auto t0 = Clock::now();
    leaving.stop();
    EXPECT_LT(Clock::now() - t0, 2s);
  }
  EXPECT_TRUE(eventually([&] { return woken == 2; })) << "the last announcement was dropped";
}

TEST_F(NotifierTest, AnUnreachableServerIsRetriedAndStopStillReturns) {
  std::atomic<int> woken{0};
  // A closed loopback port: every connection is refused at once.
  pg::Notifier lost("postgres://nobody@127.0.0.1:1/none", *logger_);
  lost.start([&] { ++woken; });
  lost.announce();
  std::this_thread::sleep_for(1200ms);  // a few attempts with backoff
  auto t0 = Clock::now();
  lost.stop();
  EXPECT_LT(Clock::now() - t0, 2s);
  EXPECT_EQ(woken, 0);
  EXPECT_EQ(lost.sent(), 0u);
}

}  // namespace
}  // namespace promptjang::testing
