// `promptjang migrate` and the schema version check at start-up (issue 9), on
// the real binary and a real SQLite file: --check reads without changing
// anything (exit 3 while migrations are pending, 0 after), migrate applies
// them once, and a database a newer binary migrated is refused by migrate and
// by serve alike (migrations only go forward).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/json.hpp>
#include <filesystem>

#include "support/process.h"
#include "support/temp_dir.h"

namespace promptjang::testing {
namespace {

namespace json = boost::json;

TEST(MigrateTest, CheckThenMigrateThenRefuseANewerSchema) {
  TempDir dir;
  const std::string db = dir.file("pj.db");
  const std::string url = "sqlite:" + db;

  auto r = run_command({promptjang_binary(), "migrate", "--check", "--json", "--database", url});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  auto status = json::parse(r.out).as_object();
  EXPECT_EQ(status.at("current").as_int64(), 0);
  const int64_t latest = status.at("latest").as_int64();
  EXPECT_GT(latest, 0);
  EXPECT_EQ(static_cast<int64_t>(status.at("pending").as_array().size()), latest);
  EXPECT_FALSE(std::filesystem::exists(db)) << "--check made the database";

  r = run_command({promptjang_binary(), "migrate", "--database", url});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("migrated from schema version 0 to " + std::to_string(latest)),
            std::string::npos)
      << r.out;

  r = run_command({promptjang_binary(), "migrate", "--check", "--database", url});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("up to date"), std::string::npos) << r.out;
  r = run_command({promptjang_binary(), "migrate", "--json", "--database", url});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(json::parse(r.out).at("applied").as_array().empty()) << r.out;

  // A newer binary's migration is recorded: this one refuses to touch it.
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  const std::string insert = "INSERT INTO schema_migrations (version, applied_at) VALUES (" +
                             std::to_string(latest + 1) + ", 0)";
  ASSERT_EQ(sqlite3_exec(h, insert.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(h);

  r = run_command({promptjang_binary(), "migrate", "--database", url});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("newer than this binary"), std::string::npos) << r.err;
  r = run_command({promptjang_binary(), "migrate", "--check", "--database", url});
  EXPECT_EQ(r.exit_code, 1);
  r = run_command({promptjang_binary(), "serve", "--listen", "127.0.0.1:0", "--database", url});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("newer than this binary"), std::string::npos) << r.err;
}

TEST(MigrateTest, AnUnreachablePostgreSqlIsAClearError) {
  auto r = run_command(
      {promptjang_binary(), "migrate", "--check", "--database", "postgres://u@127.0.0.1:1/x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(r.err.empty());
}

}  // namespace
}  // namespace promptjang::testing
