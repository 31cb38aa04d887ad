// The PostgreSQL back end: the storage contract suite, each test on a fresh,
// empty schema of a throwaway cluster, and what only PostgreSQL has: claims
// from two stores (two nodes) at once, migrations from four stores at once,
// group commit, reconnection, an unreachable server.
//
// The cluster is started by CTest's pg fixture (scripts/pg-test-cluster); its
// URL is in the file named by PJ_TEST_PG_URL_FILE. Without it every test here
// FAILS (never skips): PostgreSQL is part of the test command.
// Each schema is made by an admin connection and named on the store's
// connections through options=-csearch_path; it is dropped with its store.
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "core/log.h"
#include "store/postgres/pg_conn.h"
#include "store/postgres/pg_migrations.h"
#include "store/postgres/pg_store.h"
#include "store/secrets_at_rest.h"
#include "store/store_contract.h"
#include "support/pg_test_url.h"

namespace promptjang::testing {
namespace {

using std::chrono::seconds;

// A fresh schema on the cluster for the life of the object; conninfo() names
// it as the search_path of every connection made with it.
class Schema {
 public:
  Schema() {
    std::string why;
    url_ = pg_test_cluster_url(&why);
    if (url_.empty()) {
      ADD_FAILURE() << why;
      return;
    }
    std::random_device rd;
    name_ = "t_" + std::to_string(rd()) + std::to_string(rd());
    auto admin = pg::Connection::open(url_);
    if (!admin) {
      ADD_FAILURE() << "cannot reach the test cluster at " << url_ << ": "
                    << admin.status().to_string();
      return;
    }
    admin_ = std::move(*admin);
    Status st = admin_->exec("CREATE SCHEMA " + name_);
    if (!st) ADD_FAILURE() << st.to_string();
  }
  ~Schema() {
    if (admin_) (void)admin_->exec("DROP SCHEMA " + name_ + " CASCADE");
  }
  Schema(const Schema&) = delete;
  Schema& operator=(const Schema&) = delete;

  bool ok() const { return admin_ != nullptr; }
  const std::string& name() const { return name_; }
  std::string conninfo() const {
    return url_ + (url_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
           name_ + "&application_name=" + name_;
  }
  // One value of `sql` (run in the schema) as text, or "" and a failure.
  std::string scalar(const std::string& sql) {
    if (!admin_) return "";
    auto rows = admin_->query("SELECT (" + sql + ")::text", pg::Params());
    if (!rows || rows->size() != 1) {
      ADD_FAILURE() << sql << ": " << rows.status().to_string();
      return "";
    }
    return rows->row(0).text(0);
  }
  pg::Connection& admin() { return *admin_; }

 private:
  std::string url_;
  std::string name_;
  std::unique_ptr<pg::Connection> admin_;
};

std::unique_ptr<PgStore> open_store(const Schema& schema, Logger& logger) {
  auto store = PgStore::open(PgOptions{.conninfo = schema.conninfo()}, logger);
  EXPECT_TRUE(store) << store.status().to_string();
  return store ? std::move(*store) : nullptr;
}

class PgUnderTest final : public StoreUnderTest {
 public:
  PgUnderTest() : logger_(make_null_logger()) {
    if (schema_.ok()) store_ = open_store(schema_, *logger_);
  }
  ~PgUnderTest() override { store_.reset(); }  // before the schema goes
  bool ok() const { return store_ != nullptr; }
  Store& store() override { return *store_; }

 private:
  std::shared_ptr<Logger> logger_;
  Schema schema_;
  std::unique_ptr<PgStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Postgres, StoreContractTest,
                         ::testing::Values(StoreBackend{"postgres",
                                                        []() -> std::unique_ptr<StoreUnderTest> {
                                                          auto sut =
                                                              std::make_unique<PgUnderTest>();
                                                          if (!sut->ok()) return nullptr;
                                                          return sut;
                                                        }}),
                         StoreBackendName);

// A fresh schema, for the secrets-at-rest tests.
class PgSealingDatabase final : public SealingDatabase {
 public:
  std::unique_ptr<Store> open(std::shared_ptr<const SecretBox> key) override {
    if (!schema_.ok()) return nullptr;
    PgOptions options;
    options.conninfo = schema_.conninfo();
    options.secrets = std::move(key);
    auto store = PgStore::open(options, *logger_);
    EXPECT_TRUE(store) << store.status().to_string();
    return store ? std::move(*store) : nullptr;
  }
  std::vector<std::string> raw_secrets() override {
    std::vector<std::string> out;
    auto rows = schema_.admin().query(
        "SELECT secret, previous_secret FROM " + schema_.name() + ".endpoints", pg::Params());
    EXPECT_TRUE(rows) << rows.status().to_string();
    if (!rows) return out;
    for (int i = 0; i < rows->size(); ++i) {
      out.push_back(rows->row(i).text(0));
      if (auto previous = rows->row(i).opt_text(1)) out.push_back(*previous);
    }
    return out;
  }

