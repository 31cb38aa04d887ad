// The Dispatcher over a real SQLite store, with a scripted HttpClient (answers
// on its own thread) and a FakeClock: hand-off, recovery, the exact schedule,
// fairness between endpoints, 410 and disabled endpoints, replay cycles.
#include "delivery/dispatcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "store/sqlite/sqlite_store.h"
#include "support/faulty_store.h"
#include "support/temp_dir.h"

namespace promptjang {
namespace {

using namespace std::chrono_literals;

// Answers each request with the status scripted for its URL (default 200), from
// a separate thread; URLs marked "hang" are answered only when released.
class ScriptedClient final : public HttpClient {
 public:
  explicit ScriptedClient(const Clock& clock) : clock_(clock) {}
  ~ScriptedClient() override { release_all(); }

  void send(OutboundRequest req, std::function<void(OutboundResult)> done) override {
    std::unique_lock lock(mu_);
    sent_.push_back(req);
    max_concurrent_[req.url] = std::max(max_concurrent_[req.url], ++concurrent_[req.url]);
    if (hang_.count(req.url)) {
      parked_.emplace_back(req.url, std::move(done));
      return;
    }
    int code = statuses_.count(req.url) ? statuses_[req.url] : 200;
    lock.unlock();
    answer(req.url, code, std::move(done));
  }

  void set_status(const std::string& url, int code) {
    std::lock_guard lock(mu_);
    statuses_[url] = code;
  }
  void hang(const std::string& url) {
    std::lock_guard lock(mu_);
    hang_.insert(url);
  }
  void release_all() {
    std::vector<std::pair<std::string, std::function<void(OutboundResult)>>> parked;
    {
      std::lock_guard lock(mu_);
      parked.swap(parked_);
      hang_.clear();
    }
    for (auto& [url, done] : parked) answer(url, 200, std::move(done));
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(threads_mu_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }
  std::vector<OutboundRequest> sent() {
    std::lock_guard lock(mu_);
    return sent_;
  }
  int max_concurrent(const std::string& url) {
    std::lock_guard lock(mu_);
    return max_concurrent_[url];
  }

 private:
  void answer(const std::string& url, int code, std::function<void(OutboundResult)> done) {
    std::lock_guard lock(threads_mu_);
    threads_.emplace_back([this, url, code, done = std::move(done)] {
      {
        std::lock_guard lock(mu_);
        --concurrent_[url];
      }
      OutboundResult r;
      r.started_at = r.ended_at = clock_.now();
      r.status_code = code;
      r.response_body = "ok";
      done(std::move(r));
    });
  }

  const Clock& clock_;
  std::mutex mu_, threads_mu_;
  std::vector<OutboundRequest> sent_;
  std::map<std::string, int> statuses_, concurrent_, max_concurrent_;
  std::set<std::string> hang_;
  std::vector<std::pair<std::string, std::function<void(OutboundResult)>>> parked_;
  std::vector<std::thread> threads_;
};

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteOptions o;
    o.path = dir.file("db");
    auto s = open_sqlite_store(o, *logger);
    ASSERT_TRUE(s.is_ok());
    store = std::move(*s);
    ASSERT_TRUE(store->create_account({"acct_1", "a", "starter", clock.now()}).is_ok());
  }
  void TearDown() override {
    if (dispatcher) dispatcher->stop();
    client.release_all();
  }

  std::string add_endpoint(const std::string& url, bool enabled = true) {
    Endpoint e;
    std::string n = std::to_string(++n_);
    e.id = "ep_" + std::string(26 - n.size(), '0') + n;
    e.account_id = "acct_1";
    e.url = url;
    e.enabled = enabled;
    e.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    e.created_at = e.updated_at = clock.now();
    EXPECT_TRUE(store->create_endpoint(e).is_ok());
    return e.id;
  }

  Event insert(const std::string& endpoint_id, bool leased) {
    Event e;
    std::string n = std::to_string(++n_);
    e.id = "evt_" + std::string(26 - n.size(), '0') + n;
    e.account_id = "acct_1";
    e.endpoint_id = endpoint_id;
    e.payload = R"({"n":)" + std::to_string(n_) + "}";
    e.created_at = clock.now();
    e.next_attempt_at = e.created_at;
    if (leased) e.lease_until = clock.now() + 60s;
    std::promise<Status> p;
    store->insert_event(e, [&](Status s) { p.set_value(s); });
    EXPECT_TRUE(p.get_future().get().is_ok());
    return e;
  }

  void start(RetrySchedule schedule = default_retry_schedule(), size_t per_endpoint = 4) {
    DispatcherOptions o;
    o.schedule = std::move(schedule);
    o.max_in_flight_per_endpoint = per_endpoint;
    o.max_held_per_endpoint = per_endpoint * 4;
    o.poll_interval = 50ms;
    o.drain_timeout = 2s;
    o.max_recording = max_recording;
    dispatcher = std::make_unique<Dispatcher>(o, *store, client, clock, *logger);
    dispatcher->start();
  }

