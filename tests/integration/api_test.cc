// The management and read API over real HTTP: auth, endpoints, API keys, events,
// tenant isolation, routing errors (SPEC §2, §3, §7, §8).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/test_node.h"

namespace promptjang::testing {
namespace {

namespace json = boost::json;

json::value parse(const std::string& s) { return json::parse(s); }
std::string str(const json::value& v, const char* k) { return std::string(v.at(k).as_string()); }

void expect_error(const ClientResponse& r, long status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.body;
  auto v = parse(r.body);
  EXPECT_EQ(str(v.at("error"), "code"), code) << r.body;
  EXPECT_FALSE(str(v.at("error"), "message").empty());
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
}

class ApiTest : public ::testing::Test {
 protected:
  TestNode node;
  HttpClient http;
  ClientResponse get(const Tenant& t, const std::string& path) {
    return http.request("GET", node.url(path), {t.auth()});
  }
  ClientResponse send(const Tenant& t, const std::string& method, const std::string& path,
                      const std::string& body) {
    return http.request(method, node.url(path), {t.auth(), "Content-Type: application/json"}, body);
  }
  std::string ingest(const Tenant& t, const std::string& ep, const std::string& body) {
    auto r = send(t, "POST", "/api/v1/e/" + ep, body);
    EXPECT_EQ(r.status, 202) << r.body;
    return str(parse(r.body), "id");
  }
};

TEST_F(ApiTest, HealthNeedsNoKey) {
  EXPECT_EQ(http.request("GET", node.url("/healthz")).status, 200);
  EXPECT_EQ(http.request("GET", node.url("/readyz")).status, 200);
  node.faults().fail_writes = true;
  expect_error(http.request("GET", node.url("/readyz")), 503, "unavailable");
  EXPECT_EQ(http.request("GET", node.url("/healthz")).status, 200);
}

TEST_F(ApiTest, MissingMalformedUnknownKeysAre401) {
  Tenant t = node.make_tenant();
  std::string ep = node.make_endpoint(t);
  for (std::vector<std::string> headers :
       {std::vector<std::string>{},
        {"Authorization: Bearer"},
        {"Authorization: Bearer nope"},
        {"Authorization: Basic dXNlcjpwYXNz"},
        {"Authorization: Bearer pj_live_" + std::string(32, 'A')},
        {"Authorization: Bearer " + t.key + "x"}}) {
    expect_error(http.request("GET", node.url("/api/v1/endpoints"), headers), 401, "unauthorized");
    expect_error(http.request("POST", node.url("/api/v1/e/" + ep), headers, "{}"), 401,
                 "unauthorized");
  }
}

TEST_F(ApiTest, EndpointLifecycle) {
  Tenant t = node.make_tenant();
  auto created = send(t, "POST", "/api/v1/endpoints",
                      R"({"url":"https://example.com/hook","description":"orders"})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto ep = parse(created.body);
  std::string id = str(ep, "id");
  std::string secret = str(ep, "secret");
  EXPECT_EQ(id.rfind("ep_", 0), 0u);
  EXPECT_EQ(secret.rfind("whsec_", 0), 0u);
  EXPECT_EQ(str(ep, "description"), "orders");
  EXPECT_TRUE(ep.at("enabled").as_bool());

  auto got = get(t, "/api/v1/endpoints/" + id);
  ASSERT_EQ(got.status, 200);
  EXPECT_FALSE(parse(got.body).as_object().contains("secret"));
  EXPECT_EQ(got.body.find("whsec_"), std::string::npos);

  auto list = get(t, "/api/v1/endpoints");
  ASSERT_EQ(list.status, 200);
  auto data = parse(list.body).at("data").as_array();
  ASSERT_EQ(data.size(), 1u);
  EXPECT_TRUE(parse(list.body).at("next_cursor").is_null());
  EXPECT_EQ(list.body.find("whsec_"), std::string::npos);

  auto patched =
      send(t, "PATCH", "/api/v1/endpoints/" + id, R"({"description":"renamed","enabled":false})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(str(parse(patched.body), "description"), "renamed");
  EXPECT_FALSE(parse(patched.body).at("enabled").as_bool());
  EXPECT_EQ(str(parse(patched.body), "url"), "https://example.com/hook");

  auto s = get(t, "/api/v1/endpoints/" + id + "/secret");
  ASSERT_EQ(s.status, 200);
  EXPECT_EQ(str(parse(s.body), "secret"), secret);
  auto rotated = send(t, "POST", "/api/v1/endpoints/" + id + "/rotate-secret", "");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  std::string fresh = str(parse(rotated.body), "secret");
  EXPECT_NE(fresh, secret);
  EXPECT_EQ(str(parse(get(t, "/api/v1/endpoints/" + id + "/secret").body), "secret"), fresh);

  EXPECT_EQ(send(t, "DELETE", "/api/v1/endpoints/" + id, "").status, 204);
  expect_error(get(t, "/api/v1/endpoints/" + id), 404, "endpoint_not_found");
  expect_error(send(t, "DELETE", "/api/v1/endpoints/" + id, ""), 404, "endpoint_not_found");
}

TEST_F(ApiTest, EndpointInputIsValidated) {
  Tenant t = node.make_tenant();
  for (const char* body :
       {R"({})", R"({"url":""})", R"({"url":"ftp://example.com"})", R"({"url":"not a url"})",
        R"({"url":"https://"})", R"({"url":42})", R"({"url":"https://u:p@example.com/"})",
        R"({"url":"https://example.com","enabled":"yes"})"})
    expect_error(send(t, "POST", "/api/v1/endpoints", body), 400, "invalid_request");
  expect_error(send(t, "POST", "/api/v1/endpoints", "{\"url\":"), 400, "invalid_json");
  expect_error(send(t, "POST", "/api/v1/endpoints", "[1]"), 400, "invalid_json");
  std::string id = node.make_endpoint(t);
  expect_error(send(t, "PATCH", "/api/v1/endpoints/" + id, R"({"url":"gopher://x"})"), 400,
               "invalid_request");
  expect_error(get(t, "/api/v1/endpoints/ep_nope"), 404, "endpoint_not_found");
  expect_error(get(t, "/api/v1/endpoints?limit=0"), 400, "invalid_request");
}

TEST_F(ApiTest, ApiKeysShowTheirKeyOnceAndRevokeAtOnce) {
  Tenant t = node.make_tenant();
  auto created = send(t, "POST", "/api/v1/api-keys", R"({"name":"ci"})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto k = parse(created.body);
  std::string key = str(k, "key");
  EXPECT_EQ(key.rfind("pj_live_", 0), 0u);
  EXPECT_EQ(key.size(), 40u);
  EXPECT_EQ(str(k, "prefix"), key.substr(0, 12));
  EXPECT_EQ(str(k, "name"), "ci");
  EXPECT_FALSE(str(k, "created_at").empty());

  Tenant second{t.account_id, key};
  auto list = get(second, "/api/v1/api-keys");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find(key), std::string::npos) << "the full key is never listed";
  EXPECT_EQ(parse(list.body).at("data").as_array().size(), 2u);
  EXPECT_NE(list.body.find(key.substr(0, 12)), std::string::npos);

  std::string id = str(k, "id");
  EXPECT_EQ(send(t, "DELETE", "/api/v1/api-keys/" + id, "").status, 204);
  expect_error(get(second, "/api/v1/endpoints"), 401, "unauthorized");
  expect_error(send(t, "DELETE", "/api/v1/api-keys/" + id, ""), 404, "api_key_not_found");
  EXPECT_EQ(get(t, "/api/v1/endpoints").status, 200) << "other keys keep working";

  // A key that has been used (and so cached) is refused at once after revocation.
  auto own_id = [&] {
    auto listed = parse(get(t, "/api/v1/api-keys").body);
    for (const auto& v : listed.at("data").as_array())
      if (v.at("revoked_at").is_null()) return str(v, "id");
    return std::string();
  }();
  EXPECT_EQ(send(t, "DELETE", "/api/v1/api-keys/" + own_id, "").status, 204);
  expect_error(get(t, "/api/v1/endpoints"), 401, "unauthorized");
}

TEST_F(ApiTest, TenantsNeverSeeEachOther) {
  Tenant a = node.make_tenant(), b = node.make_tenant();
  std::string ep = node.make_endpoint(a);
  std::string evt = ingest(a, ep, R"({"event":"x"})");
  auto keys = parse(get(a, "/api/v1/api-keys").body).at("data").as_array();
  std::string key_id = str(keys.at(0), "id");

  expect_error(get(b, "/api/v1/endpoints/" + ep), 404, "endpoint_not_found");
  expect_error(get(b, "/api/v1/endpoints/" + ep + "/secret"), 404, "endpoint_not_found");
  expect_error(send(b, "PATCH", "/api/v1/endpoints/" + ep, R"({"enabled":false})"), 404,
               "endpoint_not_found");
  expect_error(send(b, "POST", "/api/v1/endpoints/" + ep + "/rotate-secret", ""), 404,
               "endpoint_not_found");
  expect_error(send(b, "DELETE", "/api/v1/endpoints/" + ep, ""), 404, "endpoint_not_found");
  expect_error(send(b, "POST", "/api/v1/e/" + ep, "{}"), 404, "endpoint_not_found");
  expect_error(get(b, "/api/v1/events/" + evt), 404, "event_not_found");
  expect_error(send(b, "DELETE", "/api/v1/api-keys/" + key_id, ""), 404, "api_key_not_found");
  EXPECT_TRUE(parse(get(b, "/api/v1/events").body).at("data").as_array().empty());
  EXPECT_TRUE(parse(get(b, "/api/v1/endpoints").body).at("data").as_array().empty());
  EXPECT_EQ(parse(get(b, "/api/v1/api-keys").body).at("data").as_array().size(), 1u);
  // And a's things are intact.
  EXPECT_EQ(get(a, "/api/v1/events/" + evt).status, 200);
  EXPECT_EQ(get(a, "/api/v1/endpoints/" + ep).status, 200);
}

TEST_F(ApiTest, EventReadBackVerbatim) {
  Tenant t = node.make_tenant();
  std::string ep = node.make_endpoint(t);
  const std::string payload =
      "{ \"event\" :\"order.created\",\n  \"data\": {\"z\":1, \"a\": 12345678901234567890123,"
      " \"text\": \"h\u00e9llo \u4e16\u754c \\u00e9\"}  }";
  std::string id = ingest(t, ep, payload);
  auto r = get(t, "/api/v1/events/" + id);
  ASSERT_EQ(r.status, 200);
  auto v = parse(r.body);
  EXPECT_EQ(str(v, "id"), id);
  EXPECT_EQ(str(v, "endpoint_id"), ep);
  EXPECT_EQ(str(v, "event"), "order.created");
  EXPECT_EQ(str(v, "status"), "QUEUED");
  EXPECT_TRUE(v.at("attempts").as_array().empty());
  EXPECT_FALSE(str(v, "created_at").empty());
  EXPECT_EQ(str(v, "created_at").back(), 'Z');
  EXPECT_NE(r.body.find(payload), std::string::npos) << "payload embedded byte for byte";

  std::string untyped = ingest(t, ep, R"([1,2,3])");
  EXPECT_TRUE(parse(get(t, "/api/v1/events/" + untyped).body).at("event").is_null());
  expect_error(get(t, "/api/v1/events/evt_missing"), 404, "event_not_found");
  expect_error(get(t, "/api/v1/events/evt_" + std::string(26, '0')), 404, "event_not_found");
}

TEST_F(ApiTest, EventListFiltersAndPaginates) {
  Tenant t = node.make_tenant();
  std::string ep1 = node.make_endpoint(t), ep2 = node.make_endpoint(t);
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i)
    ids.push_back(
        ingest(t, i % 2 ? ep2 : ep1, i % 3 ? R"({"event":"a.b"})" : R"({"event":"c.d"})"));
  // Pages of 3, newest first, no gaps or overlaps.
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    auto r = get(t, "/api/v1/events?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    auto v = parse(r.body);
    for (const auto& e : v.at("data").as_array()) seen.push_back(str(e, "id"));
    if (v.at("next_cursor").is_null()) break;
    cursor = str(v, "next_cursor");
  }
  std::vector<std::string> expected(ids.rbegin(), ids.rend());
  EXPECT_EQ(seen, expected);

  auto count = [&](const std::string& q) {
    auto r = get(t, "/api/v1/events?" + q);
    EXPECT_EQ(r.status, 200) << q << " " << r.body;
    return parse(r.body).at("data").as_array().size();
  };
  EXPECT_EQ(count("endpoint_id=" + ep1), 4u);
  EXPECT_EQ(count("endpoint_id=" + ep2), 3u);
  EXPECT_EQ(count("event=c.d"), 3u);
  EXPECT_EQ(count("status=QUEUED"), 7u);
  EXPECT_EQ(count("status=EXPIRED"), 0u);
  EXPECT_EQ(count("since=2000-01-01T00:00:00Z"), 7u);
  EXPECT_EQ(count("until=2000-01-01T00:00:00Z"), 0u);
  EXPECT_EQ(count("status=QUEUED&endpoint_id=" + ep1 + "&event=a.b"), 2u);

  for (const char* bad : {"status=LOST", "limit=0", "limit=1001", "limit=x", "since=yesterday",
                          "cursor=garbage", "status=%zz"})
    expect_error(get(t, std::string("/api/v1/events?") + bad), 400, "invalid_request");
}

TEST_F(ApiTest, UnknownRoutesAndMethods) {
  Tenant t = node.make_tenant();
  expect_error(get(t, "/api/v1/nothing"), 404, "not_found");
  auto r = send(t, "PUT", "/api/v1/endpoints", "{}");
  expect_error(r, 405, "method_not_allowed");
  EXPECT_NE(r.headers["allow"].find("POST"), std::string::npos);
}

}  // namespace
}  // namespace promptjang::testing