 private:
  std::shared_ptr<Logger> logger_ = make_null_logger();
  Schema schema_;
};

INSTANTIATE_TEST_SUITE_P(Postgres, SecretsAtRestTest,
                         ::testing::Values(SealingBackend{
                             "postgres", [] { return std::make_unique<PgSealingDatabase>(); }}),
                         SealingBackendName);

// --- PostgreSQL only ---

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(schema_.ok()); }

  // An account with `endpoints` enabled endpoints, created through `store`.
  std::vector<Endpoint> seed(Store& store, int endpoints) {
    Account a{ids_.next(id_prefix::kAccount), "acme", "starter", clock_.now()};
    EXPECT_TRUE(store.create_account(a));
    std::vector<Endpoint> out;
    for (int i = 0; i < endpoints; ++i) {
      Endpoint e;
      e.id = ids_.next(id_prefix::kEndpoint);
      e.account_id = a.id;
      e.url = "https://example.com/" + e.id;
      e.enabled = true;
      e.secret = "whsec_x";
      e.created_at = e.updated_at = clock_.now();
      EXPECT_TRUE(store.create_endpoint(e));
      out.push_back(e);
    }
    return out;
  }
  Event event_of(const Endpoint& ep) {
    clock_.advance(std::chrono::milliseconds(1));
    Event e;
    e.id = ids_.next(id_prefix::kEvent);
    e.account_id = ep.account_id;
    e.endpoint_id = ep.id;
    e.payload = "{}";
    e.created_at = clock_.now();
    return e;
  }
  // Submits every event at once and waits for all callbacks; how many failed.
  static int insert_all(Store& store, const std::vector<Event>& events) {
    std::mutex mu;
    std::condition_variable cv;
    size_t left = events.size();
    int failed = 0;
    for (const Event& e : events) {
      store.insert_event(e, [&](const Status& st) {
        std::lock_guard lock(mu);
        if (!st) ++failed;
        if (--left == 0) cv.notify_all();
      });
    }
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return left == 0; });
    return failed;
  }

  FakeClock clock_;
  SeededRandom random_{7};
  IdGenerator ids_{clock_, random_};
  std::shared_ptr<Logger> logger_ = make_null_logger();
  Schema schema_;
};

TEST_F(PgStoreTest, ConcurrentClaimsOfTwoStoresNeverShareAnEvent) {
  auto node1 = open_store(schema_, *logger_);
  auto node2 = open_store(schema_, *logger_);
  ASSERT_TRUE(node1 && node2);
  std::vector<Endpoint> endpoints = seed(*node1, 5);
  std::vector<Event> events;
  for (int i = 0; i < 600; ++i) events.push_back(event_of(endpoints[i % endpoints.size()]));
  ASSERT_EQ(insert_all(*node1, events), 0);

  const TimePoint now = clock_.now() + seconds(1);
  std::mutex mu;
  std::multiset<std::string> claimed;
  std::atomic<int> errors{0};
  std::vector<std::thread> claimers;
  for (int t = 0; t < 8; ++t) {
    PgStore* node = t % 2 == 0 ? node1.get() : node2.get();
    const std::string owner = t % 2 == 0 ? "node_1" : "node_2";
    claimers.emplace_back([&, node, owner] {
      for (;;) {
        auto batch =
            node->claim_due_events(ClaimRequest{now, now + seconds(30), 9, 1000000, {}, {}, owner});
        if (!batch) ++errors;
        if (!batch || batch->empty()) return;
        std::lock_guard lock(mu);
        for (const auto& e : *batch) claimed.insert(e.id);
      }
    });
  }
  for (auto& t : claimers) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(claimed.size(), events.size());
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(), events.size())
      << "an event was handed out twice";
}

