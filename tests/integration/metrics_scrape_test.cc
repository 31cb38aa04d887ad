// GET /metrics on the real binary (issue 9, item 1): scraped every ~50 ms
// while two clients ingest into an endpoint answering 200 and one answering
// 500 and the server delivers, every scrape is parsed by the strict parser of
// tests/support/prometheus_text.h and checked against the contract (each
// family there with its type and labels, the five event statuses, a scrape
// seeing itself in flight); counters and histogram counts never decrease
// between scrapes. Once every event settled, the final values add up: ingest
// by code, attempts by outcome, events by status, the latency and attempt
// histograms' counts, store commits, build information. Then --ops-listen
// (/metrics only there, /healthz and /readyz on both listeners) and the
// X-Request-Id every response carries.
//
// Threads: the test's main thread, two ingesting clients, and a Scraper thread;
// a Scraper's scrapes (its thread's and the main thread's once()) are
// serialized by its mutex, so "never decreases" compares them in order.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "support/http_client.h"
#include "support/process.h"
#include "support/prometheus_text.h"
#include "support/receiver.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace promptjang::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace json = boost::json;
namespace prom = prometheus;

constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

struct ExpectedFamily {
  const char* name;
  const char* type;
  std::set<std::string> labels;  // besides a histogram bucket's le
};

// The contract of GET /metrics.
const std::vector<ExpectedFamily> kFamilies = {
    {"promptjang_build_info", "gauge", {"version"}},
    {"process_start_time_seconds", "gauge", {}},
    {"process_resident_memory_bytes", "gauge", {}},
    {"process_open_fds", "gauge", {}},
    {"promptjang_http_requests_total", "counter", {"code"}},
    {"promptjang_http_request_duration_seconds", "histogram", {}},
    {"promptjang_http_requests_in_flight", "gauge", {}},
    {"promptjang_http_connections_open", "gauge", {}},
    {"promptjang_ingest_requests_total", "counter", {"code"}},
    {"promptjang_delivery_attempts_total", "counter", {"outcome"}},
    {"promptjang_delivery_latency_seconds", "histogram", {}},
    {"promptjang_attempt_duration_seconds", "histogram", {}},
    {"promptjang_delivery_in_flight", "gauge", {}},
    {"promptjang_events", "gauge", {"status"}},
    {"promptjang_store_commit_seconds", "histogram", {}},
    {"promptjang_store_commit_batch_size", "histogram", {}},
};
const std::set<std::string> kOutcomes = {"success", "http_error", "timeout",          "connection",
                                         "dns",     "tls",        "refused_by_policy"};
const std::vector<std::string> kStatuses = {"QUEUED", "RETRYING", "DELIVERED", "FAILED", "EXPIRED"};

bool http_code(const std::string& s) {
  return s.size() == 3 && s[0] >= '1' && s[0] <= '5' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' &&
         s[2] <= '9';
}

// What in a parsed scrape breaks the contract (empty: nothing).
std::vector<std::string> contract_problems(const prom::Exposition& e) {
  std::vector<std::string> out;
  for (const auto& want : kFamilies) {
    const prom::Family* f = e.family(want.name);
    if (f == nullptr) {
      out.push_back(std::string("no family ") + want.name);
      continue;
    }
    if (f->type != want.type)
      out.push_back(std::string(want.name) + " is a " + f->type + ", not a " + want.type);
    // Families without labels are one series, there from the start.
    if (want.labels.empty() && f->samples.empty())
      out.push_back(std::string(want.name) + " has no samples");
    for (const auto& s : f->samples) {
      std::set<std::string> names;
      for (const auto& [k, v] : s.labels)
        if (!(k == "le" && s.name == f->name + "_bucket")) names.insert(k);
      if (names != want.labels) out.push_back(prom::series_key(s) + ": not the contract's labels");
      for (const auto& [k, v] : s.labels) {
        if (k == "code" && !http_code(v))
          out.push_back(prom::series_key(s) + ": not a status code");
        if (k == "outcome" && !kOutcomes.contains(v))
          out.push_back(prom::series_key(s) + ": not one of the contract's outcomes");
        if (k == "status" && std::find(kStatuses.begin(), kStatuses.end(), v) == kStatuses.end())
          out.push_back(prom::series_key(s) + ": not one of the contract's statuses");
      }
    }
  }
  if (const prom::Family* b = e.family("promptjang_build_info")) {
    if (b->samples.size() != 1 || b->samples[0].value != 1)
      out.push_back("promptjang_build_info is not one sample of value 1");
  }
  for (const auto& status : kStatuses) {
    auto v = e.value("promptjang_events", {{"status", status}});
    if (!v || *v < 0) out.push_back("promptjang_events{status=\"" + status + "\"} missing or < 0");
  }
  auto in_flight = e.value("promptjang_http_requests_in_flight");
  if (!in_flight || *in_flight < 1)
    out.push_back("promptjang_http_requests_in_flight < 1 (a scrape sees itself)");
  for (const char* g : {"promptjang_http_connections_open", "promptjang_delivery_in_flight"}) {
    auto v = e.value(g);
    if (v && *v < 0) out.push_back(std::string(g) + " < 0");
  }
  return out;
}

