// A fresh SQLite store in a temp dir with helpers to add accounts, endpoints and
// events at chosen times, for the usage tests (account_usage, retention).
// Events are inserted synchronously (waiting for their commit), with real
// time-sortable ids made at their created_at, as ingest makes them (the store's
// retention delete relies on that).
#pragma once

#include <gtest/gtest.h>

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <string>

#include "core/clock.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/random.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace promptjang::testing {

class SeededRandom final : public Random {
 public:
  void fill(std::span<uint8_t> out) override {
    std::lock_guard lock(mu_);
    for (auto& b : out) b = static_cast<uint8_t>(engine_());
  }

 private:
  std::mutex mu_;
  std::mt19937_64 engine_{42};
};

class UsageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteOptions o;
    o.path = dir_.file("db");
    auto s = open_sqlite_store(o, *logger_);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    store_ = std::move(*s);
  }

  Store& store() { return *store_; }

  // A well-formed id: prefix + 26 characters.
  std::string next_id(const std::string& prefix) {
    std::string n = std::to_string(++n_);
    return prefix + std::string(26 - n.size(), '0') + n;
  }

  // An account on `plan` with one endpoint; returns the account.
  Account add_account(const std::string& plan) {
    Account a{next_id("acct_"), "tenant " + plan, plan, clock_.now()};
    EXPECT_TRUE(store().create_account(a).is_ok());
    Endpoint e;
    e.id = next_id("ep_");
    e.account_id = a.id;
    e.url = "https://example.com/hooks";
    e.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    e.created_at = e.updated_at = clock_.now();
    EXPECT_TRUE(store().create_endpoint(e).is_ok());
    endpoint_of_[a.id] = e.id;
    return a;
  }

  // Stores an event of `account` created at `created_at`; returns its id.
  std::string add_event(const Account& account, TimePoint created_at) {
    Event e;
    FakeClock at(created_at);
    e.id = IdGenerator(at, random_).next(id_prefix::kEvent);
    e.account_id = account.id;
    e.endpoint_id = endpoint_of_.at(account.id);
    e.payload = R"({"event":"order.created"})";
    e.event_type = "order.created";
    e.created_at = created_at;
    e.next_attempt_at = created_at;
    auto done = std::make_shared<std::promise<Status>>();
    auto result = done->get_future();
    store().insert_event(e, [done](Status st) { done->set_value(std::move(st)); });
    Status st = result.get();
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    return e.id;
  }

  bool exists(const Account& account, const std::string& event_id) {
    auto got = store().get_event(account.id, event_id);
    EXPECT_TRUE(got.is_ok() || got.status().code() == StatusCode::kNotFound)
        << got.status().to_string();
    return got.is_ok();
  }

  TempDir dir_;
  std::shared_ptr<Logger> logger_ = make_null_logger();
  FakeClock clock_;
  SeededRandom random_;
  std::unique_ptr<Store> store_;
  std::map<std::string, std::string> endpoint_of_;  // account id -> its endpoint id
  int n_ = 0;
};

}  // namespace promptjang::testing
