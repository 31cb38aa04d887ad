// The SQLite back end's usage, Idempotency-Key and retention beyond the
// contract: the query plans of their statements (no scan of the events table
// on the writer), the usage backfill of migration 0003, attempts going with
// their events, and ids made a moment after their created_at.
#include <future>
#include <string>

#include "core/ids.h"
#include "store/sqlite/claim_sql.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/usage_sql.h"
#include "store/sqlite_test_util.h"
#include "store/store_contract.h"

namespace promptjang::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class SqliteUsageTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteStore> open() {
    return open_or_fail(SqliteOptions{.path = path_}, *logger_);
  }
  // An account on `plan` with one endpoint, written behind the store's back.
  void add_tenant(RawDb& raw, const std::string& n, const std::string& plan) {
    raw.exec("INSERT INTO accounts VALUES ('acct_" + n + "', 'x', '" + plan +
             "', 0);"
             "INSERT INTO endpoints (id, account_id, url, description, enabled, secret,"
             " created_at, updated_at) VALUES ('ep_" +
             n + "', 'acct_" + n + "', 'https://example.com/', '', 1, 'whsec_x', 0, 0)");
  }

  ScratchDir dir_;
  std::string path_ = dir_.file("pj.db");
  std::shared_ptr<Logger> logger_ = make_null_logger();
};

TEST_F(SqliteUsageTest, StatementsSearchIndexesAndNeverScanEvents) {
  auto store = open();
  ASSERT_TRUE(store);
  RawDb raw(path_);
  const std::string idempotency =
      raw.query_plan("SELECT id" + std::string(sqlite::kIdempotentOriginalFrom));
  EXPECT_THAT(idempotency, HasSubstr("USING INDEX events_by_idempotency_key"));
  const std::string retention = raw.query_plan(std::string(sqlite::kDeleteEventsBefore));
  EXPECT_THAT(retention, HasSubstr("USING INDEX accounts_by_plan"));
  EXPECT_THAT(retention, HasSubstr("USING INDEX events_by_account (account_id=? AND id<?)"));
  const std::string usage = raw.query_plan(std::string(sqlite::kCountEventInUsage));
  for (const std::string& plan : {idempotency, retention, usage}) {
    EXPECT_THAT(plan, Not(HasSubstr("SCAN"))) << plan;
  }
}

TEST_F(SqliteUsageTest, ClaimFindsDueWorkPerEndpointAndNeverWalksEvents) {
  // A claim once walked the oldest due events of every endpoint and, with one
  // endpoint's backlog excluded, crossed all of it (0004 explains): its plan
  // must search events_due_by_endpoint per endpoint, whatever the backlog.
  auto store = open();
  ASSERT_TRUE(store);
  RawDb raw(path_);
  for (bool only : {false, true}) {
    const std::string plan = raw.query_plan(sqlite::claim_sql(only));
    // The endpoints are the outer loop: all of them, or those named.
    EXPECT_THAT(plan, HasSubstr(only ? "SEARCH p USING INDEX sqlite_autoindex_endpoints_1 (id=?)"
                                     : "SCAN p"))
        << plan;
    EXPECT_THAT(plan, HasSubstr("SEARCH x USING INDEX events_due_by_endpoint (endpoint_id=?"))
        << plan;
    EXPECT_THAT(plan, HasSubstr("SEARCH e USING INDEX sqlite_autoindex_events_1 (id=?)")) << plan;
    EXPECT_THAT(plan, Not(HasSubstr("SCAN e"))) << plan;
    EXPECT_THAT(plan, Not(HasSubstr("SCAN x"))) << plan;
  }
}