// One GET /metrics checked end to end: the status, the content type, a strict
// parse and the contract. `problem` says what is wrong (empty: nothing).
struct Scrape {
  ClientResponse response;
  std::optional<prom::Exposition> exposition;
  std::string problem;
};

Scrape scrape(HttpClient& client, const std::string& url) {
  Scrape s;
  s.response = client.request("GET", url);
  if (s.response.status != 200) {
    s.problem = "GET " + url + ": " + std::to_string(s.response.status) + " " + s.response.error +
                " " + s.response.body.substr(0, 300);
    return s;
  }
  if (s.response.headers["content-type"] != kContentType)
    s.problem = "Content-Type: " + s.response.headers["content-type"] + "\n";
  prom::ParseResult p = prom::parse(s.response.body);
  if (!p.ok()) {
    s.problem += "not the text format: " + p.error.message();
    return s;
  }
  for (const auto& c : contract_problems(*p.exposition)) s.problem += c + "\n";
  s.exposition = std::move(p.exposition);
  return s;
}

std::string show(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

double value_or_zero(const prom::Exposition& e, const std::string& name,
                     const prom::LabelSet& labels = {}) {
  return e.value(name, labels).value_or(0);
}

// Scrapes `url` every 50 ms on a thread of its own (and on the caller's with
// once()); keeps the problems of every scrape, and checks that no counter,
// histogram bucket or count decreased or vanished since the previous scrape.
class Scraper {
 public:
  explicit Scraper(std::string url) : url_(std::move(url)) {
    thread_ = std::thread([this] {
      while (!done_) {
        once();
        std::this_thread::sleep_for(50ms);
      }
    });
  }
  ~Scraper() { stop(); }

  void stop() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
  }

  // A scrape now; its exposition when it parsed.
  std::optional<prom::Exposition> once() {
    std::lock_guard lock(mu_);
    Scrape s = scrape(client_, url_);
    ++scrapes_;
    std::string problem = s.problem;
    if (s.exposition) {
      auto now = prom::monotonic_series(*s.exposition);
      for (const auto& [key, before] : last_) {
        auto it = now.find(key);
        if (it == now.end())
          problem += key + " vanished (it was " + show(before) + ")\n";
        else if (it->second < before)
          problem += key + " decreased from " + show(before) + " to " + show(it->second) + "\n";
      }
      last_ = std::move(now);
    }
    if (!problem.empty() && problems_.size() < 10)
      problems_.push_back("scrape " + std::to_string(scrapes_) + ": " + problem);
    return std::move(s.exposition);
  }

  int scrapes() const {
    std::lock_guard lock(mu_);
    return scrapes_;
  }
  std::vector<std::string> problems() const {
    std::lock_guard lock(mu_);
    return problems_;
  }

 private:
  const std::string url_;
  mutable std::mutex mu_;
  HttpClient client_;
  int scrapes_ = 0;
  std::map<std::string, double> last_;  // monotonic series of the previous scrape
  std::vector<std::string> problems_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// What `promptjang --version` prints after "promptjang ".
std::string binary_version() {
  auto r = run_command({promptjang_binary(), "--version"});
  std::string v = r.out;
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
  const std::string prefix = "promptjang ";
  return v.starts_with(prefix) ? v.substr(prefix.size()) : "(unexpected: " + v + ")";
}

std::string create_endpoint(const ServerProcess& server, const std::string& url) {
  HttpClient c;
  auto r = c.request("POST", server.base() + "/api/v1/endpoints",
                     {server.auth(), "Content-Type: application/json"},
                     json::serialize(json::object{{"url", url}}));
  EXPECT_EQ(r.status, 201) << r.body;
  return r.status == 201 ? std::string(json::parse(r.body).at("id").as_string()) : "";
}

TEST(MetricsScrapeTest, ScrapesDuringARunParseAndTheFinalValuesAddUp) {
  const double test_began =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  Receiver rx;
  rx.script("/ok", Script(200));
  rx.script("/fail", Script(500));
  TempDir dir;
  ServerProcess server({"--database", "sqlite:" + dir.file("pj.db"), "--allow-private-targets",
                        "--no-retention", "--retry-schedule", "0.2,0.2"});
  ASSERT_TRUE(server.start()) << server.logs();
  const std::string ok_endpoint = create_endpoint(server, rx.url("/ok"));
  const std::string fail_endpoint = create_endpoint(server, rx.url("/fail"));
  ASSERT_FALSE(ok_endpoint.empty() || fail_endpoint.empty());

  Scraper scraper(server.base() + "/metrics");

  // Two clients, each 25 events for /ok and 5 for /fail, a little apart so
  // that scrapes fall among them.
  std::mutex mu;
  std::vector<std::string> ok_ids, fail_ids, refused;
  std::vector<std::thread> clients;
  for (int t = 0; t < 2; ++t) {
    clients.emplace_back([&, t] {
      HttpClient c;
      for (int i = 0; i < 30; ++i) {
        const bool fail = i % 6 == 5;
        auto r =
            c.request("POST", server.base() + "/api/v1/e/" + (fail ? fail_endpoint : ok_endpoint),
                      {server.auth(), "Content-Type: application/json"},
                      R"({"t":)" + std::to_string(t) + R"(,"i":)" + std::to_string(i) + "}");
        {
          std::lock_guard lock(mu);
          if (r.status == 202)
            (fail ? fail_ids : ok_ids)
                .push_back(std::string(json::parse(r.body).at("id").as_string()));
          else
            refused.push_back(std::to_string(r.status) + " " + r.body);
        }
        std::this_thread::sleep_for(10ms);
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_TRUE(refused.empty()) << refused.size() << " refused, the first: " << refused.front();
  EXPECT_EQ(ok_ids.size(), 50u);
  EXPECT_EQ(fail_ids.size(), 10u);
  const double accepted = static_cast<double>(ok_ids.size() + fail_ids.size());

  // One ingest without an API key: a 401.
  HttpClient c;
  auto anonymous = c.request("POST", server.base() + "/api/v1/e/" + ok_endpoint,
                             {"Content-Type: application/json"}, R"({"who":"nobody"})");
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;

  // Every event settles (over the API): /ok's delivered at the first attempt,
  // /fail's expired after the whole schedule (three attempts).
  const auto deadline = Clock::now() + 60s;
  auto settle = [&](const std::vector<std::string>& ids, const std::string& want,
                    int64_t attempts) {
    for (const auto& id : ids) {
      json::object ev;
      for (;;) {
        auto r = c.request("GET", server.base() + "/api/v1/events/" + id, {server.auth()});
        ASSERT_EQ(r.status, 200) << r.body;
        ev = json::parse(r.body).as_object();
        if (ev.at("status").as_string() == want) break;
        ASSERT_LT(Clock::now(), deadline)
            << id << " is " << ev.at("status") << ", not " << want << "\n"
            << server.logs();
        std::this_thread::sleep_for(50ms);
      }
      EXPECT_EQ(ev.at("attempt_count").as_int64(), attempts) << id;
    }
  };
  settle(ok_ids, "DELIVERED", 1);
  settle(fail_ids, "EXPIRED", 3);
  if (HasFatalFailure()) return;
  EXPECT_EQ(rx.deliveries("/ok").size(), ok_ids.size());
  EXPECT_EQ(rx.deliveries("/fail").size(), 3 * fail_ids.size());

  // The events by status may lag a few seconds: scrapes go on until they and
  // the attempts add up (or a deadline), the last one is checked.
  const double ok_n = static_cast<double>(ok_ids.size());
  const double fail_n = static_cast<double>(fail_ids.size());
  std::optional<prom::Exposition> last;
  const auto metrics_deadline = Clock::now() + 30s;
  for (;;) {
    last = scraper.once();
    if (!last) break;  // the scraper keeps the problem
    if (value_or_zero(*last, "promptjang_events", {{"status", "DELIVERED"}}) == ok_n &&
        value_or_zero(*last, "promptjang_events", {{"status", "EXPIRED"}}) == fail_n &&
        value_or_zero(*last, "promptjang_delivery_attempts_total", {{"outcome", "http_error"}}) ==
            3 * fail_n)
      break;
    if (Clock::now() > metrics_deadline) break;
    std::this_thread::sleep_for(200ms);
  }
  scraper.stop();
  last = scraper.once();  // after the scraper's thread: nothing else is in flight
  for (const auto& p : scraper.problems()) ADD_FAILURE() << p;
  EXPECT_GE(scraper.scrapes(), 10) << "too few scrapes during the run";
  ASSERT_TRUE(last) << "the last scrape failed";
  const prom::Exposition& e = *last;

  // Ingest by code: the accepted events and the one 401, nothing else.
  EXPECT_EQ(value_or_zero(e, "promptjang_ingest_requests_total", {{"code", "202"}}), accepted);
  EXPECT_EQ(value_or_zero(e, "promptjang_ingest_requests_total", {{"code", "401"}}), 1);
  double ingested = 0;
  if (const prom::Family* f = e.family("promptjang_ingest_requests_total"))
    for (const auto& s : f->samples) ingested += s.value;
  EXPECT_EQ(ingested, accepted + 1) << "an ingest counted under another code";

  // Attempts by outcome: one success per /ok event, three http_errors per /fail one.
  EXPECT_EQ(value_or_zero(e, "promptjang_delivery_attempts_total", {{"outcome", "success"}}), ok_n);
  EXPECT_EQ(value_or_zero(e, "promptjang_delivery_attempts_total", {{"outcome", "http_error"}}),
            3 * fail_n);
  for (const auto& outcome : kOutcomes) {
    if (outcome == "success" || outcome == "http_error") continue;
    EXPECT_EQ(value_or_zero(e, "promptjang_delivery_attempts_total", {{"outcome", outcome}}), 0)
        << outcome;
  }
  EXPECT_EQ(value_or_zero(e, "promptjang_delivery_in_flight"), 0);

  // Events by status.
  EXPECT_EQ(value_or_zero(e, "promptjang_events", {{"status", "DELIVERED"}}), ok_n);
  EXPECT_EQ(value_or_zero(e, "promptjang_events", {{"status", "EXPIRED"}}), fail_n);
  for (const char* s : {"QUEUED", "RETRYING", "FAILED"})
    EXPECT_EQ(value_or_zero(e, "promptjang_events", {{"status", s}}), 0) << s;

  // Latency: one per event (its first attempt's answer); attempt durations:
  // one per attempt.
  EXPECT_EQ(value_or_zero(e, "promptjang_delivery_latency_seconds_count"), ok_n + fail_n);
  EXPECT_GT(value_or_zero(e, "promptjang_delivery_latency_seconds_sum"), 0);
  EXPECT_EQ(value_or_zero(e, "promptjang_attempt_duration_seconds_count"), ok_n + 3 * fail_n);
  EXPECT_GT(value_or_zero(e, "promptjang_attempt_duration_seconds_sum"), 0);

  // Store commits: each event's insert was a write of some committed transaction.
  const double commits = value_or_zero(e, "promptjang_store_commit_seconds_count");
  EXPECT_GT(commits, 0);
  EXPECT_GT(value_or_zero(e, "promptjang_store_commit_seconds_sum"), 0);
  EXPECT_NEAR(value_or_zero(e, "promptjang_store_commit_batch_size_count"), commits, 1)
      << "a duration and a batch size per transaction";
  EXPECT_GE(value_or_zero(e, "promptjang_store_commit_batch_size_sum"), accepted);

  // HTTP: at least what this test sent (the last answer may be counted late).
  EXPECT_GE(value_or_zero(e, "promptjang_http_requests_total", {{"code", "202"}}), accepted);
  EXPECT_GE(value_or_zero(e, "promptjang_http_requests_total", {{"code", "201"}}), 2);
  EXPECT_GE(value_or_zero(e, "promptjang_http_requests_total", {{"code", "401"}}), 1);
  EXPECT_GE(value_or_zero(e, "promptjang_http_requests_total", {{"code", "200"}}), 1);
  EXPECT_GE(value_or_zero(e, "promptjang_http_request_duration_seconds_count"), accepted + 3);
  EXPECT_GE(value_or_zero(e, "promptjang_http_connections_open"), 1);

  // The process and the build.
  EXPECT_EQ(e.value("promptjang_build_info", {{"version", binary_version()}}), 1)
      << "build_info's version is not `promptjang --version`'s " << binary_version();
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const double start_time = value_or_zero(e, "process_start_time_seconds");
  EXPECT_GE(start_time, test_began - 5);
  EXPECT_LE(start_time, now + 5);
  EXPECT_GT(value_or_zero(e, "process_resident_memory_bytes"), 1 << 20);
  EXPECT_GE(value_or_zero(e, "process_open_fds"), 3);

  EXPECT_EQ(server.terminate(), 0) << server.logs();
}

TEST(MetricsScrapeTest, WithAnOpsListenerMetricsAreServedOnlyThere) {
  TempDir dir;
  ServerProcess server({"--database", "sqlite:" + dir.file("pj.db"), "--no-delivery",
                        "--ops-listen", "127.0.0.1:0"});
  ASSERT_TRUE(server.start()) << server.logs();
  const std::string main_base = server.base(), ops_base = server.ops_base();
  ASSERT_FALSE(ops_base.empty()) << server.logs();
  EXPECT_NE(main_base, ops_base);

  HttpClient c;
  Scrape ops = scrape(c, ops_base + "/metrics");
  EXPECT_TRUE(ops.problem.empty()) << ops.problem;

  auto not_here = c.request("GET", main_base + "/metrics");
  EXPECT_EQ(not_here.status, 404) << not_here.body;
  json::error_code ec;
  json::value body = json::parse(not_here.body, ec);
  ASSERT_FALSE(ec) << "not JSON: " << not_here.body;
  const json::object* error = body.is_object() && body.as_object().contains("error")
                                  ? body.at("error").if_object()
                                  : nullptr;
  ASSERT_NE(error, nullptr) << "no JSON error: " << not_here.body;
  EXPECT_TRUE(error->contains("code") && error->at("code").is_string()) << not_here.body;

  for (const auto& base : {main_base, ops_base}) {
    EXPECT_EQ(c.request("GET", base + "/healthz").status, 200) << base;
    EXPECT_EQ(c.request("GET", base + "/readyz").status, 200) << base;
  }
  // The ops listener serves nothing else; the main one the API.
  EXPECT_EQ(c.request("GET", ops_base + "/api/v1/endpoints", {server.auth()}).status, 404);
  EXPECT_EQ(c.request("GET", main_base + "/api/v1/endpoints", {server.auth()}).status, 200);

  // A second scrape counts the first one's 200 and the main listener's 404.
  Scrape again = scrape(c, ops_base + "/metrics");
  ASSERT_TRUE(again.exposition) << again.problem;
  EXPECT_GE(value_or_zero(*again.exposition, "promptjang_http_requests_total", {{"code", "404"}}),
            1);
  EXPECT_EQ(server.terminate(), 0) << server.logs();
}

TEST(MetricsScrapeTest, EveryResponseCarriesARequestIdAndAClientsIsEchoed) {
  TempDir dir;
  ServerProcess server({"--database", "sqlite:" + dir.file("pj.db"), "--no-delivery"});
  ASSERT_TRUE(server.start()) << server.logs();
  const std::string base = server.base();
  HttpClient c;

  // Answers of every kind: 200, 401, 404, the metrics, and an ingest's 202.
  const std::string endpoint = create_endpoint(server, "https://example.com/hook");
  std::vector<ClientResponse> answers = {
      c.request("GET", base + "/healthz"),
      c.request("GET", base + "/healthz"),
      c.request("GET", base + "/api/v1/endpoints"),
      c.request("GET", base + "/api/v1/no-such-route", {server.auth()}),
      c.request("GET", base + "/metrics"),
      c.request("POST", base + "/api/v1/e/" + endpoint,
                {server.auth(), "Content-Type: application/json"}, "{}"),
  };
  const long statuses[] = {200, 200, 401, 404, 200, 202};
  std::set<std::string> ids;
  for (size_t i = 0; i < answers.size(); ++i) {
    EXPECT_EQ(answers[i].status, statuses[i]) << i << ": " << answers[i].body;
    ASSERT_TRUE(answers[i].headers.contains("x-request-id"))
        << "answer " << i << " (" << answers[i].status << ") has no X-Request-Id";
    const std::string& id = answers[i].headers["x-request-id"];
    EXPECT_FALSE(id.empty()) << i;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), answers.size()) << "request ids repeat";

  // A client's id comes back as it was sent.
  auto echoed = c.request("GET", base + "/healthz", {"X-Request-Id: abc-123"});
  EXPECT_EQ(echoed.headers["x-request-id"], "abc-123");
  auto ingested =
      c.request("POST", base + "/api/v1/e/" + endpoint,
                {server.auth(), "Content-Type: application/json", "X-Request-Id: abc-123"}, "{}");
  EXPECT_EQ(ingested.status, 202) << ingested.body;
  EXPECT_EQ(ingested.headers["x-request-id"], "abc-123");
  EXPECT_EQ(server.terminate(), 0) << server.logs();
}

}  // namespace
}  // namespace promptjang::testing
