// The real binary's logs (issue 9): with --log-format json every line of its
// stderr is one JSON object, with logfmt every line is key=value pairs; each
// HTTP request has one line carrying the request id answered in X-Request-Id
// (the client's own when it sent one), and each delivery attempt one line
// naming its event, number and outcome. No API key or endpoint secret appears.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.h"
#include "support/receiver.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace promptjang::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using Fields = std::map<std::string, std::string>;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// One logfmt line: key=bare or key="quoted" (\" \\ \n \r \t \uXXXX escapes),
// separated by single spaces; nullopt when the line is not that.
std::optional<Fields> parse_logfmt(const std::string& line) {
  Fields f;
  size_t i = 0;
  while (i < line.size()) {
    size_t eq = line.find('=', i);
    if (eq == std::string::npos || eq == i) return std::nullopt;
    std::string key = line.substr(i, eq - i);
    for (char c : key)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return std::nullopt;
    i = eq + 1;
    std::string value;
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) return std::nullopt;  // unterminated
        char c = line[i++];
        if (c == '"') break;
        if (c != '\\') {
          value += c;
          continue;
        }
        if (i >= line.size()) return std::nullopt;
        char e = line[i++];
        if (e == 'u') {
          if (i + 4 > line.size()) return std::nullopt;
          value += static_cast<char>(std::stoi(line.substr(i, 4), nullptr, 16));
          i += 4;
        } else if (e == 'n' || e == 'r' || e == 't' || e == '"' || e == '\\') {
          value += e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
        } else {
          return std::nullopt;
        }
      }
    } else {
      size_t end = line.find(' ', i);
      if (end == std::string::npos) end = line.size();
      value = line.substr(i, end - i);
      if (value.empty() || value.find('"') != std::string::npos) return std::nullopt;
      i = end;
    }
    if (f.count(key)) return std::nullopt;  // a field given twice: forged?
    f[key] = value;
    if (i < line.size()) {
      if (line[i] != ' ') return std::nullopt;
      ++i;
    }
  }
  return f;
}

std::optional<Fields> parse_json_line(const std::string& line) {
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) return std::nullopt;
  Fields f;
  for (const auto& [key, value] : v.as_object()) {
    if (value.is_string())
      f[std::string(key)] = std::string(value.as_string());
    else
      f[std::string(key)] = json::serialize(value);
  }
  return f;
}

struct Scenario {
  std::string api_key, secret;
  std::string ok_endpoint, failing_endpoint;
  std::vector<std::string> ingested_ok;  // event ids
  std::string failing_event;
  // request id -> (method, path, status) of every request the test made
  std::map<std::string, std::tuple<std::string, std::string, int>> requests;
  std::map<std::string, std::string> event_of_request;  // ingest request id -> event id
};

// Runs the same traffic against a server in `format` and returns every line of
// its stderr, parsed (failing the test on a line that does not parse).
std::vector<Fields> run(const std::string& format, Scenario& s) {
  Receiver receiver;
  receiver.script("/ok", Script(200));
  receiver.script("/fail", Script(500, 0ms, "no"));
  TempDir dir;
  ServerProcess server({"--database", "sqlite:" + dir.file("pj.db"), "--allow-private-targets",
                        "--retry-schedule", "0.2", "--log-format", format, "--log-level", "info"});
  EXPECT_TRUE(server.start()) << server.logs();
  s.api_key = server.auth().substr(std::string("Authorization: Bearer ").size());
  HttpClient c;
  auto call = [&](const std::string& method, const std::string& path,
                  std::vector<std::string> headers, const std::string& body) {
    auto r = c.request(method, server.base() + path, headers, body);
    EXPECT_TRUE(r.headers.count("x-request-id")) << method << " " << path;
    s.requests[r.headers["x-request-id"]] = {method, path, r.status};
    return r;
  };
  const std::vector<std::string> json_auth = {server.auth(), "Content-Type: application/json"};
  auto ok =
      call("POST", "/api/v1/endpoints", json_auth, R"({"url":")" + receiver.url("/ok") + R"("})");
  EXPECT_EQ(ok.status, 201) << ok.body;
  auto okj = json::parse(ok.body).as_object();
  s.ok_endpoint = std::string(okj.at("id").as_string());
  s.secret = std::string(okj.at("secret").as_string());
  auto failing =
      call("POST", "/api/v1/endpoints", json_auth, R"({"url":")" + receiver.url("/fail") + R"("})");
  s.failing_endpoint = std::string(json::parse(failing.body).at("id").as_string());

  for (int i = 0; i < 3; ++i) {
    std::vector<std::string> h = json_auth;
    if (i == 0) h.push_back("X-Request-Id: client-chose-this.1");
    auto r = call("POST", "/api/v1/e/" + s.ok_endpoint, h,
                  R"({"event":"order.paid","n":)" + std::to_string(i) + "}");
    EXPECT_EQ(r.status, 202) << r.body;
    std::string id(json::parse(r.body).at("id").as_string());
    s.ingested_ok.push_back(id);
    s.event_of_request[r.headers["x-request-id"]] = id;
    if (i == 0) {
      EXPECT_EQ(r.headers["x-request-id"], "client-chose-this.1");
    }
  }
  auto f = call("POST", "/api/v1/e/" + s.failing_endpoint, json_auth, R"({"event":"x"})");
  s.failing_event = std::string(json::parse(f.body).at("id").as_string());
  s.event_of_request[f.headers["x-request-id"]] = s.failing_event;
  // Refused ones get their line too; a request id with a space is not taken.
  auto anonymous = call("POST", "/api/v1/e/" + s.ok_endpoint,
                        {"Content-Type: application/json", "X-Request-Id: has space"}, "{}");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_NE(anonymous.headers["x-request-id"], "has space");
  call("GET", "/api/v1/events?limit=2", {server.auth()}, "");

  EXPECT_TRUE(receiver.wait_for("/ok", 3, 10s));
  EXPECT_TRUE(receiver.wait_for("/fail", 2, 10s));
  std::this_thread::sleep_for(300ms);  // the last attempt's line
  EXPECT_EQ(server.terminate(), 0);

  std::vector<Fields> out;
  for (const std::string& line : lines_of(server.logs())) {
    if (line.starts_with("--- ")) continue;  // ServerProcess's marker between lives
    auto parsed = format == "json" ? parse_json_line(line) : parse_logfmt(line);
    if (!parsed) {
      ADD_FAILURE() << "a " << format << " log line that does not parse: " << line;
      continue;
    }
    EXPECT_TRUE(parsed->count("ts") && parsed->count("level") && parsed->count("msg")) << line;
    out.push_back(*parsed);
  }
  // Nothing secret, in any line.
  const std::string all = server.logs();
  EXPECT_EQ(all.find(s.api_key), std::string::npos);
  EXPECT_EQ(all.find(s.secret), std::string::npos);
  EXPECT_EQ(all.find("whsec_"), std::string::npos);
  return out;
}

