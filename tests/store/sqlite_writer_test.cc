// The SQLite back end's writer: group commit, commit-before-callback, batch
// isolation of a failing write, lock waits, and draining on close.
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "core/ids.h"
#include "store/sqlite_test_util.h"
#include "store/store_contract.h"

namespace promptjang::testing {
namespace {

using std::chrono::milliseconds;

// Collects the Statuses of asynchronous writes; wait() returns them in order.
class Collector {
 public:
  explicit Collector(size_t n) : state_(std::make_shared<State>()) { state_->statuses.resize(n); }
  StoreCallback slot(size_t i) {
    return [state = state_, i](Status st) {
      std::lock_guard lock(state->mu);
      state->statuses[i] = std::move(st);
      if (++state->done == state->statuses.size()) state->cv.notify_all();
    };
  }
  std::vector<Status> wait() {
    std::unique_lock lock(state_->mu);
    state_->cv.wait(lock, [this] { return state_->done == state_->statuses.size(); });
    return state_->statuses;
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<Status> statuses;
    size_t done = 0;
  };
  std::shared_ptr<State> state_;
};

class SqliteWriterTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = reopen(options()); }

  SqliteOptions options() const { return SqliteOptions{.path = path_}; }
  // Opens the store (replacing any open one) with an account and an endpoint.
  std::unique_ptr<SqliteStore> reopen(const SqliteOptions& o) {
    auto store = open_or_fail(o, *logger_);
    if (store && !store->get_account(account_.id)) {
      EXPECT_TRUE(store->create_account(account_));
      EXPECT_TRUE(store->create_endpoint(endpoint_));
    }
    return store;
  }
  Event event() {
    Event e;
    e.id = ids_.next(id_prefix::kEvent);
    e.account_id = account_.id;
    e.endpoint_id = endpoint_.id;
    e.payload = R"({"event":"ping"})";
    e.created_at = clock_.now();
    return e;
  }
  Account account(const std::string& id) { return Account{id, "x", "starter", clock_.now()}; }

  ScratchDir dir_;
  std::string path_ = dir_.file("pj.db");
  std::shared_ptr<Logger> logger_ = make_null_logger();
  FakeClock clock_;
  SeededRandom random_{7};
  IdGenerator ids_{clock_, random_};
  Account account_{ids_.next(id_prefix::kAccount), "acme", "starter", clock_.now()};
  Endpoint endpoint_{ids_.next(id_prefix::kEndpoint),
                     account_.id,
                     "https://example.com/in",
                     "",
                     true,
                     "whsec_x",
                     std::nullopt,
                     std::nullopt,
                     clock_.now(),
                     clock_.now()};
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteWriterTest, WritesSubmittedTogetherShareOneCommit) {
  const uint64_t before = store_->commit_count();
  RawDb other_process(path_);
  other_process.exec("BEGIN IMMEDIATE");  // holds the write lock: the writer has to wait
  Collector done(200);
  for (size_t i = 0; i < 200; ++i) store_->insert_event(event(), done.slot(i));
  other_process.exec("COMMIT");
  for (const Status& st : done.wait()) EXPECT_TRUE(st) << st.to_string();
  // The writer's first transaction took what had arrived before it blocked;
  // the next one took all the rest.
  EXPECT_LE(store_->commit_count() - before, 2u);
  EXPECT_EQ(other_process.scalar("SELECT count(*) FROM events"), "200");
}

TEST_F(SqliteWriterTest, ManyThreadsShareFarFewerCommits) {
  const uint64_t before = store_->commit_count();
  std::atomic<bool> go{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 200; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      if (!store_->create_account(account("acct_t" + std::to_string(t)))) ++failures;
    });
  }
  go = true;
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*store_->count_accounts(), 201);
  const uint64_t commits = store_->commit_count() - before;
  RecordProperty("commits", static_cast<int>(commits));
  EXPECT_LT(commits, 100u);
}

TEST_F(SqliteWriterTest, MaxBatchBoundsATransaction) {
  store_ = reopen(SqliteOptions{.path = path_, .max_batch = 10});
  const uint64_t before = store_->commit_count();
  RawDb other_process(path_);
  other_process.exec("BEGIN IMMEDIATE");
  Collector done(100);
  for (size_t i = 0; i < 100; ++i) store_->insert_event(event(), done.slot(i));
  other_process.exec("COMMIT");
  for (const Status& st : done.wait()) EXPECT_TRUE(st) << st.to_string();
  EXPECT_GE(store_->commit_count() - before, 10u);
  EXPECT_LE(store_->commit_count() - before, 11u);
}

