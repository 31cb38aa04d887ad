// Helpers of the SQLite back end's own tests: a temp directory per test, a
// store opened in it, and a raw sqlite3 connection (a "second process") to
// look at the file behind the store's back.
// Threads: RawDb is one connection for one thread at a time.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "core/log.h"
#include "store/sqlite/sqlite_store.h"

namespace promptjang::testing {

// A fresh directory under the system temp dir, removed with its contents.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pj-store-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// An independent connection to the database file, as another process would have.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db_);
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  // Runs `sql`; false (and a test failure) on error.
  bool exec(const std::string& sql) {
    char* error = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) ADD_FAILURE() << sql << ": " << (error ? error : "?");
    sqlite3_free(error);
    return rc == SQLITE_OK;
  }
  // The first column of the first row of `sql` as text ("" when no row).
  std::string scalar(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return out;
    }
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(stmt, 0);
      if (text) out = reinterpret_cast<const char*>(text);
    } else if (rc != SQLITE_DONE) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
    }
    sqlite3_finalize(stmt);
    return out;
  }
  // The EXPLAIN QUERY PLAN of `sql`: one line per step ("SEARCH events USING ...").
  std::string query_plan(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string plan;
    const std::string explain = "EXPLAIN QUERY PLAN " + sql;
    if (sqlite3_prepare_v2(db_, explain.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << explain << ": " << sqlite3_errmsg(db_);
      return plan;
    }
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* detail = sqlite3_column_text(stmt, 3);
      if (detail) plan += reinterpret_cast<const char*>(detail) + std::string("\n");
    }
    sqlite3_finalize(stmt);
    return plan;
  }

 private:
  sqlite3* db_ = nullptr;
};

inline std::unique_ptr<SqliteStore> open_or_fail(const SqliteOptions& options, Logger& logger) {
  auto store = SqliteStore::open(options, logger);
  EXPECT_TRUE(store) << store.status().to_string();
  return store ? std::move(*store) : nullptr;
}

}  // namespace promptjang::testing
