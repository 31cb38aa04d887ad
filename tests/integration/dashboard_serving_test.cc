// The dashboard as the real server serves it (docs/dashboard.md): the page at
// its addresses, every file it references embedded and answered with the right
// type (so a browser gets no 404), the security headers, the API left alone;
// and "Send test event" (POST /api/v1/endpoints/{id}/test) delivered for real.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <vector>

#include "delivery_support.h"
#include "support/receiver.h"
#include "support/test_node.h"

namespace promptjang::testing {
namespace {

using namespace std::chrono_literals;

std::string header(const ClientResponse& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

// What the text references: src="/assets/..." and href="/assets/..." values,
// and the quoted specifiers after `from` or `import` (with an optional "(").
// A plain scan: std::regex recurses per character matched and overflowed the
// stack under ASan on the minified bundle.
std::vector<std::string> raw_references(const std::string& text) {
  std::vector<std::string> out;
  for (const char* attr : {"src=\"/assets/", "href=\"/assets/"}) {
    for (size_t at = text.find(attr); at != std::string::npos; at = text.find(attr, at + 1)) {
      size_t start = text.find('"', at) + 1;
      size_t end = text.find('"', start);
      if (end == std::string::npos) break;
      out.push_back(text.substr(start, end - start));
    }
  }
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  for (const std::string word : {"from", "import"}) {
    for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
      size_t i = at + word.size();
      while (i < text.size() && space(text[i])) ++i;
      if (i < text.size() && text[i] == '(') ++i;
      while (i < text.size() && space(text[i])) ++i;
      if (i >= text.size() || (text[i] != '\'' && text[i] != '"')) continue;
      size_t end = text.find_first_of("'\"", i + 1);
      if (end == std::string::npos) break;
      out.push_back(text.substr(i + 1, end - i - 1));
    }
  }
  return out;
}

// The /assets/... URLs a file names: src="..."/href="..." in HTML, imports
// (static and dynamic) in JS, resolved against the file's own URL.
std::set<std::string> referenced_assets(const std::string& url, const std::string& text) {
  std::set<std::string> out;
  std::string dir = url.substr(0, url.rfind('/') + 1);
  for (std::string ref : raw_references(text)) {
    if (ref.rfind("./", 0) == 0) ref = dir + ref.substr(2);
    while (ref.rfind("../", 0) == 0 || ref.find("/../") != std::string::npos) {
      if (ref.rfind("../", 0) == 0) {
        std::string parent = dir.substr(0, dir.rfind('/', dir.size() - 2) + 1);
        ref = parent + ref.substr(3);
      } else {
        auto at = ref.find("/../");
        auto start = ref.rfind('/', at - 1);
        ref = ref.substr(0, start) + ref.substr(at + 3);
      }
    }
    if (ref.rfind("/assets/", 0) == 0) out.insert(ref);
  }
  return out;
}

class DashboardServingTest : public ::testing::Test {
 protected:
  TestNode node;
  HttpClient http;
  ClientResponse get(const std::string& path, std::vector<std::string> headers = {}) {
    return http.request("GET", node.url(path), std::move(headers));
  }
};

TEST_F(DashboardServingTest, PageAddressesAnswerTheApplication) {
  for (const char* path : {"/", "/login", "/endpoints", "/endpoints/ep_x", "/events",
                           "/events/evt_x", "/api-keys", "/usage"}) {
    auto r = get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(header(r, "content-type"), "text/html; charset=utf-8") << path;
    EXPECT_NE(r.body.find("/assets/js/main.js"), std::string::npos) << path;
    EXPECT_NE(header(r, "content-security-policy").find("default-src 'self'"), std::string::npos);
    EXPECT_EQ(header(r, "x-frame-options"), "DENY");
  }
}

TEST_F(DashboardServingTest, EveryReferencedFileIsEmbedded) {
  std::set<std::string> seen;
  std::vector<std::pair<std::string, std::string>> todo{{"/assets/index.html", get("/").body}};
  while (!todo.empty()) {
    auto [url, text] = todo.back();
    todo.pop_back();
    for (const auto& ref : referenced_assets(url, text)) {
      if (!seen.insert(ref).second) continue;
      auto r = get(ref);
      ASSERT_EQ(r.status, 200) << ref << " (named by " << url << ")";
      std::string type = header(r, "content-type");
      if (ref.ends_with(".js")) {
        EXPECT_EQ(type, "text/javascript; charset=utf-8") << ref;
        todo.emplace_back(ref, r.body);
      } else if (ref.ends_with(".css")) {
        EXPECT_EQ(type, "text/css; charset=utf-8") << ref;
      }
    }
  }
  EXPECT_TRUE(seen.count("/assets/js/main.js"));
  EXPECT_TRUE(seen.count("/assets/vendor/uPlot.esm.js")) << "the chart library";
  EXPECT_GE(seen.size(), 4u);
}

TEST_F(DashboardServingTest, RevalidationAnswers304) {
  auto first = get("/assets/js/main.js");
  ASSERT_EQ(first.status, 200);
  std::string etag = header(first, "etag");
  ASSERT_FALSE(etag.empty());
  auto again = get("/assets/js/main.js", {"If-None-Match: " + etag});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
}

TEST_F(DashboardServingTest, TheApiKeepsItsJsonErrors) {
  auto missing = get("/assets/nope.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(header(missing, "content-type"), "application/json");
  auto api = get("/api/v1/events");
  EXPECT_EQ(api.status, 401);
  auto browser = get("/nope", {"Accept: text/html"});
  EXPECT_EQ(browser.status, 404);
  EXPECT_EQ(header(browser, "content-type"), "text/html; charset=utf-8");
  auto client = get("/nope");
  EXPECT_EQ(client.status, 404);
  EXPECT_EQ(header(client, "content-type"), "application/json");
  auto post = http.request("POST", node.url("/events"), {}, "{}");
  EXPECT_EQ(post.status, 405) << post.body;
}

TEST(DashboardTestEventTest, SendsASignedTestEventThroughTheDeliveryPath) {
  Receiver receiver;
  TestNode node([](Config& c) {
    c.delivery = true;
    c.allow_private_targets = true;
    c.retry_schedule = "60";
  });
  Tenant t = node.make_tenant();
  ApiDriver api(node.url(""), t.auth());
  std::string ep = api.endpoint(receiver.url("/hook"));

  auto r = api.call("POST", "/api/v1/endpoints/" + ep + "/test");
  ASSERT_EQ(r.status, 202) << r.body;
  auto answer = json::parse(r.body);
  std::string id(answer.at("id").as_string());
  EXPECT_EQ(answer.at("status").as_string(), "QUEUED");
  auto e = api.wait_status(id, "DELIVERED");
  EXPECT_EQ(e.at("event").as_string(), "promptjang.test");
  EXPECT_EQ(e.at("endpoint_id").as_string(), ep);

  ASSERT_TRUE(receiver.wait_for("/hook", 1, 10s));
  auto d = receiver.deliveries("/hook").at(0);
  EXPECT_EQ(d.headers.at("x-promptjang-event"), "promptjang.test");
  EXPECT_EQ(d.headers.at("x-promptjang-event-id"), id);
  auto payload = json::parse(d.body);
  EXPECT_EQ(payload.at("event").as_string(), "promptjang.test");
  EXPECT_EQ(payload.at("data").at("endpoint_id").as_string(), ep);

  // Counted like any event.
  auto usage = api.get("/api/v1/usage");
  EXPECT_EQ(usage.at("events").as_int64(), 1);

  EXPECT_EQ(api.call("POST", "/api/v1/endpoints/ep_nope/test").status, 404);
  Tenant other = node.make_tenant();
  ApiDriver foreign(node.url(""), other.auth());
  EXPECT_EQ(foreign.call("POST", "/api/v1/endpoints/" + ep + "/test").status, 404);
  HttpClient anonymous;
  EXPECT_EQ(anonymous.request("POST", node.url("/api/v1/endpoints/" + ep + "/test")).status, 401);
}

}  // namespace
}  // namespace promptjang::testing
