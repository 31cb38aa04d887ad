// Invariant 1: no event lost after a 202. 1,000 events acknowledged by
// concurrent clients, then kill -9 of the server, then a restart on the same
// SQLite file: every acknowledged id is there.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace promptjang::testing {
namespace {

namespace json = boost::json;

// The real binary on a SQLite file that outlives its restarts.
class DurabilityTest : public ::testing::Test {
 protected:
  // Starts (or restarts) the server; the first start also reads the bootstrap
  // API key and creates an endpoint.
  void start() {
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{promptjang_binary(), "serve", "--listen", "127.0.0.1:0",
                                 "--database", "sqlite:" + dir_.file("pj.db")},
        dir_.path().string());
    auto port = server_->wait_for_port(std::chrono::seconds(20));
    ASSERT_TRUE(port) << server_->err();
    base = "http://127.0.0.1:" + *port;
    if (!auth.empty()) return;
    auto key = server_->wait_for("API key:    ", std::chrono::seconds(1));
    ASSERT_TRUE(key);
    auth = "Authorization: Bearer " + *key;
    HttpClient http;
    auto ep =
        http.request("POST", base + "/api/v1/endpoints", {auth, "Content-Type: application/json"},
                     R"({"url":"https://example.com/hook"})");
    ASSERT_EQ(ep.status, 201) << ep.body;
    ep_id = std::string(json::parse(ep.body).at("id").as_string());
  }
  void kill9() { server_->kill_hard(); }

  std::string base, auth, ep_id;

 private:
  TempDir dir_;
  std::unique_ptr<ChildProcess> server_;
};

TEST_F(DurabilityTest, AcknowledgedEventsSurviveKill9) {
  ASSERT_NO_FATAL_FAILURE(start());
  HttpClient http;

  constexpr int kClients = 10, kEach = 100;
  std::mutex mu;
  std::set<std::string> acked;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back([&, c] {
      HttpClient client;
      for (int i = 0; i < kEach; ++i) {
        auto r = client.request("POST", base + "/api/v1/e/" + ep_id,
                                {auth, "Content-Type: application/json"},
                                R"({"event":"durable","c":)" + std::to_string(c) + R"(,"i":)" +
                                    std::to_string(i) + "}");
        if (r.status == 202) {
          std::lock_guard lock(mu);
          acked.insert(std::string(json::parse(r.body).at("id").as_string()));
        }
      }
    });
  // Kill while the last clients may still be sending: what was acknowledged must
  // be there, whatever was in flight.
  for (auto& t : clients) t.join();
  ASSERT_EQ(acked.size(), static_cast<size_t>(kClients * kEach));
  kill9();

  ASSERT_NO_FATAL_FAILURE(start());
  std::set<std::string> found;
  std::string cursor;
  do {
    auto r = http.request("GET",
                          base + "/api/v1/events?limit=1000&endpoint_id=" + ep_id +
                              (cursor.empty() ? "" : "&cursor=" + cursor),
                          {auth});
    ASSERT_EQ(r.status, 200) << r.body;
    auto v = json::parse(r.body);
    for (const auto& e : v.at("data").as_array()) found.insert(std::string(e.at("id").as_string()));
    cursor = v.at("next_cursor").is_null() ? "" : std::string(v.at("next_cursor").as_string());
  } while (!cursor.empty());
  size_t missing = 0;
  for (const auto& id : acked) missing += !found.count(id);
  EXPECT_EQ(missing, 0u) << "acknowledged events lost after kill -9";
}

TEST_F(DurabilityTest, KillDuringIngestLosesNothingAcknowledged) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::mutex mu;
  std::set<std::string> acked;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c)
    clients.emplace_back([&] {
      HttpClient client;
      for (int i = 0; i < 2000 && !stop; ++i) {
        auto r = client.request("POST", base + "/api/v1/e/" + ep_id, {auth}, R"({"event":"x"})");
        if (r.status != 202) continue;
        std::lock_guard lock(mu);
        acked.insert(std::string(json::parse(r.body).at("id").as_string()));
      }
    });
  while (true) {  // kill mid-stream, once a few hundred are in
    {
      std::lock_guard lock(mu);
      if (acked.size() >= 300) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill9();
  stop = true;
  for (auto& t : clients) t.join();

  ASSERT_NO_FATAL_FAILURE(start());
  HttpClient http;
  size_t missing = 0;
  for (const auto& id : acked)
    missing += http.request("GET", base + "/api/v1/events/" + id, {auth}).status != 200;
  EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged";
}

}  // namespace
}  // namespace promptjang::testing