TEST_F(SqliteUsageTest, UpgradeCountsTheEventsAlreadyStoredInTheirMonths) {
  {
    // As a binary before usage counting left it: migrations 0001 and 0002.
    auto db = sqlite::Connection::open(path_, sqlite::OpenOptions{});
    ASSERT_TRUE(db) << db.status().to_string();
    ASSERT_TRUE(sqlite::run_migrations(**db, sqlite::embedded_migrations().first(2), *logger_));
  }
  {
    RawDb raw(path_);
    add_tenant(raw, "1", "starter");
    add_tenant(raw, "2", "pro");
    // 2026-01-31T23:59:59.999999Z, 2026-02-01T00:00:00Z (unix microseconds).
    ASSERT_TRUE(raw.exec(
        "INSERT INTO events (id, account_id, endpoint_id, status, payload, created_at) VALUES"
        " ('evt_1', 'acct_1', 'ep_1', 'DELIVERED', x'7b7d', 1769903999999999),"
        " ('evt_2', 'acct_1', 'ep_1', 'DELIVERED', x'7b7d', 1769904000000000),"
        " ('evt_3', 'acct_1', 'ep_1', 'QUEUED', x'7b7d', 1769904000000001),"
        " ('evt_4', 'acct_2', 'ep_2', 'QUEUED', x'7b7d', 1769904000000000)"));
  }
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->count_usage("acct_1", "2026-01"), 1);
  EXPECT_EQ(*store->count_usage("acct_1", "2026-02"), 2);
  EXPECT_EQ(*store->count_usage("acct_2", "2026-02"), 1);
  EXPECT_EQ(*store->count_usage("acct_2", "2026-01"), 0);
}

TEST_F(SqliteUsageTest, RetentionDeletesAttemptRowsAndKeepsUsageRows) {
  auto store = open();
  ASSERT_TRUE(store);
  {
    RawDb raw(path_);
    add_tenant(raw, "1", "starter");
    raw.exec(
        "INSERT INTO events (id, account_id, endpoint_id, status, payload, created_at) VALUES"
        " ('evt_0000000001aaaaaaaaaaaaaaaa', 'acct_1', 'ep_1', 'EXPIRED', x'7b7d', 1000);"
        "INSERT INTO attempts VALUES ('evt_0000000001aaaaaaaaaaaaaaaa', 1, 1, 1, 500, NULL,"
        " '{}', x'', 0), ('evt_0000000001aaaaaaaaaaaaaaaa', 2, 2, 1, 500, NULL, '{}', x'', 0);"
        "INSERT INTO usage VALUES ('acct_1', '1970-01', 1)");
  }
  auto deleted = store->delete_events_before("starter", from_unix_micros(2000), 10);
  ASSERT_TRUE(deleted) << deleted.status().to_string();
  EXPECT_EQ(*deleted, 1);
  RawDb raw(path_);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM events"), "0");
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM attempts"), "0");
  EXPECT_EQ(raw.scalar("SELECT events FROM usage WHERE account_id = 'acct_1'"), "1");
}

TEST_F(SqliteUsageTest, RetentionFindsEventsWhoseIdIsAMomentAfterTheirCreation) {
  auto store = open();
  ASSERT_TRUE(store);
  FakeClock clock;
  SeededRandom random(5);
  IdGenerator ids(clock, random);
  {
    RawDb raw(path_);
    add_tenant(raw, "1", "starter");
  }
  // The id is made 500 ms after created_at (a clock stepped back between the two).
  Event e;
  e.account_id = "acct_1";
  e.endpoint_id = "ep_1";
  e.created_at = clock.now();
  clock.advance(std::chrono::milliseconds(500));
  e.id = ids.next(id_prefix::kEvent);
  auto done = std::make_shared<std::promise<Status>>();
  auto inserted = done->get_future();
  store->insert_event(e, [done](Status st) { done->set_value(std::move(st)); });
  ASSERT_TRUE(inserted.get());
  auto deleted = store->delete_events_before("starter", e.created_at + Micros(1), 10);
  ASSERT_TRUE(deleted) << deleted.status().to_string();
  EXPECT_EQ(*deleted, 1);
}

}  // namespace
}  // namespace promptjang::testing