  EventStatus status_of(const std::string& id) { return store->get_event("acct_1", id)->status; }

  // Polls the store until `id` has `status` (real time, bounded).
  bool wait_for(const std::string& id, EventStatus status, std::chrono::milliseconds limit = 5s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (status_of(id) == status) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  testing::TempDir dir;
  std::shared_ptr<Logger> logger = make_null_logger();
  FakeClock clock;
  std::unique_ptr<Store> store;
  ScriptedClient client{clock};
  std::unique_ptr<Dispatcher> dispatcher;
  size_t max_recording = 2048;
  int n_ = 0;
};

TEST_F(DispatcherTest, HandedOffEventIsDeliveredSignedAndRecorded) {
  std::string ep = add_endpoint("http://a/");
  start();
  Event e = insert(ep, /*leased=*/true);
  dispatcher->submit(e);
  ASSERT_TRUE(wait_for(e.id, EventStatus::kDelivered));
  auto got = store->get_event("acct_1", e.id);
  ASSERT_EQ(got->attempts.size(), 1u);
  EXPECT_EQ(got->attempts[0].number, 1);
  EXPECT_EQ(got->attempts[0].status_code, 200);
  EXPECT_EQ(got->attempts[0].response_body, "ok");
  auto sent = client.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].body, e.payload) << "byte for byte";
  EXPECT_EQ(sent[0].url, "http://a/");
}

TEST_F(DispatcherTest, RecoversStoredWorkAtStart) {
  std::string ep = add_endpoint("http://a/");
  std::vector<Event> events;
  for (int i = 0; i < 10; ++i) events.push_back(insert(ep, /*leased=*/false));
  start();
  for (const auto& e : events) EXPECT_TRUE(wait_for(e.id, EventStatus::kDelivered)) << e.id;
}

TEST_F(DispatcherTest, AStoreSlowerThanTheReceiversSetsThePace) {
  auto faulty = std::make_unique<testing::FaultyStore>(std::move(store));
  testing::FaultyStore* slow = faulty.get();
  store = std::move(faulty);
  std::string ep = add_endpoint("http://a/");
  std::vector<Event> events;
  for (int i = 0; i < 12; ++i) events.push_back(insert(ep, /*leased=*/false));
  slow->hold_records = true;  // answered attempts wait for their commit
  max_recording = 3;
  start();
  ASSERT_TRUE([&] {
    for (int i = 0; i < 500 && slow->held_records() < 3; ++i) std::this_thread::sleep_for(5ms);
    return slow->held_records() == 3;
  }());
  std::this_thread::sleep_for(200ms);  // four polls: nothing more starts
  EXPECT_EQ(client.sent().size(), 3u) << "attempts started past the records waiting";
  EXPECT_EQ(slow->held_records(), 3u);
  slow->release_records();
  for (const auto& e : events) EXPECT_TRUE(wait_for(e.id, EventStatus::kDelivered)) << e.id;
  EXPECT_EQ(client.sent().size(), 12u);
}

