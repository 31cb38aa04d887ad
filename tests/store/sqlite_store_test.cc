// The SQLite back end: the storage contract suite on a temp-file store, and
// what only SQLite has (migrations, reopening, WAL, a second process).
#include <fstream>
#include <iterator>
#include <thread>

#include "store/secrets_at_rest.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite_test_util.h"
#include "store/store_contract.h"

namespace promptjang::testing {
namespace {

// A store in a fresh temp dir; the dir goes with it.
class SqliteUnderTest final : public StoreUnderTest {
 public:
  SqliteUnderTest() : logger_(make_null_logger()) {
    store_ = open_or_fail(SqliteOptions{.path = dir_.file("pj.db")}, *logger_);
  }
  ~SqliteUnderTest() override { store_.reset(); }
  Store& store() override { return *store_; }

 private:
  ScratchDir dir_;
  std::shared_ptr<Logger> logger_;
  std::unique_ptr<SqliteStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
                         ::testing::Values(StoreBackend{
                             "sqlite", [] { return std::make_unique<SqliteUnderTest>(); }}),
                         StoreBackendName);

// One SQLite file in a temp dir, for the secrets-at-rest tests.
class SqliteSealingDatabase final : public SealingDatabase {
 public:
  std::unique_ptr<Store> open(std::shared_ptr<const SecretBox> key) override {
    SqliteOptions options;
    options.path = path_;
    options.secrets = std::move(key);
    return open_or_fail(options, *logger_);
  }
  std::vector<std::string> raw_secrets() override {
    std::vector<std::string> out;
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(
        sqlite3_prepare_v2(db, "SELECT secret, previous_secret FROM endpoints", -1, &stmt, nullptr),
        SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      for (int c = 0; c < 2; ++c)
        if (const auto* t = sqlite3_column_text(stmt, c))
          out.emplace_back(reinterpret_cast<const char*>(t));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
  }
  std::string file_bytes() override {
    std::string out;
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::ifstream in(path_ + suffix, std::ios::binary);
      out.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return out;
  }

 private:
  ScratchDir dir_;
  std::string path_ = dir_.file("pj.db");
  std::shared_ptr<Logger> logger_ = make_null_logger();
};

INSTANTIATE_TEST_SUITE_P(Sqlite, SecretsAtRestTest,
                         ::testing::Values(SealingBackend{
                             "sqlite", [] { return std::make_unique<SqliteSealingDatabase>(); }}),
                         SealingBackendName);

class SqliteStoreTest : public ::testing::Test {
 protected:
  SqliteOptions options() const { return SqliteOptions{.path = path_}; }
  std::unique_ptr<SqliteStore> open() { return open_or_fail(options(), *logger_); }
  Account account(const std::string& id) {
    return Account{id, "acme", "starter", from_unix_micros(1'700'000'000'000'000)};
  }

  ScratchDir dir_;
  std::string path_ = dir_.file("pj.db");
  std::shared_ptr<Logger> logger_ = make_null_logger();
};

TEST_F(SqliteStoreTest, MigrationsAreRecorded) {
  auto store = open();
  ASSERT_TRUE(store);
  RawDb raw(path_);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM schema_migrations WHERE version = 1"), "1");
  EXPECT_EQ(raw.scalar("SELECT min(version) FROM schema_migrations"), "1");
  // applied_at is unix microseconds, after 2024 and before 2100.
  const int64_t applied = std::stoll(raw.scalar("SELECT applied_at FROM schema_migrations"));
  EXPECT_GT(applied, 1'704'067'200'000'000);
  EXPECT_LT(applied, 4'102'444'800'000'000);
  EXPECT_EQ(raw.scalar("PRAGMA journal_mode"), "wal");
  for (const char* table : {"accounts", "users", "api_keys", "endpoints", "events", "attempts"}) {
    EXPECT_EQ(
        raw.scalar(std::string("SELECT count(*) FROM sqlite_master WHERE name = '") + table + "'"),
        "1")
        << table;
  }
}

TEST_F(SqliteStoreTest, ReopeningKeepsDataAndAppliesNothingTwice) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->create_account(account("acct_1")));
  }
  // A clean close checkpoints the WAL into the file and removes it.
  EXPECT_FALSE(std::filesystem::exists(path_ + "-wal"));
  auto store = open();
  ASSERT_TRUE(store);
  auto got = store->get_account("acct_1");
  ASSERT_TRUE(got) << got.status().to_string();
  EXPECT_EQ(got->name, "acme");
  RawDb raw(path_);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM schema_migrations"),
            raw.scalar("SELECT max(version) FROM schema_migrations"));
}

TEST_F(SqliteStoreTest, Version1DatabaseIsUpgradedWithItsEventsInTheirFirstCycle) {
  {
    // As an older binary left it: only migration 0001, with an expired event.
    auto db = sqlite::Connection::open(path_, sqlite::OpenOptions{});
    ASSERT_TRUE(db) << db.status().to_string();
    ASSERT_TRUE(sqlite::run_migrations(**db, sqlite::embedded_migrations().first(1), *logger_));
  }
  {
    RawDb raw(path_);
    ASSERT_TRUE(raw.exec(
        "INSERT INTO accounts VALUES ('acct_1', 'acme', 'starter', 0);"
        "INSERT INTO endpoints (id, account_id, url, description, enabled, secret, created_at,"
        " updated_at) VALUES ('ep_1', 'acct_1', 'https://example.com/', '', 1, 'whsec_x', 0, 0);"
        "INSERT INTO events (id, account_id, endpoint_id, status, payload, created_at,"
        " attempt_count) VALUES ('evt_1', 'acct_1', 'ep_1', 'EXPIRED', x'7b7d', 1, 6);"));
  }
  auto store = open();
  ASSERT_TRUE(store);
  RawDb raw(path_);
  EXPECT_EQ(raw.scalar("SELECT max(version) FROM schema_migrations"),
            std::to_string(sqlite::embedded_migrations().size()));
  auto got = store->get_event("acct_1", "evt_1");
  ASSERT_TRUE(got) << got.status().to_string();
  EXPECT_EQ(got->status, EventStatus::kExpired);
  EXPECT_EQ(got->attempt_count, 6);
  EXPECT_EQ(got->cycle_base, 0);
  EXPECT_FALSE(got->lease_until);
  auto replayed = store->replay_event("acct_1", "evt_1", false, from_unix_micros(2));
  ASSERT_TRUE(replayed) << replayed.status().to_string();
  EXPECT_EQ(replayed->cycle_base, 6);
}

TEST_F(SqliteStoreTest, NewerSchemaVersionIsRefused) {
  { ASSERT_TRUE(open()); }
  {
    RawDb raw(path_);
    raw.exec("INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)");
  }
  auto store = SqliteStore::open(options(), *logger_);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("9999"), std::string::npos) << store.status().message();
}

TEST_F(SqliteStoreTest, MissingDirectoryIsUnavailableAndNotCreated) {
  const std::string path = dir_.file("no/such/dir/pj.db");
  auto store = open_sqlite_store(SqliteOptions{.path = path}, *logger_);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(store.status().message().find(path), std::string::npos) << store.status().message();
  EXPECT_FALSE(std::filesystem::exists(dir_.file("no")));
}

TEST_F(SqliteStoreTest, FileThatIsNotADatabaseIsUnavailable) {
  {
    std::FILE* f = std::fopen(path_.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not an SQLite database, not even close; it is just text\n", f);
    std::fclose(f);
  }
  auto store = open_sqlite_store(options(), *logger_);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable) << store.status().to_string();
}

TEST_F(SqliteStoreTest, SecondStoreOnTheSameFileWritesWhileTheFirstIsOpen) {
  auto server = open();
  auto cli = open();  // as `promptjang account create` next to a running server
  ASSERT_TRUE(server && cli);
  ASSERT_TRUE(cli->create_account(account("acct_cli")));
  ASSERT_TRUE(server->create_account(account("acct_server")));
  EXPECT_TRUE(server->get_account("acct_cli"));
  EXPECT_TRUE(cli->get_account("acct_server"));

  // Both writing at once: each waits for the other's lock, none fails.
  auto write_many = [this](SqliteStore& s, const std::string& prefix) {
    for (int i = 0; i < 50; ++i) {
      Status st = s.create_account(account(prefix + std::to_string(i)));
      EXPECT_TRUE(st) << st.to_string();
    }
  };
  std::thread a([&] { write_many(*server, "acct_s"); });
  std::thread b([&] { write_many(*cli, "acct_c"); });
  a.join();
  b.join();
  EXPECT_EQ(*server->count_accounts(), 102);
  EXPECT_EQ(*cli->count_accounts(), 102);
}

TEST_F(SqliteStoreTest, PingAnswersAndEmptyPathIsRefused) {
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->ping());
  EXPECT_EQ(SqliteStore::open(SqliteOptions{}, *logger_).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace promptjang::testing