TEST_F(PgStoreTest, MigrationsFromFourStoresAtOnceApplyOnce) {
  std::vector<std::unique_ptr<PgStore>> stores(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < stores.size(); ++i) {
    threads.emplace_back([&, i] {
      auto store = PgStore::open(PgOptions{.conninfo = schema_.conninfo()}, *logger_);
      if (store) stores[i] = std::move(*store);
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : stores) ASSERT_NE(s, nullptr);
  const std::string table = schema_.name() + ".schema_migrations";
  const auto known = pg::embedded_migrations().size();
  EXPECT_EQ(schema_.scalar("SELECT count(*) FROM " + table), std::to_string(known));
  EXPECT_EQ(schema_.scalar("SELECT count(DISTINCT version) FROM " + table), std::to_string(known));
  // applied_at is unix microseconds from the server's clock, after 2024.
  EXPECT_GT(std::stoll(schema_.scalar("SELECT min(applied_at) FROM " + table)),
            1'704'067'200'000'000);
  // Every store works on the one schema.
  seed(*stores[3], 1);
  EXPECT_EQ(*stores[0]->count_accounts(), 1);
}

TEST_F(PgStoreTest, ConcurrentInsertsShareFewTransactions) {
  auto store = open_store(schema_, *logger_);
  ASSERT_TRUE(store);
  std::vector<Endpoint> endpoints = seed(*store, 2);
  std::vector<Event> events;
  for (int i = 0; i < 1000; ++i) events.push_back(event_of(endpoints[i % 2]));
  const uint64_t before = store->commit_count();
  ASSERT_EQ(insert_all(*store, events), 0);
  const uint64_t commits = store->commit_count() - before;
  EXPECT_GE(commits, 1u);
  EXPECT_LE(commits, 100u) << "group commit: 1000 inserts submitted at once";
  EXPECT_EQ(schema_.scalar("SELECT count(*) FROM " + schema_.name() + ".events"), "1000");
}

TEST_F(PgStoreTest, SchemaKeepsPayloadsAsByteaAndHasLeaseOwner) {
  auto store = open_store(schema_, *logger_);
  ASSERT_TRUE(store);
  auto type_of = [&](const std::string& table, const std::string& column) {
    return schema_.scalar(
        "SELECT data_type FROM information_schema.columns WHERE table_schema = '" + schema_.name() +
        "' AND table_name = '" + table + "' AND column_name = '" + column + "'");
  };
  EXPECT_EQ(type_of("events", "payload"), "bytea");
  EXPECT_EQ(type_of("attempts", "response_body"), "bytea");
  EXPECT_EQ(type_of("events", "lease_until"), "bigint");
  EXPECT_EQ(type_of("events", "lease_owner"), "text");
}

TEST_F(PgStoreTest, ReconnectsAfterTheServerDropsItsConnections) {
  auto store = open_store(schema_, *logger_);
  ASSERT_TRUE(store);
  std::vector<Endpoint> endpoints = seed(*store, 1);
  ASSERT_TRUE(store->ping());
  // The writer and the pool's connections (one so far: it grows when needed).
  const std::string dropped = schema_.scalar(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
      " WHERE application_name = '" +
      schema_.name() + "'");
  EXPECT_GE(std::stoi(dropped.empty() ? "0" : dropped), 2);
  // The first use of a dropped connection may fail (Unavailable); the store
  // reconnects and the next one succeeds.
  auto eventually = [](const std::function<Status()>& op) {
    Status st;
    for (int i = 0; i < 3; ++i) {
      st = op();
      if (st) return st;
      EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.to_string();
    }
    return st;
  };
  EXPECT_TRUE(eventually([&] { return store->ping(); }));
  Event e = event_of(endpoints[0]);
  EXPECT_TRUE(eventually([&] {
    std::promise<Status> done;
    auto result = done.get_future();
    store->insert_event(e, [&done](Status st) { done.set_value(std::move(st)); });
    return result.get();
  }));
  EXPECT_TRUE(store->get_event(e.account_id, e.id));
}

TEST(PgStoreOpenTest, UnreachableServerIsUnavailable) {
  auto logger = make_null_logger();
  // Port 1 on loopback: nothing listens there.
  auto store = PgStore::open(
      PgOptions{.conninfo = "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"}, *logger);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable) << store.status().to_string();
}

}  // namespace
}  // namespace promptjang::testing