TEST_F(DispatcherTest, FollowsTheScheduleToExpiry) {
  std::string ep = add_endpoint("http://down/");
  client.set_status("http://down/", 503);
  start({1s, 2s});
  Event e = insert(ep, false);
  // The clock is frozen, so no poll ever falls due after the claim at start,
  // which may have run before this insert: tell the dispatcher.
  dispatcher->poke();
  ASSERT_TRUE(wait_for(e.id, EventStatus::kRetrying));
  auto got = *store->get_event("acct_1", e.id);
  ASSERT_TRUE(got.next_attempt_at);
  EXPECT_EQ(*got.next_attempt_at - got.attempts.back().started_at, 1s)
      << "1st retry: schedule[0] after the failed attempt";
  // Not due yet: nothing happens however often we poll.
  clock.advance(999ms);
  dispatcher->poke();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(client.sent().size(), 1u);
  clock.advance(1ms);
  dispatcher->poke();
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (client.sent().size() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  ASSERT_EQ(client.sent().size(), 2u);
  ASSERT_TRUE(wait_for(e.id, EventStatus::kRetrying));
  std::this_thread::sleep_for(50ms);
  clock.advance(2s);
  dispatcher->poke();
  ASSERT_TRUE(wait_for(e.id, EventStatus::kExpired));
  got = *store->get_event("acct_1", e.id);
  ASSERT_EQ(got.attempts.size(), 3u) << "N retries = N + 1 attempts";
  EXPECT_FALSE(got.next_attempt_at);
  auto sent = client.sent();
  for (size_t i = 0; i < sent.size(); ++i)
    for (const auto& [k, v] : sent[i].headers)
      if (k == "X-PromptJang-Attempt") {
        EXPECT_EQ(v, std::to_string(i + 1));
      }

  // Replay: a fresh cycle with the full schedule, numbering goes on.
  client.set_status("http://down/", 200);
  ASSERT_TRUE(store->replay_event("acct_1", e.id, false, clock.now()).is_ok());
  dispatcher->poke();
  ASSERT_TRUE(wait_for(e.id, EventStatus::kDelivered));
  got = *store->get_event("acct_1", e.id);
  ASSERT_EQ(got.attempts.size(), 4u);
  EXPECT_EQ(got.attempts.back().number, 4);
}

TEST_F(DispatcherTest, ASlowEndpointDoesNotDelayAHealthyOne) {
  std::string slow = add_endpoint("http://slow/"), fast = add_endpoint("http://fast/");
  client.hang("http://slow/");
  start(default_retry_schedule(), /*per_endpoint=*/2);
  std::vector<Event> slow_events, fast_events;
  for (int i = 0; i < 20; ++i) {
    slow_events.push_back(insert(slow, true));
    dispatcher->submit(slow_events.back());
  }
  for (int i = 0; i < 20; ++i) {
    fast_events.push_back(insert(fast, true));
    dispatcher->submit(fast_events.back());
  }
  for (const auto& e : fast_events) EXPECT_TRUE(wait_for(e.id, EventStatus::kDelivered, 3s));
  EXPECT_EQ(client.max_concurrent("http://slow/"), 2) << "capped per endpoint";
  EXPECT_EQ(status_of(slow_events[0].id), EventStatus::kQueued);
  client.release_all();
  dispatcher->poke();
  for (const auto& e : slow_events) EXPECT_TRUE(wait_for(e.id, EventStatus::kDelivered)) << e.id;
}

TEST_F(DispatcherTest, GoneDisablesTheEndpointAndDisabledEventsWait) {
  std::string ep = add_endpoint("http://gone/");
  client.set_status("http://gone/", 410);
  start();
  Event first = insert(ep, false);
  dispatcher->poke();  // as above: the claim at start may have come first
  ASSERT_TRUE(wait_for(first.id, EventStatus::kFailed));
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (store->get_endpoint("acct_1", ep)->enabled && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  ASSERT_FALSE(store->get_endpoint("acct_1", ep)->enabled) << "410 disables the endpoint";

  // Events of a disabled endpoint are kept and wait.
  Event waiting = insert(ep, true);
  dispatcher->submit(waiting);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(status_of(waiting.id), EventStatus::kQueued);
  EXPECT_EQ(client.sent().size(), 1u);

  // Enabled again, they go out.
  client.set_status("http://gone/", 200);
  auto e = *store->get_endpoint("acct_1", ep);
  e.enabled = true;
  ASSERT_TRUE(store->update_endpoint(e).is_ok());
  dispatcher->poke();
  EXPECT_TRUE(wait_for(waiting.id, EventStatus::kDelivered));
}

}  // namespace
}  // namespace promptjang

namespace promptjang {
namespace {

// Two nodes on one store: node A's attempt hangs for many lease lengths (by
// the fake clock); A renews its lease, so node B never sends the event; once
// A is gone (no renewals), B takes the work over after one lease.
TEST_F(DispatcherTest, ASlowAttemptIsRenewedAndNeverSentByAnotherNode) {
  std::string ep = add_endpoint("http://slow/");
  client.hang("http://slow/");
  DispatcherOptions o;
  o.poll_interval = 20ms;
  o.drain_timeout = 100ms;
  o.lease = 3000ms;
  o.renew_interval = 1000ms;
  o.owner = "node_a";
  dispatcher = std::make_unique<Dispatcher>(o, *store, client, clock, *logger);
  dispatcher->start();
  Event e = insert(ep, /*leased=*/false);
  dispatcher->poke();
  auto sent_count = [&] { return client.sent().size(); };
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (sent_count() < 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  ASSERT_EQ(sent_count(), 1u) << "node A sends it";

  ScriptedClient other_client{clock};
  DispatcherOptions ob = o;
  ob.owner = "node_b";
  auto b = std::make_unique<Dispatcher>(ob, *store, other_client, clock, *logger);
  b->start();
  // Ten lease lengths pass, a second at a time; A renews each time (its
  // claimer looks at the clock every poll interval).
  for (int i = 0; i < 30; ++i) {
    TimePoint before = clock.now();
    clock.advance(1000ms);
    // Wait until A's renewal is in the store before moving on.
    auto until = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < until) {
      auto got = store->get_event("acct_1", e.id);
      if (got && got->lease_until && *got->lease_until > before + 2000ms) break;
      std::this_thread::sleep_for(2ms);
    }
    b->poke();
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(other_client.sent().size(), 0u) << "node B sent an attempt in flight on node A";
  // Node A dies (its attempt never recorded, no more renewals): after one
  // lease node B delivers the event.
  // (Stopped, not destroyed: its hung attempt answers at tear-down, and a
  // stopped dispatcher drops late answers.)
  dispatcher->stop();
  clock.advance(3100ms);
  b->poke();
  EXPECT_TRUE(wait_for(e.id, EventStatus::kDelivered));
  EXPECT_EQ(other_client.sent().size(), 1u);
  b->stop();
  other_client.release_all();
}

}  // namespace
}  // namespace promptjang