void check(const std::vector<Fields>& lines, const Scenario& s) {
  std::map<std::string, Fields> by_request;
  std::map<std::string, std::vector<Fields>> attempts;  // by event id
  for (const Fields& f : lines) {
    if (f.at("msg") == "request") {
      ASSERT_TRUE(f.count("request_id")) << "a request line without its id";
      EXPECT_EQ(by_request.count(f.at("request_id")), 0u) << "two lines for one request";
      by_request[f.at("request_id")] = f;
    } else if (f.at("msg") == "attempt") {
      attempts[f.at("event_id")].push_back(f);
    }
  }
  for (const auto& [id, expected] : s.requests) {
    auto it = by_request.find(id);
    ASSERT_NE(it, by_request.end()) << "no log line for request " << id;
    const auto& [method, path, status] = expected;
    EXPECT_EQ(it->second.at("method"), method);
    EXPECT_EQ(it->second.at("path"), path.substr(0, path.find('?')));  // no query string
    EXPECT_EQ(it->second.at("status"), std::to_string(status));
    EXPECT_TRUE(it->second.count("duration_ms"));
    EXPECT_EQ(it->second.at("remote"), "127.0.0.1");
    if (status != 401) {
      EXPECT_TRUE(it->second.count("account_id")) << id;
    }
  }
  for (const auto& [request_id, event_id] : s.event_of_request) {
    EXPECT_EQ(by_request.at(request_id).at("event_id"), event_id);
    // Each attempt names the request that ingested its event (kept with it).
    for (const Fields& attempt : attempts[event_id])
      EXPECT_EQ(attempt.at("request_id"), request_id) << event_id;
  }

  for (const std::string& id : s.ingested_ok) {
    ASSERT_EQ(attempts[id].size(), 1u) << id;
    const Fields& a = attempts[id][0];
    EXPECT_EQ(a.at("attempt"), "1");
    EXPECT_EQ(a.at("outcome"), "success");
    EXPECT_EQ(a.at("status_code"), "200");
    EXPECT_EQ(a.at("endpoint_id"), s.ok_endpoint);
    EXPECT_EQ(a.at("event_status"), "DELIVERED");
  }
  const auto& failed = attempts[s.failing_event];
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].at("outcome"), "http_error");
  EXPECT_EQ(failed[0].at("status_code"), "500");
  EXPECT_EQ(failed[0].at("event_status"), "RETRYING");
  EXPECT_TRUE(failed[0].count("next_attempt_in_s"));
  EXPECT_EQ(failed[1].at("attempt"), "2");
  EXPECT_EQ(failed[1].at("event_status"), "EXPIRED");
}

TEST(LogsTest, JsonLinesCarryEveryRequestAndAttempt) {
  Scenario s;
  auto lines = run("json", s);
  check(lines, s);
}

TEST(LogsTest, LogfmtLinesCarryEveryRequestAndAttempt) {
  Scenario s;
  auto lines = run("logfmt", s);
  check(lines, s);
}

TEST(LogsTest, ABadFormatIsRefusedAtStartNamingTheSetting) {
  auto r = run_command({promptjang_binary(), "serve", "--log-format", "xml", "--database",
                        "sqlite:/nonexistent/never-made.db"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--log-format"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace promptjang::testing
