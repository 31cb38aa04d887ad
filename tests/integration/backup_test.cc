// `promptjang backup` and `promptjang restore` on the real binary (issue 9):
// a backup taken while the server ingests holds every event acknowledged
// before it began, passes SQLite's integrity check and is one self-contained
// file; a server started on a database restored from it serves those events
// (same payloads, same API key) and ingests again. Bad uses fail clearly and
// never overwrite anything.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "support/http_client.h"
#include "support/process.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace promptjang::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(BackupTest, BackupWhileIngestingThenRestoreKeepsEveryEventAcknowledgedBefore) {
  TempDir dir;
  const std::string db = dir.file("live.db"), copy = dir.file("backup.db");
  ServerProcess server({"--database", "sqlite:" + db, "--no-delivery"});
  ASSERT_TRUE(server.start()) << server.logs();
  std::string endpoint;
  {
    HttpClient c;
    auto r = c.request("POST", server.base() + "/api/v1/endpoints",
                       {server.auth(), "Content-Type: application/json"},
                       R"({"url":"https://example.com/hook"})");
    ASSERT_EQ(r.status, 201) << r.body;
    endpoint = std::string(json::parse(r.body).at("id").as_string());
  }

  // Two clients ingest throughout; each acknowledgement is kept with its time.
  std::atomic<bool> done{false};
  std::mutex mu;
  std::vector<std::tuple<std::string, std::string, std::chrono::steady_clock::time_point>> acked;
  std::vector<std::thread> clients;
  for (int t = 0; t < 2; ++t) {
    clients.emplace_back([&, t] {
      HttpClient c;
      for (int i = 0; !done; ++i) {
        std::string payload = R"({"t":)" + std::to_string(t) + R"(,"i":)" + std::to_string(i) + "}";
        auto r = c.request("POST", server.base() + "/api/v1/e/" + endpoint,
                           {server.auth(), "Content-Type: application/json"}, payload);
        auto at = std::chrono::steady_clock::now();
        if (r.status == 202) {
          std::lock_guard lock(mu);
          acked.emplace_back(std::string(json::parse(r.body).at("id").as_string()), payload, at);
        }
      }
    });
  }
  std::this_thread::sleep_for(1s);
  const auto began = std::chrono::steady_clock::now();
  auto b = run_command(
      {promptjang_binary(), "backup", "--database", "sqlite:" + db, "--to", copy, "--json"});
  std::this_thread::sleep_for(300ms);  // ingest goes on after the backup
  done = true;
  for (auto& c : clients) c.join();
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto report = json::parse(b.out).as_object();
  EXPECT_EQ(report.at("path").as_string(), copy);
  EXPECT_GT(report.at("bytes").as_int64(), 0);
  // One self-contained file, nothing left beside it.
  EXPECT_FALSE(fs::exists(copy + "-wal"));
  EXPECT_FALSE(fs::exists(copy + ".partial"));
  EXPECT_EQ(slurp(copy).substr(0, 16), std::string("SQLite format 3\0", 16));
  const std::string auth = server.auth();
  EXPECT_EQ(server.terminate(), 0) << server.logs();

  std::map<std::string, std::string> before;  // acknowledged before the backup began
  for (const auto& [id, payload, at] : acked)
    if (at < began) before[id] = payload;
  ASSERT_GT(before.size(), 20u);
  ASSERT_GT(acked.size(), before.size()) << "nothing was ingested while the backup ran";

  const std::string restored = dir.file("restored.db");
  auto r = run_command(
      {promptjang_binary(), "restore", "--from", copy, "--database", "sqlite:" + restored});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("restored into " + restored), std::string::npos) << r.out;

  ServerProcess again({"--database", "sqlite:" + restored, "--no-delivery"});
  ASSERT_TRUE(again.start()) << again.logs();
  HttpClient c;
  for (const auto& [id, payload] : before) {
    auto e = c.request("GET", again.base() + "/api/v1/events/" + id, {auth});
    ASSERT_EQ(e.status, 200) << id << " acknowledged before the backup is not in it";
    EXPECT_EQ(json::serialize(json::parse(e.body).at("payload")),
              json::serialize(json::parse(payload)));
  }
  auto more = c.request("POST", again.base() + "/api/v1/e/" + endpoint,
                        {auth, "Content-Type: application/json"}, R"({"after":"restore"})");
  EXPECT_EQ(more.status, 202) << more.body;
  EXPECT_EQ(again.terminate(), 0) << again.logs();
}

TEST(BackupTest, BadUsesFailClearlyAndOverwriteNothing) {
  TempDir dir;
  const std::string db = dir.file("live.db");
  ServerProcess server({"--database", "sqlite:" + db, "--no-delivery"});
  ASSERT_TRUE(server.start()) << server.logs();
  EXPECT_EQ(server.terminate(), 0);

  // A backup onto an existing file: refused, the file untouched.
  const std::string existing = dir.file("existing");
  std::ofstream(existing) << "keep me";
  auto r =
      run_command({promptjang_binary(), "backup", "--database", "sqlite:" + db, "--to", existing});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("exists"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(existing), "keep me");

  // No database there.
  r = run_command({promptjang_binary(), "backup", "--database", "sqlite:" + dir.file("none.db"),
                   "--to", dir.file("b1")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no database"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir.file("b1")));

  // PostgreSQL: pointed at its own tools.
  r = run_command({promptjang_binary(), "backup", "--database", "postgres://u@127.0.0.1:1/x",
                   "--to", dir.file("b2")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("pg_dump"), std::string::npos) << r.err;

  // A restore onto an existing database (maybe a running server's): refused.
  const std::string copy = dir.file("copy.db");
  ASSERT_EQ(run_command({promptjang_binary(), "backup", "--database", "sqlite:" + db, "--to", copy})
                .exit_code,
            0);
  const std::string live = slurp(db);
  r = run_command({promptjang_binary(), "restore", "--from", copy, "--database", "sqlite:" + db});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("exists"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(db), live);

  // A restore from what is not a PromptJang database: refused, nothing made.
  r = run_command({promptjang_binary(), "restore", "--from", existing, "--database",
                   "sqlite:" + dir.file("new.db")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not a"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir.file("new.db")));
}

}  // namespace
}  // namespace promptjang::testing
