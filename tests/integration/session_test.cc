// The dashboard's sign-in over real HTTP (SPEC §9; docs/api.md "Dashboard
// sessions"): the session cookie and its flags, the same 401 for a wrong
// password and an unknown email, login throttling, cookie authentication of the
// JSON API with its CSRF check, logout, expiry, session fixation, and a session
// token that is stored only as its hash.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/json.hpp>
#include <regex>

#include "api/session_auth.h"
#include "crypto/sha256.h"
#include "service/accounts.h"
#include "support/test_node.h"

namespace promptjang::testing {
namespace {

namespace json = boost::json;

constexpr const char* kJson = "Content-Type: application/json";
constexpr const char* kPassword = "correct horse battery staple";

json::value parse(const std::string& s) { return json::parse(s); }
std::string str(const json::value& v, const char* k) { return std::string(v.at(k).as_string()); }

void expect_error(const ClientResponse& r, long status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.body;
  auto v = parse(r.body);
  EXPECT_EQ(str(v.at("error"), "code"), code) << r.body;
  EXPECT_FALSE(str(v.at("error"), "message").empty());
}

bool is_hex64(const std::string& s) { return std::regex_match(s, std::regex("[0-9a-f]{64}")); }

// A signed-in browser: its cookie and CSRF token.
struct Browser {
  std::string token;
  std::string csrf;
  std::string cookie() const { return "Cookie: pj_session=" + token; }
  std::string csrf_header() const { return "X-CSRF-Token: " + csrf; }
};

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tenant_ = node_.make_tenant("pro");
    auto user = create_user(node_.runtime().deps(), tenant_.account_id, "Alice@Example.com",
                            std::string(kPassword));
    ASSERT_TRUE(user) << user.status().to_string();
    user_ = user->record;
  }

  ClientResponse login(const std::string& email, const std::string& password,
                       std::vector<std::string> headers = {}) {
    headers.push_back(kJson);
    json::object body{{"email", email}, {"password", password}};
    return http_.request("POST", node_.url("/api/v1/session"), headers, json::serialize(body));
  }

  // The pj_session token a login answered with ("" if none).
  static std::string cookie_token(const ClientResponse& r) {
    auto it = r.headers.find("set-cookie");
    if (it == r.headers.end()) return "";
    std::smatch m;
    if (!std::regex_search(it->second, m, std::regex("^pj_session=([^;]*)"))) return "";
    return m[1];
  }

  Browser sign_in(std::vector<std::string> headers = {}) {
    auto r = login("alice@example.com", kPassword, std::move(headers));
    EXPECT_EQ(r.status, 200) << r.body;
    Browser b{cookie_token(r), str(parse(r.body), "csrf_token")};
    EXPECT_TRUE(is_hex64(b.token)) << b.token;
    return b;
  }

  ClientResponse get(const std::string& path, const std::vector<std::string>& headers) {
    return http_.request("GET", node_.url(path), headers);
  }
  ClientResponse send(const std::string& method, const std::string& path,
                      std::vector<std::string> headers, const std::string& body = "") {
    headers.push_back(kJson);
    return http_.request(method, node_.url(path), headers, body);
  }

  TestNode node_;
  HttpClient http_;
  Tenant tenant_;
  User user_;
};

