// POST /api/v1/e/{endpoint_id} over real HTTP: every answer of SPEC §4, the plan
// limits to the byte, a storage fault, and 50 concurrent clients.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <set>
#include <thread>

#include "support/test_node.h"

namespace promptjang::testing {
namespace {

namespace json = boost::json;

std::string code_of(const ClientResponse& r) {
  try {
    return std::string(json::parse(r.body).at("error").at("code").as_string());
  } catch (...) {
    return "<no error body: " + r.body + ">";
  }
}

// A valid JSON object of exactly `size` bytes.
std::string json_of_size(size_t size) {
  std::string head = R"({"event":"big","pad":")", tail = "\"}";
  return head + std::string(size - head.size() - tail.size(), 'x') + tail;
}

class IngestTest : public ::testing::Test {
 protected:
  TestNode node;
  HttpClient http;
  Tenant tenant = node.make_tenant();
  std::string ep = node.make_endpoint(tenant);

  ClientResponse post(const std::string& body, std::vector<std::string> headers = {},
                      const Tenant* t = nullptr, std::string endpoint = "") {
    headers.push_back((t ? *t : tenant).auth());
    return http.request("POST", node.url("/api/v1/e/" + (endpoint.empty() ? ep : endpoint)),
                        headers, body);
  }
};

TEST_F(IngestTest, AcceptsAndAnswers202) {
  auto r = post(R"({"event":"order.created","data":{"order_id":123}})",
                {"Content-Type: application/json"});
  ASSERT_EQ(r.status, 202) << r.body;
  auto v = json::parse(r.body);
  EXPECT_EQ(v.at("status").as_string(), "QUEUED");
  EXPECT_EQ(std::string(v.at("id").as_string()).rfind("evt_", 0), 0u);
  EXPECT_EQ(post("{}", {"Content-Type: application/json; charset=utf-8"}).status, 202);
  EXPECT_EQ(post("{}", {"Content-Type: Application/JSON"}).status, 202);
  EXPECT_EQ(post("{}").status, 202) << "no Content-Type is accepted";
  EXPECT_EQ(post("\"just a string\"").status, 202) << "any JSON value";
}

TEST_F(IngestTest, WrongMediaTypeIs415) {
  for (const char* ct :
       {"Content-Type: text/plain", "Content-Type: application/x-www-form-urlencoded",
        "Content-Type: application/jsonx", "Content-Type: multipart/form-data"}) {
    auto r = post("{}", {ct});
    EXPECT_EQ(r.status, 415) << ct;
    EXPECT_EQ(code_of(r), "unsupported_media_type");
  }
}

TEST_F(IngestTest, BadJsonIs400) {
  for (const std::string body : {"", "   ", "{", R"({"event": "x")", R"({"a":1,})", "hello",
                                 "{\"a\":\"\xff\xfe\"}", R"({"a":1} trailing)", "nul\0l"}) {
    auto r = post(body, {"Content-Type: application/json"});
    EXPECT_EQ(r.status, 400) << "body: " << body;
    EXPECT_EQ(code_of(r), "invalid_json") << body;
  }
}

TEST_F(IngestTest, UnknownEndpointsAre404) {
  EXPECT_EQ(code_of(post("{}", {}, nullptr, "ep_nope")), "endpoint_not_found");
  EXPECT_EQ(code_of(post("{}", {}, nullptr, "ep_" + std::string(26, '0'))), "endpoint_not_found");
  HttpClient c;
  auto del = c.request("DELETE", node.url("/api/v1/endpoints/" + ep), {tenant.auth()});
  ASSERT_EQ(del.status, 204);
  auto r = post("{}");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(code_of(r), "endpoint_not_found");
}

TEST_F(IngestTest, StarterLimitToTheByte) {
  auto at_limit = post(json_of_size(262'144), {"Content-Type: application/json"});
  EXPECT_EQ(at_limit.status, 202) << at_limit.body;
  auto over = post(json_of_size(262'145), {"Content-Type: application/json"});
  EXPECT_EQ(over.status, 413);
  EXPECT_EQ(code_of(over), "payload_too_large");
  EXPECT_NE(over.body.find("262144"), std::string::npos) << over.body;
  // The connection was closed after the 413; the next request still works.
  EXPECT_EQ(post("{}").status, 202);
}

TEST_F(IngestTest, ProLimitToTheByte) {
  Tenant pro = node.make_tenant("pro");
  std::string pro_ep = node.make_endpoint(pro);
  EXPECT_EQ(post(json_of_size(262'145), {}, &pro, pro_ep).status, 202);
  EXPECT_EQ(post(json_of_size(2'097'152), {}, &pro, pro_ep).status, 202);
  auto over = post(json_of_size(2'097'153), {}, &pro, pro_ep);
  EXPECT_EQ(over.status, 413);
  EXPECT_NE(over.body.find("2097152"), std::string::npos) << over.body;
}

TEST_F(IngestTest, StorageDownIs503AndNothingIsAcknowledged) {
  node.faults().fail_writes = true;
  auto r = post(R"({"event":"lost?"})");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(code_of(r), "unavailable");
  node.faults().fail_writes = false;
  auto list = http.request("GET", node.url("/api/v1/events"), {tenant.auth()});
  EXPECT_EQ(json::parse(list.body).at("data").as_array().size(), 0u);
  EXPECT_EQ(post(R"({"event":"back"})").status, 202);
}

TEST_F(IngestTest, FiftyConcurrentClients) {
  constexpr int kClients = 50, kEach = 20;
  std::atomic<int> errors{0};
  std::vector<std::vector<std::string>> ids(kClients);
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c)
    threads.emplace_back([&, c] {
      HttpClient client;
      for (int i = 0; i < kEach; ++i) {
        auto r = client.request("POST", node.url("/api/v1/e/" + ep),
                                {tenant.auth(), "Content-Type: application/json"},
                                R"({"event":"load","n":)" + std::to_string(i) + "}");
        if (r.status != 202) {
          ++errors;
          continue;
        }
        ids[c].push_back(std::string(json::parse(r.body).at("id").as_string()));
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  std::set<std::string> all;
  for (const auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kClients * kEach));
  // Every acknowledged event is readable.
  size_t listed = 0;
  std::string cursor;
  do {
    auto r = http.request(
        "GET", node.url("/api/v1/events?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor)),
        {tenant.auth()});
    auto v = json::parse(r.body);
    for (const auto& e : v.at("data").as_array())
      listed += all.count(std::string(e.at("id").as_string()));
    cursor = v.at("next_cursor").is_null() ? "" : std::string(v.at("next_cursor").as_string());
  } while (!cursor.empty());
  EXPECT_EQ(listed, all.size());
}

}  // namespace
}  // namespace promptjang::testing