TEST_F(SqliteWriterTest, InsertCallbackRunsOnlyAfterTheCommit) {
  Event e = event();
  auto seen = std::make_shared<std::promise<std::string>>();
  auto result = seen->get_future();
  store_->insert_event(e, [seen, path = path_, id = e.id](const Status& st) {
    if (!st) return seen->set_value(st.to_string());
    RawDb other_process(path);  // sees committed data only
    seen->set_value(other_process.scalar("SELECT count(*) FROM events WHERE id = '" + id + "'"));
  });
  EXPECT_EQ(result.get(), "1");
}

TEST_F(SqliteWriterTest, AFailingWriteFailsOnlyItselfWithinItsBatch) {
  Event first = event();
  ASSERT_TRUE(store_->create_account(account("acct_warmup")));
  std::promise<Status> inserted;
  store_->insert_event(first, [&inserted](const Status& st) { inserted.set_value(st); });
  ASSERT_TRUE(inserted.get_future().get());

  const uint64_t before = store_->commit_count();
  RawDb other_process(path_);
  other_process.exec("BEGIN IMMEDIATE");
  Collector done(6);
  std::vector<Event> good = {event(), event(), event()};
  store_->insert_event(good[0], done.slot(0));  // may get a transaction of its own
  store_->insert_event(good[1], done.slot(1));
  store_->insert_event(first, done.slot(2));  // duplicate id
  store_->insert_event(good[2], done.slot(3));
  AttemptRecord stray;
  stray.attempt.event_id = ids_.next(id_prefix::kEvent);  // no such event
  stray.attempt.number = 1;
  store_->record_attempt(stray, done.slot(4));
  store_->touch_api_key("key_unknown", clock_.now());  // changes nothing, fails nothing
  store_->insert_event(event(), done.slot(5));
  other_process.exec("COMMIT");
  auto statuses = done.wait();
  EXPECT_TRUE(statuses[0]) << statuses[0].to_string();
  EXPECT_TRUE(statuses[1]) << statuses[1].to_string();
  EXPECT_EQ(statuses[2].code(), StatusCode::kAlreadyExists) << statuses[2].to_string();
  EXPECT_TRUE(statuses[3]) << statuses[3].to_string();
  EXPECT_EQ(statuses[4].code(), StatusCode::kNotFound) << statuses[4].to_string();
  EXPECT_TRUE(statuses[5]) << statuses[5].to_string();
  EXPECT_LE(store_->commit_count() - before, 2u);
  EXPECT_EQ(other_process.scalar("SELECT count(*) FROM events"), "5");
  EXPECT_EQ(other_process.scalar("SELECT count(*) FROM attempts"), "0");
}

TEST_F(SqliteWriterTest, LockedDatabaseIsUnavailableThenRecovers) {
  store_.reset();
  SqliteOptions impatient = options();
  impatient.busy_timeout = milliseconds(50);
  store_ = reopen(impatient);
  RawDb other_process(path_);
  other_process.exec("BEGIN IMMEDIATE");
  Status st = store_->create_account(account("acct_later"));
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.to_string();
  Collector done(1);
  store_->insert_event(event(), done.slot(0));
  EXPECT_EQ(done.wait()[0].code(), StatusCode::kUnavailable);
  EXPECT_TRUE(store_->get_account(account_.id));  // reads go on meanwhile
  other_process.exec("ROLLBACK");
  EXPECT_TRUE(store_->create_account(account("acct_later")));
}

TEST_F(SqliteWriterTest, ClosingDrainsEverySubmittedWrite) {
  std::atomic<int> ok{0};
  for (int i = 0; i < 300; ++i) {
    store_->insert_event(event(), [&ok](const Status& st) {
      if (st) ++ok;
    });
  }
  store_.reset();  // returns once all 300 are committed and called back
  EXPECT_EQ(ok.load(), 300);
  RawDb other_process(path_);
  EXPECT_EQ(other_process.scalar("SELECT count(*) FROM events"), "300");
}

TEST_F(SqliteWriterTest, SynchronousWriteFromACallbackFailsInsteadOfDeadlocking) {
  auto result = std::make_shared<std::promise<Status>>();
  auto future = result->get_future();
  SqliteStore* store = store_.get();
  store_->insert_event(event(), [result, store, this](const Status&) {
    result->set_value(store->create_account(account("acct_from_callback")));
  });
  EXPECT_EQ(future.get().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace promptjang::testing
