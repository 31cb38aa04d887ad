// Hostile clients (issue 8, item 5): the real `promptjang serve` binary on a
// loopback port, fed what an attacker or a broken client sends: oversized
// headers and bodies, slowloris, thousands of idle connections, the connection
// cap, deeply nested JSON, bytes that are not UTF-8, request smuggling, path
// traversal on the dashboard's assets, SQL metacharacters in every filter,
// absurd page sizes, unknown fields, and a flood of bad API keys. Each case
// checks the status and the JSON error body {"error": {"code", "message"}};
// after each test the server must still run and answer, must have logged no
// exception, and must hold exactly the events it acknowledged.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "support/http_client.h"
#include "support/process.h"
#include "support/raw_client.h"
#include "support/temp_dir.h"

namespace promptjang::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// What the server answers with, however it was read.
struct Answer {
  long status = 0;
  std::string content_type;
  std::string body;
};
Answer of(const ClientResponse& r) {
  auto it = r.headers.find("content-type");
  return {r.status, it == r.headers.end() ? "" : it->second, r.body};
}
Answer of(const RawReply& r) { return {r.status, r.header("content-type"), r.body}; }

// Bytes shown safely in a failure message.
std::string printable(std::string_view s, size_t max = 300) {
  std::string out;
  for (unsigned char c : s.substr(0, max)) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

// The API's error answer: `status`, Content-Type application/json, and a body
// a strict JSON parser (UTF-8 checked) reads as exactly {"error": {"code":
// string, "message": string}}, with `code` when one is given.
::testing::AssertionResult is_error(const Answer& a, long status, std::string_view code = {}) {
  if (a.status != status)
    return ::testing::AssertionFailure()
           << "status " << a.status << ", expected " << status << ": " << printable(a.body);
  if (a.content_type.rfind("application/json", 0) != 0)
    return ::testing::AssertionFailure() << "Content-Type '" << a.content_type << "'";
  json::error_code ec;
  json::value v = json::parse(a.body, ec);
  if (ec)
    return ::testing::AssertionFailure()
           << "not JSON (" << ec.message() << "): " << printable(a.body);
  const json::object* root = v.if_object();
  const json::value* error = root && root->size() == 1 ? root->if_contains("error") : nullptr;
  const json::object* e = error ? error->if_object() : nullptr;
  if (!e || !e->contains("code") || !e->at("code").is_string() || !e->contains("message") ||
      !e->at("message").is_string())
    return ::testing::AssertionFailure()
           << "not {\"error\": {\"code\", \"message\"}}: " << printable(a.body);
  if (!code.empty() && e->at("code").as_string() != code)
    return ::testing::AssertionFailure()
           << "code " << e->at("code").as_string() << ", expected " << code;
  return ::testing::AssertionSuccess();
}

// Every byte but the unreserved ones as %XX.
std::string pct(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// A list answer embeds each payload verbatim, one level under "data": an event
// nested as deep as ingest allows (32) is deeper than Boost.JSON's default.
json::value parse_list(const std::string& body) {
  json::parse_options options;
  options.max_depth = 64;
  return json::parse(body, {}, options);
}

std::string ids_of(const std::string& list_body, std::set<std::string>* into) {
  json::value v = parse_list(list_body);
  std::string first;
  for (const auto& item : v.at("data").as_array()) {
    std::string id(item.at("id").as_string());
    if (first.empty()) first = id;
    if (into) into->insert(id);
  }
  return first;
}

size_t data_size(const std::string& list_body) {
  return parse_list(list_body).at("data").as_array().size();
}

// A well-formed API key that no one was given.
std::string random_key(std::mt19937_64& rng) {
  static constexpr char kBase62[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string key = "pj_live_";
  for (int i = 0; i < 32; ++i) key += kBase62[rng() % 62];
  return key;
}

// Sets RLIMIT_NOFILE's soft limit for the scope, restoring it afterwards.
class SoftFileLimit {
 public:
  SoftFileLimit() { ::getrlimit(RLIMIT_NOFILE, &saved_); }
  ~SoftFileLimit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  SoftFileLimit(const SoftFileLimit&) = delete;
  SoftFileLimit& operator=(const SoftFileLimit&) = delete;
  const rlimit& saved() const { return saved_; }
  bool set(rlim_t soft) {
    rlimit l{soft, saved_.rlim_max};
    return ::setrlimit(RLIMIT_NOFILE, &l) == 0;
  }

 private:
  rlimit saved_{};
};

// One `promptjang serve`, API only (--no-delivery), on a fresh SQLite file:
// its port and bootstrap key, one endpoint, and the events it acknowledged
// (three to begin with). Failures come back as text, for the fixture to assert
// and for the slowloris clients, which start outside any test, to report.
class Server {
 public:
  std::string start(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{promptjang_binary(), "serve",
                                  "--listen",          "127.0.0.1:0",
                                  "--database",        "sqlite:" + dir_.file("pj.db"),
                                  "--no-delivery",     "--no-retention"};
    args.insert(args.end(), extra.begin(), extra.end());
    process_ = std::make_unique<ChildProcess>(args, dir_.path().string());
    auto listening = process_->wait_for_port(30s);
    if (!listening) return "the server did not start: " + process_->out() + process_->err();
    port = static_cast<uint16_t>(std::stoi(*listening));
    auto bootstrap_key = process_->wait_for("API key:    ", 5s);
    if (!bootstrap_key) return "no bootstrap key: " + process_->out();
    key = *bootstrap_key;
    auth = "Authorization: Bearer " + key;
    auto created =
        http.request("POST", url("/api/v1/endpoints"), {auth, "Content-Type: application/json"},
                     R"({"url":"https://example.com/hook","description":"seed"})");
    if (created.status != 201) return "endpoint creation: " + created.body;
    ep = std::string(json::parse(created.body).at("id").as_string());
    for (const char* type : {"order.created", "order.paid", "user.deleted"}) {
      std::string error = ingest(std::string(R"({"event":")") + type + R"(","n":1})");
      if (!error.empty()) return error;
    }
    return "";
  }

  // Ingests `body` through the API; empty once it is acknowledged.
  std::string ingest(const std::string& body) {
    auto r = http.request("POST", url("/api/v1/e/" + ep), {auth, "Content-Type: application/json"},
                          body);
    if (r.status != 202) return "ingest answered " + std::to_string(r.status) + ": " + r.body;
    acked.insert(std::string(json::parse(r.body).at("id").as_string()));
    return "";
  }

  bool started() const { return process_ != nullptr; }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
  std::string log() const { return process_->out() + process_->err(); }

  // Not exited (a zombie counts as exited; the child is never reaped here).
  bool running() const {
    std::ifstream stat("/proc/" + std::to_string(process_->pid()) + "/stat");
    std::string pid, comm, state;
    stat >> pid >> comm >> state;
    return stat && state != "Z";
  }

  // The server's open descriptors.
  size_t fds() const {
    std::error_code ec;
    size_t n = 0;
    for (std::filesystem::directory_iterator
             it("/proc/" + std::to_string(process_->pid()) + "/fd", ec),
         end;
         !ec && it != end; it.increment(ec))
      ++n;
    return n;
  }

  HttpClient http;
  uint16_t port = 0;
  std::string key, auth, ep;
  std::set<std::string> acked;

 private:
  TempDir dir_;
  std::unique_ptr<ChildProcess> process_;
};

// Slowloris is cut off by the server's own timeouts (api/server.h: 10 s for a
// request's header, from the connection's opening; 30 s for its body), so its
// clients begin with the suite, against a server of their own, and the other
// tests run meanwhile; SlowlorisIsTimedOutWhileOthersAreServed, the last test,
// waits for what is left and checks the outcome (run alone, it waits it all).
// Three clients: one silent, one sending its header a byte every 200 ms, one
// sending its body so; and a prober asking the same server for the account
// every 250 ms, who must be answered at once throughout.
class Slowloris {
 public:
  static constexpr auto kGiveUp = 50s;

  struct Outcome {
    std::string error;                                     // the clients could not be set up
    int64_t silent_ms = -1, header_ms = -1, body_ms = -1;  // until each was closed
    int served = 0, failed = 0;
    Clock::duration slowest{};
    std::string body_answer;  // what the slow body's connection received
  };

  Slowloris() {
    outcome_.error = server_.start();
    if (!outcome_.error.empty()) return;
    t0_ = Clock::now();
    silent_ = std::make_unique<RawConnection>(server_.port);
    slow_header_ = std::make_unique<RawConnection>(server_.port);
    slow_body_ = std::make_unique<RawConnection>(server_.port);
    if (!silent_->connected() || !slow_header_->connected() || !slow_body_->connected() ||
        !slow_header_->send("GET /api/v1/account HTTP/1.1\r\nHost: t\r\nX-Slow: ") ||
        !slow_body_->send("POST /api/v1/e/" + server_.ep + " HTTP/1.1\r\nHost: t\r\n" +
                          server_.auth +
                          "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                          "{\"a\":\"")) {
      outcome_.error = "the slow clients could not connect";
      return;
    }
    const auto body_started = Clock::now();
    threads_.emplace_back([this] {
      while (!stop_ && Clock::now() - t0_ < kGiveUp) {
        if (silent_->wait_closed(200ms)) {
          outcome_.silent_ms = ms_since(t0_);
          break;
        }
      }
    });
    threads_.emplace_back([this] { drip(*slow_header_, t0_, outcome_.header_ms); });
    threads_.emplace_back([this, body_started] {
      drip(*slow_body_, body_started, outcome_.body_ms);
      outcome_.body_answer = slow_body_->unread();
    });
    threads_.emplace_back([this] { probe(); });
  }

  ~Slowloris() {
    stop_ = true;
    join();
  }

  // Waits until the server has dealt with all three (or kGiveUp passed).
  Outcome finish() {
    join();
    return outcome_;
  }

  Server& server() { return server_; }

 private:
  static int64_t ms_since(Clock::time_point from) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - from).count();
  }

  // A byte every 200 ms until the server hangs up.
  void drip(RawConnection& c, Clock::time_point from, int64_t& closed_ms) {
    while (!stop_ && Clock::now() - t0_ < kGiveUp) {
      if (!c.send("a") || c.wait_closed(200ms)) {
        closed_ms = ms_since(from);
        break;
      }
    }
    ++done_;
  }

  void probe() {
    HttpClient http;
    while (!stop_ && done_ < 2 && Clock::now() - t0_ < kGiveUp) {
      const auto t = Clock::now();
      auto r = http.request("GET", server_.url("/api/v1/account"), {server_.auth});
      outcome_.slowest = std::max(outcome_.slowest, Clock::now() - t);
      (r.status == 200 ? outcome_.served : outcome_.failed)++;
      std::this_thread::sleep_for(250ms);
    }
  }

  void join() {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

  Server server_;
  Clock::time_point t0_;
  std::unique_ptr<RawConnection> silent_, slow_header_, slow_body_;
  std::atomic<bool> stop_{false};
  std::atomic<int> done_{0};  // drips ended
  Outcome outcome_;           // each field written by one thread, read after join()
  std::vector<std::thread> threads_;
};

// One server per test (see Server); after each, the server must still run and
// answer, must have logged no exception or failure, and must hold exactly the
// events it acknowledged, and its endpoint.
class HostileClientsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { slowloris_ = new Slowloris(); }
  static void TearDownTestSuite() {
    delete slowloris_;
    slowloris_ = nullptr;
  }

  void start(const std::vector<std::string>& extra = {}) {
    const std::string error = s_.start(extra);
    ASSERT_EQ(error, "");
  }
  void ingest(const std::string& body) {
    const std::string error = s_.ingest(body);
    ASSERT_EQ(error, "");
  }

  void TearDown() override {
    if (!s_.started()) return;
    EXPECT_TRUE(s_.running()) << "the server is gone:\n" << s_.log();
    HttpClient http;
    EXPECT_EQ(http.request("GET", url("/healthz")).status, 200);
    auto list = http.request("GET", url("/api/v1/events?limit=1000"), {auth_});
    ASSERT_EQ(list.status, 200) << list.body;
    std::set<std::string> stored;
    ids_of(list.body, &stored);
    EXPECT_EQ(stored, acked_) << "events lost, or stored without a 202";
    EXPECT_EQ(http.request("GET", url("/api/v1/endpoints/" + ep_), {auth_}).status, 200);
    const std::string log = s_.log();
    for (const char* bad : {"exception", " failed", "escaped"})
      EXPECT_EQ(log.find(bad), std::string::npos) << "the server logged '" << bad << "':\n" << log;
  }

  std::string url(const std::string& path) const { return s_.url(path); }
  size_t server_fds() const { return s_.fds(); }

  // One raw request on a fresh connection and its answer (a default answer
  // with status 0 if none came).
  RawReply raw_once(const std::string& request, bool head_request = false) {
    RawConnection c(port_);
    EXPECT_TRUE(c.connected());
    c.send(request);
    return c.read_reply(5s, head_request).value_or(RawReply{});
  }

  // The answer to a request whose framing is wrong: one 400 bad_request, then
  // the server closes, and nothing after the header is answered as a request.
  void expect_refused_framing(const std::string& request, const std::string& what) {
    SCOPED_TRACE(what);
    RawConnection c(port_);
    ASSERT_TRUE(c.connected());
    c.send(request);
    auto reply = c.read_reply();
    ASSERT_TRUE(reply) << "no answer";
    EXPECT_TRUE(is_error(of(*reply), 400, "bad_request"));
    EXPECT_TRUE(c.wait_closed(5s)) << "the connection stayed open";
    EXPECT_EQ(c.unread().find("HTTP/1."), std::string::npos)
        << "a second answer: " << printable(c.unread());
  }

  static Slowloris* slowloris_;
  Server s_;
  // Shorthands for the test bodies.
  HttpClient& http_ = s_.http;
  const uint16_t& port_ = s_.port;
  const std::string& key_ = s_.key;
  const std::string& auth_ = s_.auth;
  const std::string& ep_ = s_.ep;
  std::set<std::string>& acked_ = s_.acked;
};

Slowloris* HostileClientsTest::slowloris_ = nullptr;

TEST_F(HostileClientsTest, OversizedHeadersAre431AndClose) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string big(20 * 1024, 'a');  // the limit is 16 KiB, request line and fields
  std::string many;
  for (int i = 0; i < 2000; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  const std::vector<std::pair<std::string, std::string>> cases{
      {"one big field", raw_request("GET", "/api/v1/account", {auth_, "X-Big: " + big})},
      {"2,000 small fields", "GET /api/v1/account HTTP/1.1\r\nHost: t\r\n" + many + "\r\n"},
      {"a 20 KiB target", raw_request("GET", "/api/v1/events?event=" + big, {auth_})},
      {"a big field on ingest",
       raw_request("POST", "/api/v1/e/" + ep_, {auth_, "X-Big: " + big}, std::string("{}"))},
  };
  for (const auto& [what, request] : cases) {
    SCOPED_TRACE(what);
    RawConnection c(port_);
    ASSERT_TRUE(c.connected());
    c.send(request);
    auto reply = c.read_reply();
    ASSERT_TRUE(reply);
    EXPECT_TRUE(is_error(of(*reply), 431, "header_too_large"));
    EXPECT_TRUE(c.wait_closed(5s));
  }
  // Under the limit is fine.
  auto r =
      raw_once(raw_request("GET", "/api/v1/account", {auth_, "X-Pad: " + big.substr(0, 12000)}));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(HostileClientsTest, OversizedBodiesAre413) {
  ASSERT_NO_FATAL_FAILURE(start());
  constexpr size_t kStarterLimit = 262144;
  const std::string target = "/api/v1/e/" + ep_;
  {
    // Refused on Content-Length alone: the body is never sent, yet the answer comes.
    RawConnection c(port_);
    c.send("POST " + target + " HTTP/1.1\r\nHost: t\r\n" + auth_ +
           "\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(kStarterLimit + 1) + "\r\n\r\n");
    auto reply = c.read_reply(3s);
    ASSERT_TRUE(reply) << "the server waited for a body it will refuse";
    EXPECT_TRUE(is_error(of(*reply), 413, "payload_too_large"));
    EXPECT_NE(reply->body.find("262144"), std::string::npos) << reply->body;
    EXPECT_TRUE(c.wait_closed(5s));
  }
  {
    // Sent anyway, one byte over.
    std::string body = R"({"pad":")" + std::string(kStarterLimit + 1 - 10, 'x') + "\"}";
    ASSERT_EQ(body.size(), kStarterLimit + 1);
    auto r = http_.request("POST", url(target), {auth_, "Content-Type: application/json"}, body);
    EXPECT_TRUE(is_error(of(r), 413, "payload_too_large"));
  }
  {
    // Chunked: no length up front, refused once the chunks pass the limit.
    RawConnection c(port_);
    c.send("POST " + target + " HTTP/1.1\r\nHost: t\r\n" + auth_ +
           "\r\nTransfer-Encoding: chunked\r\n\r\n");
    const std::string chunk = "10000\r\n" + std::string(0x10000, ' ') + "\r\n";
    for (int i = 0; i < 5 && c.send(chunk); ++i) {
    }
    auto reply = c.read_reply();
    ASSERT_TRUE(reply);
    EXPECT_TRUE(is_error(of(*reply), 413, "payload_too_large"));
    EXPECT_TRUE(c.wait_closed(5s));
  }
  // The management API takes 64 KiB, a sign-in 4 KiB.
  auto r = http_.request(
      "POST", url("/api/v1/endpoints"), {auth_, "Content-Type: application/json"},
      R"({"url":"https://example.com/x","description":")" + std::string(70 * 1024, 'd') + "\"}");
  EXPECT_TRUE(is_error(of(r), 413, "payload_too_large"));
  r = http_.request("POST", url("/api/v1/session"), {"Content-Type: application/json"},
                    R"({"email":"a@b.c","password":")" + std::string(5000, 'p') + "\"}");
  EXPECT_TRUE(is_error(of(r), 413, "payload_too_large"));
  // A body exactly at the plan's limit is stored.
  ingest(R"({"pad":")" + std::string(kStarterLimit - 10, 'x') + "\"}");
}

TEST_F(HostileClientsTest, TwoThousandIdleConnectionsDoNotLockOthersOut) {
  constexpr size_t kIdle = 2000;
  SoftFileLimit limit;
  const rlim_t hard = limit.saved().rlim_max;
  if (hard != RLIM_INFINITY && hard < kIdle + 1024)
    GTEST_SKIP() << "the hard open-file limit (" << hard << ") is too low for this test";
  // Started under the soft limit many systems give a process (1,024): the
  // server must make room for its connections itself.
  ASSERT_TRUE(limit.set(std::min<rlim_t>(limit.saved().rlim_cur, 1024)));
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_TRUE(limit.set(hard == RLIM_INFINITY ? 8192 : std::min<rlim_t>(hard, 8192)));
  EXPECT_NE(s_.log().find("open-file limit raised from 1024"), std::string::npos) << s_.log();

  const size_t before = server_fds();
  std::vector<RawConnection> idle;
  idle.reserve(kIdle);
  for (size_t i = 0; i < kIdle; ++i) {
    idle.emplace_back(port_);
    ASSERT_TRUE(idle.back().connected()) << "connection " << i;
    if (i % 2 == 1) idle.back().send("GET /api/v1/account HTTP/1.1\r\nHost: t\r\n");  // half
  }
  // The server has accepted them all (not merely the kernel's backlog)...
  const auto deadline = Clock::now() + 10s;
  while (server_fds() < before + kIdle && Clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  EXPECT_GE(server_fds(), before + kIdle) << "the server did not accept every connection";
  // ...and answers a newcomer at once.
  HttpClient http;
  auto t = Clock::now();
  auto r = http.request("GET", url("/api/v1/account"), {auth_});
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_LT(Clock::now() - t, 2s);
  t = Clock::now();
  ASSERT_NO_FATAL_FAILURE(ingest(R"({"event":"while.idle"})"));
  EXPECT_LT(Clock::now() - t, 2s);

  idle.clear();  // and lets them go once they leave
  const auto released = Clock::now() + 10s;
  while (server_fds() > before + 10 && Clock::now() < released) std::this_thread::sleep_for(50ms);
  EXPECT_LE(server_fds(), before + 10) << "descriptors of closed connections are kept";
}

TEST_F(HostileClientsTest, ConnectionsPastMaxConnectionsGet503) {
  ASSERT_NO_FATAL_FAILURE(start({"--max-connections", "50"}));
  const size_t before = server_fds();
  std::vector<RawConnection> idle;
  for (int i = 0; i < 50; ++i) {
    idle.emplace_back(port_);
    ASSERT_TRUE(idle.back().connected());
  }
  // (The fixture's own keep-alive connection may hold one of the 50 places.)
  const auto deadline = Clock::now() + 10s;
  while (server_fds() < before + 49 && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  ASSERT_GE(server_fds(), before + 49);
  {
    RawConnection extra(port_);
    ASSERT_TRUE(extra.connected());
    extra.send(raw_request("GET", "/api/v1/account", {auth_}));
    auto reply = extra.read_reply();
    ASSERT_TRUE(reply);
    EXPECT_TRUE(is_error(of(*reply), 503, "unavailable"));
    EXPECT_TRUE(extra.wait_closed(5s));
  }
  idle.clear();  // the places free up: served again
  long status = 0;
  const auto again = Clock::now() + 10s;
  while (status != 200 && Clock::now() < again) {
    status = HttpClient().request("GET", url("/api/v1/account"), {auth_}).status;
    if (status != 200) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(status, 200);
}

TEST_F(HostileClientsTest, DeeplyNestedJsonIs400) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto nested = [](size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  auto post = [&](const std::string& path, const std::string& body, const char* method = "POST") {
    return of(http_.request(method, url(path), {auth_, "Content-Type: application/json"}, body));
  };
  const std::string ingest_path = "/api/v1/e/" + ep_;
  EXPECT_TRUE(is_error(post(ingest_path, std::string(100000, '[')), 400, "invalid_json"));
  EXPECT_TRUE(is_error(post(ingest_path, nested(100000)), 400, "invalid_json"));
  std::string objects;
  for (int i = 0; i < 40000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(40000, '}');
  EXPECT_TRUE(is_error(post(ingest_path, objects), 400, "invalid_json"));
  EXPECT_TRUE(is_error(post("/api/v1/endpoints", std::string(60000, '[')), 400, "invalid_json"));
  EXPECT_TRUE(is_error(post("/api/v1/account", nested(30000), "PATCH"), 400, "invalid_json"));
  EXPECT_TRUE(is_error(post("/api/v1/events/" + *acked_.begin() + "/replay", nested(30000)), 400,
                       "invalid_json"));
  EXPECT_TRUE(is_error(of(http_.request("POST", url("/api/v1/session"),
                                        {"Content-Type: application/json"}, nested(2000))),
                       400, "invalid_json"));
  // The documented bound: 32 levels are a payload, 33 are not.
  ingest(R"({"event":"deep","d":)" + nested(31) + "}");
  EXPECT_TRUE(is_error(post(ingest_path, R"({"d":)" + nested(32) + "}"), 400, "invalid_json"));
}

TEST_F(HostileClientsTest, InvalidUtf8IsRefusedAndNeverEchoed) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::vector<std::string> bad{
      "\xff",              // never valid
      "\x80",              // a stray continuation byte
      "\xc0\xaf",          // overlong '/'
      "\xe2\x82",          // truncated
      "\xed\xa0\x80",      // a UTF-16 surrogate
      "\xf4\x90\x80\x80",  // past U+10FFFF
  };
  const std::string json_ct = "Content-Type: application/json";
  for (const auto& b : bad) {
    SCOPED_TRACE(printable(b));
    // In bodies: every JSON the API reads must be UTF-8.
    auto r = http_.request("POST", url("/api/v1/e/" + ep_), {auth_, json_ct},
                           R"({"event":"x","s":")" + b + "\"}");
    EXPECT_TRUE(is_error(of(r), 400, "invalid_json"));
    r = http_.request("POST", url("/api/v1/e/" + ep_), {auth_, json_ct},
                      "{\"event\":\"" + b + "\"}");
    EXPECT_TRUE(is_error(of(r), 400, "invalid_json"));
    r = http_.request("POST", url("/api/v1/endpoints"), {auth_, json_ct},
                      R"({"url":"https://example.com/h","description":")" + b + "\"}");
    EXPECT_TRUE(is_error(of(r), 400, "invalid_json"));
    r = http_.request("POST", url("/api/v1/api-keys"), {auth_, json_ct},
                      R"({"name":")" + b + "\"}");
    EXPECT_TRUE(is_error(of(r), 400, "invalid_json"));
    r = http_.request("POST", url("/api/v1/session"), {json_ct},
                      R"({"email":")" + b + R"(","password":"x"})");
    EXPECT_TRUE(is_error(of(r), 400, "invalid_json"));

    // In header fields.
    EXPECT_TRUE(is_error(
        of(raw_once(raw_request("GET", "/api/v1/account", {"Authorization: Bearer pj_live_" + b}))),
        401, "unauthorized"));
    EXPECT_TRUE(is_error(
        of(raw_once(raw_request("GET", "/api/v1/account", {"Authorization: " + b + " " + key_}))),
        401, "unauthorized"));
    EXPECT_TRUE(
        is_error(of(raw_once(raw_request("GET", "/api/v1/account", {"Cookie: pj_session=" + b}))),
                 401, "unauthorized"));
    EXPECT_TRUE(is_error(
        of(raw_once(raw_request("POST", "/api/v1/e/" + ep_,
                                {auth_, json_ct, "Idempotency-Key: k" + b}, std::string("{}")))),
        400, "invalid_request"));
    EXPECT_TRUE(is_error(
        of(raw_once(raw_request("POST", "/api/v1/e/" + ep_,
                                {auth_, "Content-Type: application/json" + b}, std::string("{}")))),
        415, "unsupported_media_type"));

    // In the path and the query, raw and percent-encoded: no answer quotes
    // them back as anything but valid UTF-8.
    for (const std::string& path : {"/nope/" + b, "/nope/" + pct(b), "/api/v1/" + b,
                                    "/api/v1/events/evt_" + pct(b), "/assets/" + b})
      EXPECT_TRUE(is_error(of(raw_once(raw_request("GET", path, {auth_}))), 404)) << path;
    EXPECT_TRUE(
        is_error(of(raw_once(raw_request("GET", "/api/v1/events?status=" + pct(b), {auth_}))), 400,
                 "invalid_request"));
    EXPECT_TRUE(is_error(of(raw_once(raw_request("GET", "/api/v1/usage?month=" + pct(b), {auth_}))),
                         400, "invalid_request"));
    for (const char* filter : {"event", "endpoint_id"}) {
      auto ok = raw_once(
          raw_request("GET", std::string("/api/v1/events?") + filter + "=" + pct(b), {auth_}));
      EXPECT_EQ(ok.status, 200) << ok.body;
      if (ok.status == 200) {
        EXPECT_EQ(data_size(ok.body), 0u);
      }
    }
    // A header the server does not read is only carried along.
    auto fine = raw_once(raw_request("POST", "/api/v1/e/" + ep_, {auth_, json_ct, "X-Note: " + b},
                                     std::string(R"({"event":"odd.header"})")));
    ASSERT_EQ(fine.status, 202) << fine.body;
    acked_.insert(std::string(json::parse(fine.body).at("id").as_string()));
  }
}

TEST_F(HostileClientsTest, RequestSmugglingIsRefusedAndClosed) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string head = "POST /api/v1/e/" + ep_ + " HTTP/1.1\r\nHost: t\r\n" + auth_ +
                           "\r\nContent-Type: application/json\r\n";
  // What a front proxy reading the framing differently would pass on as a
  // second request: if the server ever parsed it, it would answer it.
  const std::string smuggled = "GET /api/v1/account HTTP/1.1\r\nHost: t\r\n" + auth_ + "\r\n\r\n";
  const std::string chunked_body = "2\r\n{}\r\n0\r\n\r\n";

  // The client does see a second answer when there is one: two honest
  // pipelined requests get two.
  {
    RawConnection c(port_);
    c.send(raw_request("GET", "/healthz") + smuggled);
    auto first = c.read_reply(), second = c.read_reply();
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->status, 200);
    EXPECT_EQ(second->status, 200);
  }

  const std::vector<std::pair<std::string, std::string>> cases{
      {"CL.TE",
       head + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked_body + smuggled},
      {"TE.CL",
       head + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n" + chunked_body + smuggled},
      {"two different lengths", head + "Content-Length: 2\r\nContent-Length: " +
                                    std::to_string(2 + smuggled.size()) + "\r\n\r\n{}" + smuggled},
      {"two equal lengths", head + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}" + smuggled},
      {"a list of lengths", head + "Content-Length: 2, 2\r\n\r\n{}" + smuggled},
      {"TE gzip", head + "Transfer-Encoding: gzip\r\n\r\n" + smuggled},
      {"TE identity", head + "Transfer-Encoding: identity\r\n\r\n" + smuggled},
      {"TE chunked, identity", head + "Transfer-Encoding: chunked, identity\r\n\r\n" + smuggled},
      {"TE xchunked", head + "Transfer-Encoding: xchunked\r\n\r\n" + smuggled},
      {"TE identity + CL",
       head + "Transfer-Encoding: identity\r\nContent-Length: 2\r\n\r\n{}" + smuggled},
      {"CL + TE identity",
       head + "Content-Length: 2\r\nTransfer-Encoding: identity\r\n\r\n{}" + smuggled},
      {"two TE fields", head + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" +
                            chunked_body + smuggled},
      {"TE identity then chunked",
       head + "Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked_body +
           smuggled},
      {"TE on HTTP/1.0", "POST /api/v1/e/" + ep_ + " HTTP/1.0\r\nHost: t\r\n" + auth_ +
                             "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked_body + smuggled},
      {"space before the colon",
       head + "Transfer-Encoding : chunked\r\n\r\n" + chunked_body + smuggled},
      {"negative length", head + "Content-Length: -2\r\n\r\n{}" + smuggled},
      {"signed length", head + "Content-Length: +2\r\n\r\n{}" + smuggled},
      {"hex length", head + "Content-Length: 0x2\r\n\r\n{}" + smuggled},
      {"two numbers", head + "Content-Length: 2 2\r\n\r\n{}" + smuggled},
      {"a length past 2^64", head + "Content-Length: 99999999999999999999\r\n\r\n{}" + smuggled},
      {"a chunk size past 2^64",
       head + "Transfer-Encoding: chunked\r\n\r\n10000000000000000002\r\n{}\r\n0\r\n\r\n" +
           smuggled},
      {"a chunk size that is not hex",
       head + "Transfer-Encoding: chunked\r\n\r\n-2\r\n{}\r\n0\r\n\r\n" + smuggled},
      {"a bare LF", "POST /api/v1/e/" + ep_ + " HTTP/1.1\nHost: t\n" + auth_ +
                        "\nContent-Length: 2\n\n{}" + smuggled},
      {"a NUL in a field",
       head + std::string("X-A: a\0b\r\n", 10) + "Content-Length: 2\r\n\r\n{}" + smuggled},
  };
  for (const auto& [what, request] : cases) expect_refused_framing(request, what);
}

TEST_F(HostileClientsTest, PathTraversalOnAssetsFindsNothing) {
  ASSERT_NO_FATAL_FAILURE(start());
  // The real files are served...
  auto css = raw_once(raw_request("GET", "/assets/app.css"));
  ASSERT_EQ(css.status, 200);
  EXPECT_EQ(css.header("content-type").rfind("text/css", 0), 0u);
  // ...and nothing else, whatever the spelling.
  const std::vector<std::string> targets{
      "/assets/../../../../etc/passwd",
      "/assets/..%2f..%2f..%2f..%2fetc%2fpasswd",
      "/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
      "/assets/%252e%252e/%252e%252e/etc/passwd",
      "/assets/.%2e/.%2e/.%2e/etc/passwd",
      "/assets/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
      "/assets/..\\..\\..\\..\\etc\\passwd",
      "/assets/..%5c..%5c..%5c..%5cetc%5cpasswd",
      "/assets//etc/passwd",
      "/assets/%2fetc%2fpasswd",
      "/assets/....//....//....//etc/passwd",
      "/assets/js/../../../CMakeLists.txt",
      "/assets/js/../../../../src/api/server.cc",
      "/assets/./../CMakeLists.txt",
      "/assets/app.css%00.png",
      "/assets/app.css/..",
      "/assets/..",
      "/assets/",
      "/assets/index.html",  // the page is served at its own addresses only
      "/assets/APP.CSS",
      "/assets/app.css.bak",
      "/assets/proc/self/environ",
      "/assets/../../../../proc/self/environ",
  };
  for (const auto& target : targets) {
    SCOPED_TRACE(target);
    for (const char* accept : {"Accept: */*", "Accept: text/html"}) {
      auto r = raw_once(raw_request("GET", target, {accept}));
      EXPECT_TRUE(is_error(of(r), 404)) << accept;
    }
    EXPECT_EQ(raw_once(raw_request("HEAD", target, {}), true).status, 404);
  }
  // Outside /assets/ a browser gets the application's own page as its 404,
  // never a file: the dashboard has no file system to walk.
  for (const std::string target :
       {"/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/x/../../../etc/shadow"}) {
    SCOPED_TRACE(target);
    auto r = raw_once(raw_request("GET", target, {"Accept: text/html"}));
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body.find("root:"), std::string::npos);
    EXPECT_NE(r.body.find("<html"), std::string::npos) << printable(r.body);
  }
  // An absolute-form target is no way around it either.
  EXPECT_TRUE(is_error(
      of(raw_once(raw_request("GET", "http://127.0.0.1/assets/../../../../etc/passwd", {}))), 404));
}

TEST_F(HostileClientsTest, SqlMetacharactersInEveryFilterMatchNothing) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::vector<std::string> payloads{
      "' OR 1=1 --",
      "' OR '1'='1",
      "\" OR \"\"=\"",
      "'; DROP TABLE events; --",
      "1; DELETE FROM api_keys",
      "') OR ('a'='a",
      "' UNION SELECT id, key_hash FROM api_keys --",
      "%",
      "_",
      "%%",
      "*",
      "\\",
      "'",
      std::string("a\0b", 3),
  };
  auto get = [&](const std::string& path) { return http_.request("GET", url(path), {auth_}); };
  for (const auto& p : payloads) {
    SCOPED_TRACE(printable(p));
    const std::string v = pct(p);
    // Exact-match filters: a 200 with nothing in it.
    for (const char* filter : {"event", "event_type", "endpoint_id"}) {
      auto r = get(std::string("/api/v1/events?") + filter + "=" + v);
      ASSERT_EQ(r.status, 200) << filter << ": " << r.body;
      EXPECT_EQ(data_size(r.body), 0u) << filter;
    }
    // Typed filters: a 400.
    for (const std::string& path :
         {"/api/v1/events?status=" + v, "/api/v1/events?since=" + v, "/api/v1/events?until=" + v,
          "/api/v1/events?cursor=" + v, "/api/v1/events?limit=" + v,
          "/api/v1/events?status=QUEUED&endpoint_id=" + ep_ + "&since=" + v,
          "/api/v1/endpoints?cursor=" + v, "/api/v1/endpoints?limit=" + v,
          "/api/v1/stats/deliveries?since=" + v, "/api/v1/stats/deliveries?until=" + v,
          "/api/v1/usage?month=" + v})
      EXPECT_TRUE(is_error(of(get(path)), 400, "invalid_request")) << path;
    // Ids in paths: not found.
    EXPECT_TRUE(is_error(of(get("/api/v1/events/" + v)), 404)) << v;
    EXPECT_TRUE(is_error(of(get("/api/v1/endpoints/" + v)), 404)) << v;
    EXPECT_TRUE(is_error(of(http_.request("DELETE", url("/api/v1/api-keys/" + v), {auth_})), 404));
    EXPECT_TRUE(is_error(of(http_.request("DELETE", url("/api/v1/endpoints/" + v), {auth_})), 404));
    EXPECT_TRUE(
        is_error(of(http_.request("POST", url("/api/v1/events/" + v + "/replay"), {auth_})), 404));
    // In bodies: typed fields refuse them, free text keeps them byte for byte.
    json::object bad_status{{"status", p}};
    EXPECT_TRUE(is_error(
        of(http_.request("POST", url("/api/v1/endpoints/" + ep_ + "/replay"),
                         {auth_, "Content-Type: application/json"}, json::serialize(bad_status))),
        400, "invalid_request"));
    json::object bad_since{{"since", p}};
    EXPECT_TRUE(is_error(
        of(http_.request("POST", url("/api/v1/endpoints/" + ep_ + "/replay"),
                         {auth_, "Content-Type: application/json"}, json::serialize(bad_since))),
        400, "invalid_request"));
    json::object plan{{"plan", p}};
    EXPECT_TRUE(is_error(
        of(http_.request("PATCH", url("/api/v1/account"), {auth_, "Content-Type: application/json"},
                         json::serialize(plan))),
        400, "invalid_request"));
    json::object description{{"description", p}};
    auto patched =
        http_.request("PATCH", url("/api/v1/endpoints/" + ep_),
                      {auth_, "Content-Type: application/json"}, json::serialize(description));
    ASSERT_EQ(patched.status, 200) << patched.body;
    EXPECT_EQ(json::parse(get("/api/v1/endpoints/" + ep_).body).at("description").as_string(), p);
  }
  // An event whose type is SQL is found by exactly that type, and only it.
  json::object typed{{"event", "' OR 1=1 --"}};
  ASSERT_NO_FATAL_FAILURE(ingest(json::serialize(typed)));
  auto r = get("/api/v1/events?event=" + pct("' OR 1=1 --"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(data_size(r.body), 1u);
  // Nothing was dropped or widened: the account has its one key and endpoint.
  EXPECT_EQ(data_size(get("/api/v1/api-keys").body), 1u);
  EXPECT_EQ(data_size(get("/api/v1/endpoints").body), 1u);
  EXPECT_EQ(get("/api/v1/account").status, 200);
}

TEST_F(HostileClientsTest, PaginationLimitsOutsideOneToAThousandAre400) {
  ASSERT_NO_FATAL_FAILURE(start());
  for (const char* list : {"/api/v1/events", "/api/v1/endpoints"}) {
    SCOPED_TRACE(list);
    for (const std::string bad :
         {"-1", "0", "1001", "1000000", "99999999999999999999", "18446744073709551617",
          "2147483648", "abc", "1.5", "10abc", "%205", "5%20", "%2B5", "0x10", "1e3", "",
          "%EF%BC%95" /* a fullwidth 5 */}) {
      auto r = http_.request("GET", url(std::string(list) + "?limit=" + bad), {auth_});
      EXPECT_TRUE(is_error(of(r), 400, "invalid_request")) << "limit=" << bad;
      if (r.status == 400) {
        EXPECT_NE(r.body.find("1 to 1000"), std::string::npos) << r.body;
      }
    }
    for (const char* good : {"1", "50", "1000", "0001"}) {
      auto r = http_.request("GET", url(std::string(list) + "?limit=" + good), {auth_});
      EXPECT_EQ(r.status, 200) << "limit=" << good << ": " << r.body;
    }
  }
  // limit=1 walks the three events one page at a time, newest first.
  std::set<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 3; ++page) {
    auto r = http_.request(
        "GET", url("/api/v1/events?limit=1" + (cursor.empty() ? "" : "&cursor=" + cursor)),
        {auth_});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(data_size(r.body), 1u);
    ids_of(r.body, &seen);
    auto next = parse_list(r.body).at("next_cursor");
    cursor = next.is_string() ? std::string(next.as_string()) : "";
  }
  EXPECT_EQ(seen, acked_);
}

TEST_F(HostileClientsTest, UnknownFieldsAreIgnoredAndNeverSetWhatTheServerOwns) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string ct = "Content-Type: application/json";
  const std::string chosen_id = "ep_" + std::string(26, '0');
  auto created = http_.request(
      "POST", url("/api/v1/endpoints"), {auth_, ct},
      R"({"url":"https://example.com/u","id":")" + chosen_id +
          R"(","secret":"whsec_chosen","account_id":"acct_other","created_at":"2000-01-01T00:00:00.000Z",)"
          R"("deleted_at":"2000-01-01T00:00:00.000Z","surprise":{"nested":[1,2,3]}})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto ep = json::parse(created.body).as_object();
  const std::string id(ep.at("id").as_string());
  EXPECT_NE(id, chosen_id);
  EXPECT_NE(ep.at("secret").as_string(), "whsec_chosen");
  EXPECT_NE(ep.at("created_at").as_string(), "2000-01-01T00:00:00.000Z");
  EXPECT_FALSE(ep.contains("surprise"));
  EXPECT_EQ(http_.request("GET", url("/api/v1/endpoints/" + id), {auth_}).status, 200);

  const std::string secret(
      json::parse(http_.request("GET", url("/api/v1/endpoints/" + ep_ + "/secret"), {auth_}).body)
          .at("secret")
          .as_string());
  auto patched = http_.request(
      "PATCH", url("/api/v1/endpoints/" + ep_), {auth_, ct},
      R"({"description":"renamed","secret":"whsec_x","id":"ep_x","urll":"http://127.0.0.1/"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(json::parse(patched.body).at("id").as_string(), ep_);
  EXPECT_EQ(json::parse(patched.body).at("description").as_string(), "renamed");
  EXPECT_EQ(json::parse(patched.body).at("url").as_string(), "https://example.com/hook");
  EXPECT_EQ(
      json::parse(http_.request("GET", url("/api/v1/endpoints/" + ep_ + "/secret"), {auth_}).body)
          .at("secret")
          .as_string(),
      secret);

  auto account = json::parse(http_.request("GET", url("/api/v1/account"), {auth_}).body);
  auto plan = http_.request("PATCH", url("/api/v1/account"), {auth_, ct},
                            R"({"plan":"starter","id":"acct_x","name":"evil","created_at":"x"})");
  ASSERT_EQ(plan.status, 200) << plan.body;
  EXPECT_EQ(json::parse(plan.body), account);

  const std::string chosen_key = "pj_live_" + std::string(32, 'A');
  auto key = http_.request("POST", url("/api/v1/api-keys"), {auth_, ct},
                           R"({"name":"second","key":")" + chosen_key +
                               R"(","prefix":"pj_live_AAAA","revoked_at":"2000-01-01T00:00:00Z"})");
  ASSERT_EQ(key.status, 201) << key.body;
  EXPECT_NE(json::parse(key.body).at("key").as_string(), chosen_key);
  EXPECT_TRUE(json::parse(key.body).at("revoked_at").is_null());
  EXPECT_TRUE(is_error(
      of(http_.request("GET", url("/api/v1/account"), {"Authorization: Bearer " + chosen_key})),
      401, "unauthorized"));

  // Still answered as if the unknown field were not there.
  EXPECT_TRUE(
      is_error(of(http_.request("POST", url("/api/v1/events/" + *acked_.begin() + "/replay"),
                                {auth_, ct}, R"({"force":false,"everything":true})")),
               409, "not_replayable"));
  EXPECT_TRUE(is_error(of(http_.request("POST", url("/api/v1/session"), {ct},
                                        R"({"email":"nobody@example.com","password":"x",)"
                                        R"("admin":true,"user_id":"usr_x"})")),
                       401, "invalid_credentials"));
  // A known field of the wrong type is an error, not ignored.
  for (const std::string body : {R"({"url":5})", R"({"url":"https://e.com/x","enabled":"yes"})",
                                 R"({"url":"https://e.com/x","description":["d"]})"})
    EXPECT_TRUE(is_error(of(http_.request("POST", url("/api/v1/endpoints"), {auth_, ct}, body)),
                         400, "invalid_request"))
        << body;
  // In an event, every field is the customer's data, kept byte for byte.
  const std::string payload = R"({"event":"keep","id":"evt_x","status":"DELIVERED","x" : [1, 2]})";
  ASSERT_NO_FATAL_FAILURE(ingest(payload));
  for (const auto& e : acked_) {
    auto got = http_.request("GET", url("/api/v1/events/" + e), {auth_});
    if (got.body.find("\"keep\"") == std::string::npos) continue;
    EXPECT_NE(got.body.find(payload), std::string::npos) << got.body;
    EXPECT_EQ(json::parse(got.body).at("status").as_string(), "QUEUED");
  }
}

TEST_F(HostileClientsTest, AFloodOfBadApiKeysIsAll401AndTheRightKeyStillWorks) {
  ASSERT_NO_FATAL_FAILURE(start());
  // A revoked key is one kind of wrong key.
  auto made =
      http_.request("POST", url("/api/v1/api-keys"), {auth_, "Content-Type: application/json"},
                    R"({"name":"soon revoked"})");
  ASSERT_EQ(made.status, 201);
  const std::string revoked(json::parse(made.body).at("key").as_string());
  ASSERT_EQ(http_
                .request("DELETE",
                         url("/api/v1/api-keys/" +
                             std::string(json::parse(made.body).at("id").as_string())),
                         {auth_})
                .status,
            204);

  // The right key with its last character changed.
  const std::string near_miss = key_.substr(0, key_.size() - 1) + (key_.back() == 'x' ? "y" : "x");
  constexpr int kThreads = 8, kEach = 625;  // 5,000 requests
  std::atomic<int> unauthorized{0}, wrong{0};
  std::atomic<bool> flooding{true};
  std::mutex mu;
  std::string first_wrong;
  std::vector<std::thread> threads;
  const auto t0 = Clock::now();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<uint64_t>(t) * 7919 + 1);
      HttpClient http;
      for (int i = 0; i < kEach; ++i) {
        std::vector<std::string> headers;
        switch (i % 8) {
          case 0:
            headers = {"Authorization: Bearer " + random_key(rng)};
            break;
          case 1:
            headers = {"Authorization: Bearer " + revoked};
            break;
          case 2:
            headers = {"Authorization: Bearer " + near_miss};
            break;
          case 3:
            headers = {"Authorization: Basic " + key_};
            break;
          case 4:
            headers = {"Authorization: Bearer " + std::string(8000, 'k')};
            break;
          case 5:
            headers = {"Authorization: Bearer pj_live_"};
            break;
          case 6:
            headers = {};
            break;  // none at all
          default:
            headers = {"Authorization: bearer " + random_key(rng) + "' OR 1=1 --"};
            break;
        }
        ClientResponse r;
        switch (i % 5) {
          case 0:
            r = http.request("GET", url("/api/v1/events"), headers);
            break;
          case 1:
            r = http.request("GET", url("/api/v1/account"), headers);
            break;
          case 2:
            headers.push_back("Content-Type: application/json");
            r = http.request("POST", url("/api/v1/e/" + ep_), headers, R"({"event":"x"})");
            break;
          case 3:
            r = http.request("DELETE", url("/api/v1/endpoints/" + ep_), headers);
            break;
          default:
            r = http.request("POST", url("/api/v1/api-keys"), headers, "{}");
            break;
        }
        if (is_error(of(r), 401, "unauthorized")) {
          ++unauthorized;
        } else {
          ++wrong;
          std::lock_guard lock(mu);
          if (first_wrong.empty())
            first_wrong = std::to_string(r.status) + " " + r.error + " " + printable(r.body);
        }
      }
    });
  }
  // The right key is served all along.
  HttpClient http;
  int served = 0, failed = 0;
  auto slowest = Clock::duration::zero();
  std::thread good([&] {
    while (flooding) {
      const auto t = Clock::now();
      auto r = http.request("GET", url("/api/v1/account"), {auth_});
      slowest = std::max(slowest, Clock::now() - t);
      (r.status == 200 ? served : failed)++;
      std::this_thread::sleep_for(10ms);
    }
  });
  for (auto& th : threads) th.join();
  const auto took = Clock::now() - t0;
  flooding = false;
  good.join();

  EXPECT_EQ(unauthorized.load(), kThreads * kEach) << "first other answer: " << first_wrong;
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(failed, 0);
  EXPECT_GT(served, 0);
  EXPECT_LT(slowest, 2s) << "the right key waited behind the flood";
  EXPECT_LT(took, 60s);
  std::cout << "[ flood    ] " << kThreads * kEach << " bad-key requests in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms; the right key served " << served << " times meanwhile, slowest "
            << std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count() << " ms\n";
  EXPECT_EQ(http.request("GET", url("/api/v1/account"), {auth_}).status, 200);
  EXPECT_TRUE(is_error(
      of(http.request("GET", url("/api/v1/account"), {"Authorization: Bearer " + revoked})), 401,
      "unauthorized"));
}

// Last, so that the slow clients (see Slowloris) had the other tests' time.
TEST_F(HostileClientsTest, SlowlorisIsTimedOutWhileOthersAreServed) {
  ASSERT_NE(slowloris_, nullptr);
  const Slowloris::Outcome o = slowloris_->finish();
  ASSERT_EQ(o.error, "");
  EXPECT_GE(o.silent_ms, 9'500) << "closed before the header timeout";
  EXPECT_LE(o.silent_ms, 16'000) << "a silent connection outlived the header timeout";
  EXPECT_GE(o.header_ms, 9'500);
  EXPECT_LE(o.header_ms, 16'000) << "a header sent a byte at a time was not cut off";
  EXPECT_GE(o.body_ms, 29'500);
  EXPECT_LE(o.body_ms, 36'000) << "a body sent a byte at a time was not cut off";
  // The server hangs up without an answer (none is owed to half a request).
  EXPECT_EQ(o.body_answer, "");
  EXPECT_GT(o.served, 30);
  EXPECT_EQ(o.failed, 0);
  EXPECT_LT(o.slowest, 2s) << "others waited while the slow clients were connected";
  // Their server is fine, and stored nothing of the half-sent event.
  Server& server = slowloris_->server();
  EXPECT_TRUE(server.running());
  auto list = server.http.request("GET", server.url("/api/v1/events?limit=1000"), {server.auth});
  ASSERT_EQ(list.status, 200);
  std::set<std::string> stored;
  ids_of(list.body, &stored);
  EXPECT_EQ(stored, server.acked);
  EXPECT_EQ(server.log().find("exception"), std::string::npos) << server.log();
}

}  // namespace
}  // namespace promptjang::testing