TEST_F(SessionTest, LoginAnswersTheSessionAndSetsAStrictHttpOnlyCookie) {
  auto r = login("alice@example.com", kPassword);
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = parse(r.body);
  EXPECT_EQ(str(v.at("user"), "id"), user_.id);
  EXPECT_EQ(str(v.at("user"), "email"), "alice@example.com");
  EXPECT_EQ(str(v.at("account"), "id"), tenant_.account_id);
  EXPECT_EQ(str(v.at("account"), "name"), "tenant");
  EXPECT_EQ(str(v.at("account"), "plan"), "pro");
  EXPECT_TRUE(is_hex64(str(v, "csrf_token")));
  EXPECT_TRUE(std::regex_match(str(v, "expires_at"),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << str(v, "expires_at");
  EXPECT_EQ(r.headers.at("cache-control"), "no-store");

  const std::string& cookie = r.headers.at("set-cookie");
  const std::string token = cookie_token(r);
  EXPECT_TRUE(is_hex64(token)) << cookie;
  EXPECT_EQ(cookie, "pj_session=" + token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200");
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "plain HTTP: no Secure";
  EXPECT_NE(token, str(v, "csrf_token"));
}

TEST_F(SessionTest, BehindAnHttpsProxyTheCookieIsSecure) {
  auto r = login("alice@example.com", kPassword, {"X-Forwarded-Proto: https"});
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string& cookie = r.headers.at("set-cookie");
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Secure"), std::string::npos) << cookie;

  r = login("alice@example.com", kPassword, {"X-Forwarded-Proto: http"});
  EXPECT_EQ(r.headers.at("set-cookie").find("Secure"), std::string::npos);
}

TEST_F(SessionTest, WrongPasswordAndUnknownEmailAnswerTheSame401) {
  auto wrong = login("alice@example.com", "not the password");
  auto unknown = login("nobody@example.com", kPassword);
  expect_error(wrong, 401, "invalid_credentials");
  expect_error(unknown, 401, "invalid_credentials");
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_EQ(wrong.headers.count("set-cookie"), 0u);
  EXPECT_EQ(unknown.headers.count("set-cookie"), 0u);
  EXPECT_EQ(login("ALICE@example.COM", kPassword).status, 200) << "emails ignore case";
}

TEST_F(SessionTest, MalformedLoginsAre400And415) {
  auto raw = [&](const std::string& body, std::vector<std::string> headers = {kJson}) {
    return http_.request("POST", node_.url("/api/v1/session"), headers, body);
  };
  expect_error(raw("{"), 400, "invalid_json");
  expect_error(raw("[]"), 400, "invalid_json");
  expect_error(raw(""), 400, "invalid_request");
  expect_error(raw(R"({"email":"alice@example.com"})"), 400, "invalid_request");
  expect_error(raw(R"({"password":"x"})"), 400, "invalid_request");
  expect_error(raw(R"({"email":1,"password":"x"})"), 400, "invalid_request");
  expect_error(raw(R"({"email":"","password":"x"})"), 400, "invalid_request");
  expect_error(raw(R"({"email":"alice@example.com","password":["x"]})"), 400, "invalid_request");
  expect_error(raw(R"({"email":"alice@example.com","password":"correct horse battery staple"})",
                   {"Content-Type: text/plain"}),
               415, "unsupported_media_type");
  EXPECT_EQ(login("alice@example.com", kPassword).status, 200) << "none of these counted";
}

TEST_F(SessionTest, SixthFailedTryIsThrottledEvenWithTheRightPassword) {
  for (int i = 0; i < 5; ++i)
    expect_error(login("alice@example.com", "wrong"), 401, "invalid_credentials");
  auto throttled = login("alice@example.com", "wrong");
  expect_error(throttled, 429, "rate_limited");
  const int retry_after = std::stoi(throttled.headers.at("retry-after"));
  EXPECT_GT(retry_after, 800);  // 15 minutes from the first failure, a few seconds ago
  EXPECT_LE(retry_after, 900);
  auto right = login("Alice@example.com", kPassword);
  expect_error(right, 429, "rate_limited");
  EXPECT_EQ(right.headers.count("set-cookie"), 0u);

  // Another user from the same address is not held up by Alice's email.
  auto bob = create_user(node_.runtime().deps(), tenant_.account_id, "bob@example.com",
                         std::string(kPassword));
  ASSERT_TRUE(bob);
  EXPECT_EQ(login("bob@example.com", kPassword).status, 200);
}

TEST_F(SessionTest, UnknownEmailsAreThrottledToo) {
  for (int i = 0; i < 5; ++i)
    expect_error(login("ghost@example.com", "x"), 401, "invalid_credentials");
  expect_error(login("ghost@example.com", "x"), 429, "rate_limited");
}

TEST_F(SessionTest, CookieAuthenticatesTheJsonApiAndStateChangesNeedTheCsrfToken) {
  std::string ep = node_.make_endpoint(tenant_);
  Browser b = sign_in();

  auto list = get("/api/v1/endpoints", {b.cookie()});
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(str(parse(list.body).at("data").as_array().at(0), "id"), ep);
  EXPECT_EQ(get("/api/v1/account", {b.cookie()}).status, 200);

  const std::string body = R"({"url":"https://example.com/from-dashboard"})";
  expect_error(send("POST", "/api/v1/endpoints", {b.cookie()}, body), 403, "csrf_failed");
  expect_error(send("POST", "/api/v1/endpoints", {b.cookie(), "X-CSRF-Token: " + b.token}, body),
               403, "csrf_failed");
  std::string wrong = b.csrf;
  wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
  expect_error(send("POST", "/api/v1/endpoints", {b.cookie(), "X-CSRF-Token: " + wrong}, body), 403,
               "csrf_failed");
  expect_error(
      send("POST", "/api/v1/endpoints", {b.cookie(), "X-CSRF-Token: " + b.csrf + "0"}, body), 403,
      "csrf_failed");
  EXPECT_EQ(get("/api/v1/endpoints", {b.cookie()}).body.find("from-dashboard"), std::string::npos)
      << "nothing was created";

  auto created = send("POST", "/api/v1/endpoints", {b.cookie(), b.csrf_header()}, body);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = str(parse(created.body), "id");
  expect_error(send("PATCH", "/api/v1/endpoints/" + id, {b.cookie()}, R"({"enabled":false})"), 403,
               "csrf_failed");
  EXPECT_EQ(send("PATCH", "/api/v1/endpoints/" + id, {b.cookie(), b.csrf_header()},
                 R"({"enabled":false})")
                .status,
            200);
  expect_error(send("DELETE", "/api/v1/endpoints/" + id, {b.cookie()}), 403, "csrf_failed");
  EXPECT_EQ(send("DELETE", "/api/v1/endpoints/" + id, {b.cookie(), b.csrf_header()}).status, 204);

  // Ingest too: the check is made before the body is read.
  expect_error(send("POST", "/api/v1/e/" + ep, {b.cookie()}, "{}"), 403, "csrf_failed");
  EXPECT_EQ(send("POST", "/api/v1/e/" + ep, {b.cookie(), b.csrf_header()}, "{}").status, 202);
}

// Every route that changes state, with a cookie and no token, a wrong one, or
// another session's, is 403 and changes nothing. The list is the API's every
// non-GET route (src/api/*_routes.cc); unknown paths are refused too.
TEST_F(SessionTest, EveryStateChangingRouteRefusesAMissingOrWrongCsrfToken) {
  const std::string ep = node_.make_endpoint(tenant_);
  auto ingested =
      http_.request("POST", node_.url("/api/v1/e/" + ep), {tenant_.auth(), kJson}, "{}");
  ASSERT_EQ(ingested.status, 202) << ingested.body;
  const std::string event = str(parse(ingested.body), "id");
  auto key = http_.request("POST", node_.url("/api/v1/api-keys"), {tenant_.auth(), kJson}, "{}");
  ASSERT_EQ(key.status, 201);
  const std::string key_id = str(parse(key.body), "id");
  const std::string secret_before =
      str(parse(get("/api/v1/endpoints/" + ep + "/secret", {tenant_.auth()}).body), "secret");

  Browser b = sign_in();
  Browser other = sign_in();
  struct Route {
    std::string method, path, body;
  };
  const std::vector<Route> routes{
      {"POST", "/api/v1/endpoints", R"({"url":"https://example.com/csrf"})"},
      {"PATCH", "/api/v1/endpoints/" + ep, R"({"enabled":false})"},
      {"DELETE", "/api/v1/endpoints/" + ep, ""},
      {"POST", "/api/v1/endpoints/" + ep + "/rotate-secret", ""},
      {"POST", "/api/v1/endpoints/" + ep + "/test", ""},
      {"POST", "/api/v1/endpoints/" + ep + "/replay", R"({"status":"EXPIRED"})"},
      {"POST", "/api/v1/events/" + event + "/replay", R"({"force":true})"},
      {"POST", "/api/v1/e/" + ep, R"({"event":"csrf"})"},
      {"PATCH", "/api/v1/account", R"({"plan":"starter"})"},
      {"POST", "/api/v1/api-keys", R"({"name":"csrf"})"},
      {"DELETE", "/api/v1/api-keys/" + key_id, ""},
      {"DELETE", "/api/v1/session", ""},
      {"PUT", "/api/v1/endpoints/" + ep, R"({"url":"https://example.com/csrf"})"},
      {"POST", "/api/v1/no-such-route", "{}"},
  };
  std::string wrong = b.csrf;
  wrong[5] = wrong[5] == 'a' ? 'b' : 'a';
  const std::vector<std::pair<std::string, std::vector<std::string>>> tokens{
      {"no token", {}},
      {"an empty token", {"X-CSRF-Token: "}},
      {"a wrong token", {"X-CSRF-Token: " + wrong}},
      {"another session's token", {other.csrf_header()}},
      {"the session token itself", {"X-CSRF-Token: " + b.token}},
  };
  for (const auto& r : routes) {
    for (const auto& [what, extra] : tokens) {
      SCOPED_TRACE(r.method + " " + r.path + " with " + what);
      std::vector<std::string> headers{b.cookie()};
      headers.insert(headers.end(), extra.begin(), extra.end());
      expect_error(send(r.method, r.path, headers, r.body), 403, "csrf_failed");
    }
  }
  // Nothing changed: the endpoint is there, enabled, with its secret; no new
  // endpoint, key or event; the key is not revoked; the account keeps its plan;
  // both sessions still work.
  auto got = get("/api/v1/endpoints/" + ep, {tenant_.auth()});
  ASSERT_EQ(got.status, 200);
  EXPECT_TRUE(parse(got.body).at("enabled").as_bool());
  EXPECT_EQ(str(parse(get("/api/v1/endpoints/" + ep + "/secret", {tenant_.auth()}).body), "secret"),
            secret_before);
  EXPECT_EQ(parse(get("/api/v1/endpoints", {tenant_.auth()}).body).at("data").as_array().size(),
            1u);
  EXPECT_EQ(parse(get("/api/v1/events", {tenant_.auth()}).body).at("data").as_array().size(), 1u);
  auto keys = parse(get("/api/v1/api-keys", {tenant_.auth()}).body).at("data").as_array();
  EXPECT_EQ(keys.size(), 2u);
  for (const auto& k : keys) EXPECT_TRUE(k.at("revoked_at").is_null()) << json::serialize(k);
  EXPECT_EQ(str(parse(get("/api/v1/account", {tenant_.auth()}).body), "plan"), "pro");
  EXPECT_EQ(get("/api/v1/session", {b.cookie()}).status, 200);
  EXPECT_EQ(get("/api/v1/session", {other.cookie()}).status, 200);
}

// Login throttling per client address: 20 failures from one address, each for
// another email, and the address is held up for every email, a right password too.
TEST_F(SessionTest, ManyEmailsFromOneAddressAreThrottled) {
  for (int i = 0; i < 20; ++i)
    expect_error(login("guess" + std::to_string(i) + "@example.com", "x"), 401,
                 "invalid_credentials");
  expect_error(login("guess99@example.com", "x"), 429, "rate_limited");
  auto right = login("alice@example.com", kPassword);
  expect_error(right, 429, "rate_limited");
  EXPECT_EQ(right.headers.count("set-cookie"), 0u);
}

TEST_F(SessionTest, KeyCreatedThroughTheSessionWorksAsBearer) {
  Browser b = sign_in();
  auto created =
      send("POST", "/api/v1/api-keys", {b.cookie(), b.csrf_header()}, R"({"name":"from ui"})");
  ASSERT_EQ(created.status, 201) << created.body;
  Tenant as_key{tenant_.account_id, str(parse(created.body), "key")};
  auto r = get("/api/v1/account", {as_key.auth()});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str(parse(r.body), "id"), tenant_.account_id);
  // Bearer requests need no CSRF token.
  EXPECT_EQ(
      send("POST", "/api/v1/endpoints", {as_key.auth()}, R"({"url":"https://example.com"})").status,
      201);
}

TEST_F(SessionTest, AuthorizationHeaderWinsOverTheCookie) {
  Browser b = sign_in();
  expect_error(get("/api/v1/endpoints", {b.cookie(), "Authorization: Bearer nope"}), 401,
               "unauthorized");
  EXPECT_EQ(get("/api/v1/endpoints", {"Cookie: pj_session=" + std::string(64, '0'), tenant_.auth()})
                .status,
            200);
  // A Bearer POST with a stale cookie still needs no CSRF token.
  EXPECT_EQ(send("POST", "/api/v1/endpoints", {b.cookie(), tenant_.auth()},
                 R"({"url":"https://example.com"})")
                .status,
            201);
}

TEST_F(SessionTest, CookiesAreParsedAmongOthers) {
  Browser b = sign_in();
  EXPECT_EQ(
      get("/api/v1/endpoints", {"Cookie: theme=dark;  pj_session=\"" + b.token + "\"; x=1"}).status,
      200);
  for (const std::string& junk : {std::string("pj_session="), "pj_session=" + b.token + "x",
                                  "pj_session=" + std::string(64, 'f'), std::string("other=1")})
    expect_error(get("/api/v1/endpoints", {"Cookie: " + junk}), 401, "unauthorized");
}

TEST_F(SessionTest, GetSessionReadsItBack) {
  auto login_r = login("alice@example.com", kPassword);
  ASSERT_EQ(login_r.status, 200);
  Browser b{cookie_token(login_r), str(parse(login_r.body), "csrf_token")};
  auto r = get("/api/v1/session", {b.cookie()});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r.body), parse(login_r.body)) << "the same shape and values";
  EXPECT_EQ(r.headers.count("set-cookie"), 0u);
  expect_error(get("/api/v1/session", {}), 401, "unauthorized");
  expect_error(get("/api/v1/session", {tenant_.auth()}), 401, "unauthorized");
}

TEST_F(SessionTest, LogoutNeedsTheCsrfTokenAndEndsTheSession) {
  Browser b = sign_in();
  Browser other = sign_in();
  expect_error(send("DELETE", "/api/v1/session", {b.cookie()}), 403, "csrf_failed");
  EXPECT_EQ(get("/api/v1/session", {b.cookie()}).status, 200) << "still signed in";

  auto out = send("DELETE", "/api/v1/session", {b.cookie(), b.csrf_header()});
  ASSERT_EQ(out.status, 204) << out.body;
  EXPECT_EQ(out.headers.at("set-cookie"),
            "pj_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  expect_error(get("/api/v1/session", {b.cookie()}), 401, "unauthorized");
  expect_error(get("/api/v1/endpoints", {b.cookie()}), 401, "unauthorized");
  expect_error(send("DELETE", "/api/v1/session", {b.cookie(), b.csrf_header()}), 401,
               "unauthorized");
  EXPECT_EQ(get("/api/v1/endpoints", {other.cookie()}).status, 200) << "other sessions go on";
}

TEST_F(SessionTest, ExpiredSessionIs401) {
  // Made in the store as a login would, one ending a second ago and one valid.
  Store& store = node_.runtime().store();
  const TimePoint now = node_.runtime().clock().now();
  auto make = [&](const std::string& token, TimePoint expires_at) {
    Session s{sha256_hex(token),
              user_.id,
              tenant_.account_id,
              std::string(64, 'c'),
              now - std::chrono::hours(12),
              expires_at};
    ASSERT_TRUE(store.create_session(s));
  };
  const std::string expired(64, 'e');
  const std::string valid(64, 'a');
  make(expired, now - std::chrono::seconds(1));
  make(valid, now + std::chrono::hours(1));

  EXPECT_EQ(get("/api/v1/endpoints", {"Cookie: pj_session=" + valid}).status, 200);
  expect_error(get("/api/v1/endpoints", {"Cookie: pj_session=" + expired}), 401, "unauthorized");
  expect_error(get("/api/v1/session", {"Cookie: pj_session=" + expired}), 401, "unauthorized");
  // A login deletes expired sessions.
  sign_in();
  EXPECT_EQ(store.delete_session(sha256_hex(expired)).code(), StatusCode::kNotFound);
}

TEST_F(SessionTest, LoginAlwaysMakesAFreshTokenAndEndsTheOldOne) {
  Browser first = sign_in();
  Browser second = sign_in({first.cookie()});
  EXPECT_NE(second.token, first.token);
  EXPECT_NE(second.csrf, first.csrf);
  expect_error(get("/api/v1/endpoints", {first.cookie()}), 401, "unauthorized");
  EXPECT_EQ(get("/api/v1/endpoints", {second.cookie()}).status, 200);

  // A token planted by someone else is never adopted.
  const std::string planted(64, 'b');
  Browser third = sign_in({"Cookie: pj_session=" + planted});
  EXPECT_NE(third.token, planted);
  expect_error(get("/api/v1/session", {"Cookie: pj_session=" + planted}), 401, "unauthorized");
}

TEST_F(SessionTest, OnlyTheTokensHashIsStored) {
  Browser b = sign_in();
  auto found = node_.runtime().store().find_session_by_hash(sha256_hex(b.token),
                                                            node_.runtime().clock().now());
  ASSERT_TRUE(found) << found.status().to_string();
  EXPECT_EQ(found->user_id, user_.id);
  EXPECT_EQ(found->csrf_token, b.csrf);
  node_.runtime().store().flush();

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(node_.db_path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT * FROM sessions", -1, &stmt, nullptr), SQLITE_OK);
  int rows = 0;
  bool hash_seen = false;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    ++rows;
    for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
      const std::string value = text ? text : "";
      EXPECT_EQ(value.find(b.token), std::string::npos)
          << "the token is in column " << sqlite3_column_name(stmt, c);
      if (value == sha256_hex(b.token)) hash_seen = true;
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  EXPECT_EQ(rows, 1);
  EXPECT_TRUE(hash_seen);
}

TEST_F(SessionTest, ASessionSeesOnlyItsOwnAccount) {
  Tenant other = node_.make_tenant();
  std::string foreign = node_.make_endpoint(other);
  Browser b = sign_in();
  expect_error(get("/api/v1/endpoints/" + foreign, {b.cookie()}), 404, "endpoint_not_found");
  EXPECT_EQ(parse(get("/api/v1/endpoints", {b.cookie()}).body).at("data").as_array().size(), 0u);
}

}  // namespace
}  // namespace promptjang::testing
