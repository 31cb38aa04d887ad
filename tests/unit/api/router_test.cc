// Route matching: placeholders, 404 versus 405.
#include "api/router.h"

#include <gtest/gtest.h>

namespace promptjang {
namespace {

TEST(RouterTest, MatchesLiteralsAndPlaceholders) {
  Router r;
  int hit = 0;
  r.add("GET", "/api/v1/endpoints", [&](HttpRequest&, const PathParams&, Respond) { hit = 1; });
  r.add("GET", "/api/v1/endpoints/{id}",
        [&](HttpRequest&, const PathParams&, Respond) { hit = 2; });
  r.add("POST", "/api/v1/endpoints/{id}/rotate-secret",
        [&](HttpRequest&, const PathParams&, Respond) { hit = 3; });
  HttpRequest req;
  auto m = r.match("GET", "/api/v1/endpoints/ep_1");
  ASSERT_TRUE(m.handler);
  (*m.handler)(req, m.params, [](HttpResponse) {});
  EXPECT_EQ(hit, 2);
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0], "ep_1");
  m = r.match("POST", "/api/v1/endpoints/ep_2/rotate-secret");
  ASSERT_TRUE(m.handler);
  EXPECT_EQ(m.params[0], "ep_2");
  EXPECT_TRUE(r.match("GET", "/api/v1/endpoints/").handler) << "a trailing slash is tolerated";
}

TEST(RouterTest, TellsNotFoundFromMethodNotAllowed) {
  Router r;
  r.add("GET", "/a/{id}", [](HttpRequest&, const PathParams&, Respond) {});
  r.add("DELETE", "/a/{id}", [](HttpRequest&, const PathParams&, Respond) {});
  auto m = r.match("PUT", "/a/1");
  EXPECT_FALSE(m.handler);
  EXPECT_EQ(m.allowed, "GET, HEAD, DELETE");
  m = r.match("GET", "/b/1");
  EXPECT_FALSE(m.handler);
  EXPECT_TRUE(m.allowed.empty());
  EXPECT_FALSE(r.match("GET", "/a").handler);
  EXPECT_FALSE(r.match("GET", "/a/1/2").handler);
}

// A HEAD is answered as the GET of the same path (the server drops the body):
// it was a 405 on every API route, /healthz and /readyz included.
TEST(RouterTest, HeadMatchesTheGetRoute) {
  Router r;
  int hit = 0;
  r.add("GET", "/healthz", [&](HttpRequest&, const PathParams&, Respond) { hit = 1; });
  r.add("POST", "/a/{id}", [&](HttpRequest&, const PathParams&, Respond) { hit = 2; });
  HttpRequest req;
  auto m = r.match("HEAD", "/healthz");
  ASSERT_TRUE(m.handler);
  (*m.handler)(req, m.params, [](HttpResponse) {});
  EXPECT_EQ(hit, 1);
  m = r.match("HEAD", "/a/1");
  EXPECT_FALSE(m.handler) << "no GET route, no HEAD";
  EXPECT_EQ(m.allowed, "POST");
  EXPECT_FALSE(r.match("HEAD", "/nothing").handler);
}

}  // namespace
}  // namespace promptjang
