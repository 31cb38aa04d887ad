// The SQLite back end's delivery statistics beyond the contract: the query
// plans of their statements (the count on the writer finds the event by its
// primary key and never scans; reads and deletes search an index), and the
// count living in record_attempt's transaction (a failed count keeps the
// attempt out).
#include <future>
#include <string>

#include "store/sqlite/stats_sql.h"
#include "store/sqlite_test_util.h"
#include "store/store_contract.h"

namespace promptjang::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class SqliteStatsTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteStore> open() {
    return open_or_fail(SqliteOptions{.path = path_}, *logger_);
  }

  ScratchDir dir_;
  std::string path_ = dir_.file("pj.db");
  std::shared_ptr<Logger> logger_ = make_null_logger();
};

TEST_F(SqliteStatsTest, StatementsSearchIndexesAndNeverScan) {
  auto store = open();
  ASSERT_TRUE(store);
  RawDb raw(path_);
  const std::string count = raw.query_plan(sqlite::count_attempt_sql());
  EXPECT_THAT(count, HasSubstr("SEARCH events USING INDEX sqlite_autoindex_events_1 (id=?)"));
  const std::string read = raw.query_plan(sqlite::select_stats_sql());
  EXPECT_THAT(read, HasSubstr("SEARCH delivery_stats USING PRIMARY KEY (account_id=? AND "
                              "bucket_start>? AND bucket_start<?)"));
  EXPECT_THAT(read, Not(HasSubstr("TEMP B-TREE"))) << "ordered by the key itself";
  const std::string del = raw.query_plan(std::string(sqlite::kDeleteStatsBefore));
  EXPECT_THAT(del, HasSubstr("USING COVERING INDEX delivery_stats_by_start (bucket_start<?)"));
  for (const std::string& plan : {count, read, del}) {
    EXPECT_THAT(plan, Not(HasSubstr("SCAN"))) << plan;
  }
}

TEST_F(SqliteStatsTest, AFailedCountKeepsTheAttemptOut) {
  auto store = open();
  ASSERT_TRUE(store);
  const TimePoint t = from_unix_micros(1'700'000'000'000'000);
  ASSERT_TRUE(store->create_account(Account{"acct_1", "acme", "starter", t}));
  Endpoint ep;
  ep.id = "ep_1";
  ep.account_id = "acct_1";
  ep.url = "https://example.com/";
  ep.secret = "whsec_x";
  ep.created_at = ep.updated_at = t;
  ASSERT_TRUE(store->create_endpoint(ep));
  auto run = [&](auto submit) {
    auto done = std::make_shared<std::promise<Status>>();
    auto result = done->get_future();
    submit([done](Status st) { done->set_value(std::move(st)); });
    return result.get();
  };
  Event e;
  e.id = "evt_1";
  e.account_id = "acct_1";
  e.endpoint_id = "ep_1";
  e.payload = "{}";
  e.created_at = t;
  ASSERT_TRUE(run([&](StoreCallback cb) { store->insert_event(e, std::move(cb)); }));

  {
    RawDb raw(path_);  // the count can no longer be written
    ASSERT_TRUE(raw.exec("DROP TABLE delivery_stats"));
  }
  AttemptRecord r;
  r.attempt.event_id = "evt_1";
  r.attempt.number = 1;
  r.attempt.started_at = t;
  r.attempt.status_code = 200;
  r.new_status = EventStatus::kDelivered;
  Status st = run([&](StoreCallback cb) { store->record_attempt(r, std::move(cb)); });
  EXPECT_FALSE(st);
  auto stored = store->get_event("acct_1", "evt_1");
  ASSERT_TRUE(stored) << stored.status().to_string();
  EXPECT_THAT(stored->attempts, IsEmpty());
  EXPECT_EQ(stored->status, EventStatus::kQueued);
}

}  // namespace
}  // namespace promptjang::testing
