// Cookie parsing (several cookies and fields, spaces, quotes, junk), the
// X-Forwarded-Proto check and Set-Cookie values; session tokens and the CSRF
// rule of session_auth.h.
#include "api/cookies.h"

#include <gtest/gtest.h>

#include "api/session_auth.h"

namespace promptjang {
namespace {

Headers cookies(std::initializer_list<const char*> values) {
  Headers h;
  h.add("Host", "example.com");
  for (const char* v : values) h.add("Cookie", v);
  return h;
}

TEST(CookiesTest, FindsACookieAmongOthers) {
  EXPECT_EQ(find_cookie(cookies({"pj_session=abc"}), "pj_session"), "abc");
  EXPECT_EQ(find_cookie(cookies({"a=1; pj_session=abc; b=2"}), "pj_session"), "abc");
  EXPECT_EQ(find_cookie(cookies({"a=1;pj_session=abc;b=2"}), "pj_session"), "abc");
  EXPECT_EQ(find_cookie(cookies({"  a=1 ;\tpj_session = abc ; b=2 "}), "pj_session"), "abc");
  EXPECT_EQ(find_cookie(cookies({"a=1; b=2"}), "pj_session"), std::nullopt);
  EXPECT_EQ(find_cookie(Headers{}, "pj_session"), std::nullopt);
}

TEST(CookiesTest, QuotedValuesLoseTheirQuotes) {
  EXPECT_EQ(find_cookie(cookies({"pj_session=\"abc\""}), "pj_session"), "abc");
  EXPECT_EQ(find_cookie(cookies({"pj_session=\"\""}), "pj_session"), "");
  EXPECT_EQ(find_cookie(cookies({"pj_session=\""}), "pj_session"), "\"") << "a lone quote stays";
}

TEST(CookiesTest, NamesAreExactAndTheFirstWins) {
  EXPECT_EQ(find_cookie(cookies({"PJ_SESSION=x; pj_sessionx=y"}), "pj_session"), std::nullopt);
  EXPECT_EQ(find_cookie(cookies({"xpj_session=x; pj_session=y"}), "pj_session"), "y");
  EXPECT_EQ(find_cookie(cookies({"pj_session=first; pj_session=second"}), "pj_session"), "first");
  EXPECT_EQ(find_cookie(cookies({"a=1", "pj_session=later"}), "pj_session"), "later")
      << "every Cookie field is read";
  Headers lower;
  lower.add("cookie", "pj_session=abc");
  EXPECT_EQ(find_cookie(lower, "pj_session"), "abc") << "the field name has any case";
}

TEST(CookiesTest, JunkIsSkipped) {
  EXPECT_EQ(find_cookie(cookies({";;; junk; =nameless; pj_session=abc=def"}), "pj_session"),
            "abc=def")
      << "a value may hold '='";
  EXPECT_EQ(find_cookie(cookies({""}), "pj_session"), std::nullopt);
  EXPECT_EQ(find_cookie(cookies({"pj_session"}), "pj_session"), std::nullopt);
  EXPECT_EQ(find_cookie(cookies({"pj_session="}), "pj_session"), "");
}

TEST(CookiesTest, ForwardedProto) {
  auto with = [](const char* v) {
    Headers h;
    h.add("X-Forwarded-Proto", v);
    return h;
  };
  EXPECT_TRUE(forwarded_over_https(with("https")));
  EXPECT_TRUE(forwarded_over_https(with("HTTPS")));
  EXPECT_TRUE(forwarded_over_https(with(" https , http")));
  EXPECT_FALSE(forwarded_over_https(with("http")));
  EXPECT_FALSE(forwarded_over_https(with("http, https"))) << "the first proxy's view counts";
  EXPECT_FALSE(forwarded_over_https(with("httpsx")));
  EXPECT_FALSE(forwarded_over_https(Headers{}));
}

TEST(CookiesTest, SetCookieValues) {
  EXPECT_EQ(set_cookie_value("pj_session", "tok", 43200, false),
            "pj_session=tok; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200");
  EXPECT_EQ(set_cookie_value("pj_session", "", 0, true),
            "pj_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure");
}

TEST(SessionAuthTest, TokensAre64LowercaseHex) {
  EXPECT_TRUE(is_well_formed_session_token(std::string(64, 'a')));
  EXPECT_TRUE(
      is_well_formed_session_token("0123456789abcdef0123456789abcdef"
                                   "0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(is_well_formed_session_token(std::string(63, 'a')));
  EXPECT_FALSE(is_well_formed_session_token(std::string(65, 'a')));
  EXPECT_FALSE(is_well_formed_session_token(std::string(64, 'A')));
  EXPECT_FALSE(is_well_formed_session_token(std::string(64, 'g')));
  EXPECT_FALSE(is_well_formed_session_token(""));
}

TEST(SessionAuthTest, OnlySafeMethodsGoWithoutTheCsrfToken) {
  for (const char* m : {"POST", "PUT", "PATCH", "DELETE", "CONNECT", "PROPFIND"})
    EXPECT_TRUE(changes_state(m)) << m;
  for (const char* m : {"GET", "HEAD", "OPTIONS"}) EXPECT_FALSE(changes_state(m)) << m;
}

}  // namespace
}  // namespace promptjang
