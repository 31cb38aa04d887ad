// Dashboard on a table of its own: which addresses answer the page, which the
// files, what is left to the API, revalidation (ETag, 304) and the headers.
#include "dashboard/dashboard.h"

#include <gtest/gtest.h>

#include <array>

namespace promptjang::dashboard {
namespace {

constexpr std::array<Asset, 3> kAssets{{
    {"/assets/index.html", "<!doctype html><title>PromptJang</title>"},
    {"/assets/js/main.js", "export {};"},
    {"/assets/vendor/uPlot.min.css", ".u{}"},
}};

HttpRequest get(std::string path) {
  HttpRequest r;
  r.method = "GET";
  r.path = std::move(path);
  return r;
}

std::string header(const HttpResponse& r, std::string_view name) {
  auto v = r.headers.get(name);
  return v ? std::string(*v) : std::string();
}

TEST(DashboardTest, PageAddressesAnswerTheApplicationsPage) {
  Dashboard d(kAssets);
  for (const char* path : {"/", "/login", "/endpoints", "/endpoints/ep_1", "/events",
                           "/events/evt_1", "/api-keys", "/usage"}) {
    auto r = d.serve(get(path));
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->content_type, "text/html; charset=utf-8") << path;
    EXPECT_EQ(r->body, kAssets[0].bytes) << path;
  }
}

TEST(DashboardTest, FilesAnswerWithTheirTypes) {
  Dashboard d(kAssets);
  auto js = d.serve(get("/assets/js/main.js"));
  ASSERT_TRUE(js);
  EXPECT_EQ(js->body, "export {};");
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  auto css = d.serve(get("/assets/vendor/uPlot.min.css"));
  ASSERT_TRUE(css);
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
}

TEST(DashboardTest, EverythingElseIsLeftToTheApi) {
  Dashboard d(kAssets);
  for (const char* path :
       {"/api/v1/events", "/healthz", "/metrics", "/assets/nope.js", "/assets/index.html",
        "/events/evt_1/attempts", "/endpoints/", "/loginx", "/assets", "/favicon.ico"})
    EXPECT_FALSE(d.serve(get(path))) << path;
}

TEST(DashboardTest, OtherMethodsOnItsAddressesAre405) {
  Dashboard d(kAssets);
  for (const char* path : {"/", "/events/evt_1", "/assets/js/main.js"}) {
    HttpRequest post = get(path);
    post.method = "POST";
    auto r = d.serve(post);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 405);
    EXPECT_EQ(r->content_type, "application/json");
    EXPECT_EQ(header(*r, "Allow"), "GET, HEAD");
  }
}

TEST(DashboardTest, HeadIsAnsweredLikeGet) {
  Dashboard d(kAssets);
  HttpRequest head = get("/events");
  head.method = "HEAD";
  auto r = d.serve(head);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(DashboardTest, RevalidationWithTheEtagAnswers304) {
  Dashboard d(kAssets);
  auto first = d.serve(get("/assets/js/main.js"));
  ASSERT_TRUE(first);
  std::string etag = header(*first, "ETag");
  ASSERT_EQ(etag.size(), 34u) << etag;  // a quoted 32-hex-digit tag
  EXPECT_EQ(header(*first, "Cache-Control"), "no-cache");

  for (std::string inm : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    HttpRequest again = get("/assets/js/main.js");
    again.headers.add("If-None-Match", inm);
    auto r = d.serve(again);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 304) << inm;
    EXPECT_TRUE(r->body.empty());
    EXPECT_EQ(header(*r, "ETag"), etag);
  }
  HttpRequest stale = get("/assets/js/main.js");
  stale.headers.add("If-None-Match", "\"0123\"");
  EXPECT_EQ(d.serve(stale)->status, 200);
  // Files differ, so do their tags.
  EXPECT_NE(header(*d.serve(get("/")), "ETag"), etag);
}

TEST(DashboardTest, TextIsGzippedForBrowsersThatAcceptIt) {
  std::string big_js;
  for (int i = 0; i < 500; ++i) big_js += "export const x" + std::to_string(i) + " = 1;\n";
  std::array<Asset, 2> assets{{{"/assets/big.js", big_js}, {"/assets/tiny.js", "x"}}};
  Dashboard d(assets);
  HttpRequest plain = get("/assets/big.js");
  auto identity = d.serve(plain);
  ASSERT_TRUE(identity);
  EXPECT_EQ(identity->body, big_js);
  EXPECT_EQ(header(*identity, "Content-Encoding"), "");
  EXPECT_EQ(header(*identity, "Vary"), "Accept-Encoding");

  HttpRequest browser = get("/assets/big.js");
  browser.headers.add("Accept-Encoding", "gzip, deflate, br");
  auto gz = d.serve(browser);
  ASSERT_TRUE(gz);
  EXPECT_EQ(header(*gz, "Content-Encoding"), "gzip");
  EXPECT_LT(gz->body.size(), big_js.size() / 4);
  EXPECT_EQ(gz->content_type, "text/javascript; charset=utf-8");
  // Its own tag, and a revalidation of it answers 304.
  EXPECT_NE(header(*gz, "ETag"), header(*identity, "ETag"));
  browser.headers.add("If-None-Match", header(*gz, "ETag"));
  EXPECT_EQ(d.serve(browser)->status, 304);

  // Not worth compressing: served as is, without Vary.
  HttpRequest tiny = get("/assets/tiny.js");
  tiny.headers.add("Accept-Encoding", "gzip");
  auto t = d.serve(tiny);
  EXPECT_EQ(t->body, "x");
  EXPECT_EQ(header(*t, "Content-Encoding"), "");
}

TEST(DashboardTest, EveryAnswerCarriesTheSecurityHeaders) {
  Dashboard d(kAssets);
  for (const char* path : {"/", "/assets/js/main.js"}) {
    auto r = d.serve(get(path));
    ASSERT_TRUE(r);
    std::string csp = header(*r, "Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
    EXPECT_EQ(header(*r, "X-Frame-Options"), "DENY");
    EXPECT_EQ(header(*r, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(header(*r, "Referrer-Policy"), "same-origin");
  }
}

TEST(DashboardTest, WithoutAnEmbeddedPageThePageAddressesAreNotAnswered) {
  std::array<Asset, 1> only_js{{{"/assets/js/main.js", "x"}}};
  Dashboard d(only_js);
  EXPECT_FALSE(d.serve(get("/")));
  EXPECT_TRUE(d.serve(get("/assets/js/main.js")));
}

TEST(DashboardTest, ABrowserAtAnUnknownAddressGetsThePageWith404) {
  Dashboard d(kAssets);
  HttpRequest browser = get("/nope/deeper");
  browser.headers.add("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
  auto r = d.not_found_page(browser);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body, kAssets[0].bytes);
  EXPECT_EQ(r->content_type, "text/html; charset=utf-8");
  // Not for API clients, the API's and the files' addresses, or other methods.
  EXPECT_FALSE(d.not_found_page(get("/nope")));
  for (const char* path : {"/api/v1/nope", "/assets/nope.js"}) {
    HttpRequest req = get(path);
    req.headers.add("Accept", "text/html");
    EXPECT_FALSE(d.not_found_page(req)) << path;
  }
  browser.method = "POST";
  EXPECT_FALSE(d.not_found_page(browser));
}

TEST(DashboardTest, ContentTypesByExtension) {
  EXPECT_EQ(content_type_for("a.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_for("a.png"), "image/png");
  EXPECT_EQ(content_type_for("a.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("a"), "application/octet-stream");
}

}  // namespace
}  // namespace promptjang::dashboard
