// Storage faults over PostgreSQL (issue 8, item 2): the PostgreSQL server is
// stopped (a fast shutdown: every session ended) and started again while
// clients ingest and a real `promptjang serve` node delivers. While it is down,
// ingest answers 503 with a JSON error and never 202; the node stays up; when
// PostgreSQL is back the node uses it again by itself (no restart): ingest
// answers 202, every acknowledged event is there with its payload, and each is
// delivered.
//
// The test runs its own throwaway cluster (scripts/pg-test-cluster start, halt,
// resume, stop), not the shared one of the `pg` fixture that other tests use
// meanwhile.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "support/http_client.h"
#include "support/process.h"
#include "support/receiver.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace promptjang::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace json = boost::json;

// A cluster of this test's own, stopped and removed at the end.
class OwnCluster {
 public:
  OwnCluster() {
    auto r = run_command({PJ_PG_CLUSTER_SCRIPT, "start", dir_.file("cluster")});
    if (r.exit_code == 0) url_ = r.out.substr(0, r.out.find('\n'));
    error_ = r.err;
  }
  ~OwnCluster() { run_command({PJ_PG_CLUSTER_SCRIPT, "stop", dir_.file("cluster")}); }
  const std::string& url() const { return url_; }
  const std::string& error() const { return error_; }
  CommandResult halt() { return run_command({PJ_PG_CLUSTER_SCRIPT, "halt", dir_.file("cluster")}); }
  CommandResult resume() {
    return run_command({PJ_PG_CLUSTER_SCRIPT, "resume", dir_.file("cluster")});
  }

 private:
  TempDir dir_;
  std::string url_, error_;
};

struct Answer {
  long status;
  std::string id;
  std::string payload;
  Clock::time_point sent, answered;
};

TEST(PostgresRestartTest, IngestIs503WhileTheServerIsDownAndResumesByItself) {
  OwnCluster pg;
  ASSERT_FALSE(pg.url().empty()) << pg.error();
  Receiver rx;
  rx.script("/ok", Script(200, 20ms));
  ServerProcess server({"--database", pg.url(), "--allow-private-targets", "--no-retention",
                        "--retry-schedule", "0.2,0.2,0.2,0.2", "--delivery-timeout", "2",
                        "--connect-timeout", "1", "--lease", "2", "--poll-interval", "1"});
  ASSERT_TRUE(server.start()) << server.logs();
  std::string endpoint;
  {
    HttpClient c;
    auto r = c.request("POST", server.base() + "/api/v1/endpoints",
                       {server.auth(), "Content-Type: application/json"},
                       json::serialize(json::object{{"url", rx.url("/ok")}}));
    ASSERT_EQ(r.status, 201) << r.body;
    endpoint = std::string(json::parse(r.body).at("id").as_string());
  }

  // Clients ingest without pause; every answer is kept.
  std::atomic<bool> done{false};
  std::mutex mu;
  std::vector<Answer> answers;
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t) {
    clients.emplace_back([&, t] {
      HttpClient c;
      for (int i = 0; !done; ++i) {
        Answer a;
        a.payload = R"({"client":)" + std::to_string(t) + R"(,"n":)" + std::to_string(i) + "}";
        a.sent = Clock::now();
        auto r = c.request("POST", server.base() + "/api/v1/e/" + endpoint,
                           {server.auth(), "Content-Type: application/json"}, a.payload);
        a.answered = Clock::now();
        a.status = r.status;
        if (r.status == 202) {
          a.id = std::string(json::parse(r.body).at("id").as_string());
        } else {
          EXPECT_EQ(r.status, 503) << r.body << r.error;
          if (r.status == 503) {
            EXPECT_TRUE(json::parse(r.body).as_object().at("error").is_object()) << r.body;
            std::this_thread::sleep_for(20ms);  // as a client backing off would
          }
        }
        std::lock_guard lock(mu);
        answers.push_back(std::move(a));
      }
    });
  }

  std::this_thread::sleep_for(1500ms);
  auto r = pg.halt();
  const auto halted = Clock::now();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::this_thread::sleep_for(3s);
  const auto resuming = Clock::now();
  r = pg.resume();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto resumed = Clock::now();
  // Ingest comes back by itself: wait (bounded) for 202s sent after the start.
  auto deadline = resumed + 20s;
  auto accepted_after = [&] {
    std::lock_guard lock(mu);
    int n = 0;
    for (const auto& a : answers) n += a.status == 202 && a.sent > resumed;
    return n;
  };
  while (accepted_after() < 30 && Clock::now() < deadline) std::this_thread::sleep_for(50ms);
  done = true;
  for (auto& c : clients) c.join();
  ASSERT_GE(accepted_after(), 30) << "ingest did not resume after PostgreSQL came back\n"
                                  << server.logs();

  // While PostgreSQL was down (sent after the halt, answered before the start
  // began): 503s only, and some.
  int refused = 0, accepted = 0;
  auto first_after = Clock::time_point::max();
  for (const auto& a : answers) {
    if (a.status == 202 && a.sent > resumed) first_after = std::min(first_after, a.answered);
    if (a.sent > halted && a.answered < resuming) {
      EXPECT_NE(a.status, 202) << a.id << " acknowledged while PostgreSQL was down";
      refused += a.status == 503;
    }
    accepted += a.status == 202;
  }
  EXPECT_GT(refused, 0) << "no ingest was refused while PostgreSQL was down";

  // Every acknowledged event exists with its payload and is delivered.
  const auto checking = Clock::now();
  HttpClient c;
  deadline = Clock::now() + 90s;
  for (const auto& a : answers) {
    if (a.status != 202) continue;
    for (;;) {
      auto e = c.request("GET", server.base() + "/api/v1/events/" + a.id, {server.auth()});
      ASSERT_EQ(e.status, 200) << "acknowledged event " << a.id << " is gone: " << e.body;
      auto ev = json::parse(e.body).as_object();
      ASSERT_EQ(json::serialize(ev.at("payload")), json::serialize(json::parse(a.payload))) << a.id;
      if (ev.at("status").as_string() == "DELIVERED") break;
      ASSERT_LT(Clock::now(), deadline) << a.id << " is " << ev.at("status") << "\n"
                                        << server.logs();
      std::this_thread::sleep_for(50ms);
    }
  }
  std::cout
      << "[ pgrestart] " << accepted << " acknowledged, " << refused
      << " refused with 503 while PostgreSQL was down, back in "
      << std::chrono::duration_cast<std::chrono::milliseconds>(resumed - resuming).count()
      << " ms, ingest back "
      << std::chrono::duration_cast<std::chrono::milliseconds>(first_after - resumed).count()
      << " ms later, all delivered "
      << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - checking).count()
      << " ms after the clients stopped\n";
  EXPECT_EQ(server.terminate(), 0) << server.logs();
}

}  // namespace
}  // namespace promptjang::testing
