// The storage contract suite: what every Store back end must do (store/store.h).
//
// Written only against the Store interface, so that each back end runs it
// unchanged: a back end's test file instantiates StoreContractTest with a
// StoreBackend whose factory makes a fresh, empty store per test, e.g.
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
//                            ::testing::Values(StoreBackend{"sqlite", make_store}),
//                            StoreBackendName);
// The TEST_Ps live in store_contract_*_test.cc. Time is a FakeClock; no sleeps.
// Threads: the fixture's helpers may be called from any thread (ids and the
// clock are thread-safe).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/random.h"
#include "store/store.h"

namespace promptjang::testing {

// A store made for one test, with whatever it needs kept alive (a temp dir, a
// database) until it is destroyed.
class StoreUnderTest {
 public:
  virtual ~StoreUnderTest() = default;
  virtual Store& store() = 0;
};

struct StoreBackend {
  std::string name;  // a gtest-safe name: letters, digits, '_'
  std::function<std::unique_ptr<StoreUnderTest>()> make;
};

void PrintTo(const StoreBackend& backend, std::ostream* os);
std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info);

// Builds an EventFilter of one account (designated initializers that leave
// members out warn under g++ 12's -Wextra).
class Filter {
 public:
  explicit Filter(std::string account_id) { f_.account_id = std::move(account_id); }
  Filter& status(EventStatus s) {
    f_.status = s;
    return *this;
  }
  Filter& endpoint(std::string id) {
    f_.endpoint_id = std::move(id);
    return *this;
  }
  Filter& type(std::string t) {
    f_.event_type = std::move(t);
    return *this;
  }
  Filter& since(TimePoint t) {
    f_.since = t;
    return *this;
  }
  Filter& until(TimePoint t) {
    f_.until = t;
    return *this;
  }
  Filter& cursor(std::string c) {
    f_.cursor = std::move(c);
    return *this;
  }
  Filter& limit(int n) {
    f_.limit = n;
    return *this;
  }
  operator EventFilter() const { return f_; }  // NOLINT(google-explicit-constructor)

 private:
  EventFilter f_;
};

// A seeded, thread-safe Random for ids (deterministic per test).
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}
  void fill(std::span<uint8_t> out) override;

 private:
  std::mutex mu_;
  std::mt19937_64 engine_;  // guarded by mu_
};

class StoreContractTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  // Makes the store and two tenants, A and B, each with one enabled endpoint.
  void SetUp() override;
  void TearDown() override;

  Store& store() { return sut_->store(); }

  std::string new_id(std::string_view prefix) { return ids_.next(prefix); }
  // The clock moves 1 ms on every call, so creation times are distinct.
  TimePoint tick();

  // Created in the store (the test fails if not).
  Account add_account(const std::string& name = "acme");
  Endpoint add_endpoint(const std::string& account_id, bool enabled = true);
  ApiKey add_api_key(const std::string& account_id, const std::string& name = "ci");

  // A dashboard user of the account and sessions of a user (created in the store).
  User add_user(const std::string& account_id, const std::string& email);
  Session add_session(const User& user, Micros lifetime = std::chrono::hours(12));

  // Values only, not stored.
  Session new_session(const User& user, Micros lifetime = std::chrono::hours(12));
  // A distinct 64-character token hash per call (the store treats it as opaque).
  std::string new_session_hash();
  Endpoint new_endpoint(const std::string& account_id);
  ApiKey new_api_key(const std::string& account_id, const std::string& name = "ci");
  Event new_event(const Endpoint& endpoint, std::string payload = R"({"event":"order.created"})",
                  std::optional<std::string> type = "order.created");

  // insert_event / record_attempt, waiting for their callback.
  Status insert(Event event);
  Event add_event(const Endpoint& endpoint, std::string payload = R"({"event":"order.created"})",
                  std::optional<std::string> type = "order.created");
  // An event of `endpoint` brought to `status` by `attempts` recorded attempts
  // (none for QUEUED; the last one a 200 for DELIVERED, a 500 otherwise).
  Event add_event_in(const Endpoint& endpoint, EventStatus status, int attempts = 1);
  // Submits every event at once (asynchronously), then waits for every callback;
  // the first error, if any.
  Status insert_all(const std::vector<Event>& events);
  Status record(AttemptRecord record);
  // release_event, waiting for its callback.
  Status release(const std::string& event_id);
  // A failed attempt (HTTP 500) numbered `number`, leaving the event in `status`.
  AttemptRecord failed_attempt(const std::string& event_id, int number, EventStatus status,
                               std::optional<TimePoint> next_attempt_at);

  // claim_due_events at `now` with a 30 s lease; the ids claimed.
  std::vector<std::string> claim(TimePoint now, int limit = 100);

  // Every event of `filter`, page after page (limit as in the filter).
  std::vector<Event> list_all(EventFilter filter);

  FakeClock clock_;
  SeededRandom random_{20240601};
  IdGenerator ids_{clock_, random_};
  std::unique_ptr<StoreUnderTest> sut_;
  Account a_;  // tenant A and its endpoint
  Endpoint ep_a_;
  Account b_;  // tenant B and its endpoint
  Endpoint ep_b_;
};

// The ids of `events`, in order.
std::vector<std::string> ids_of(const std::vector<Event>& events);

}  // namespace promptjang::testing
