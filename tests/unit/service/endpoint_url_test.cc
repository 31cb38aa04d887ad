// validate_endpoint_url: what an endpoint's URL may be (SPEC §3). The refusals
// below were found by tests/fuzz/url_fuzz: URLs the API accepted that no
// sender can deliver to (every attempt then failed with "malformed URL").
#include <gtest/gtest.h>

#include "service/endpoints.h"

namespace promptjang {
namespace {

TEST(EndpointUrlTest, AcceptsHttpAndHttpsWithAnyHostKind) {
  for (const char* url :
       {"https://example.com/hook", "http://example.com:8080/a?b=c", "http://127.0.0.1:1/",
        "http://[::1]:65535/", "https://[2606:4700::1111]/x", "http://ex%41mple.com/",
        "http://example.com:/"}) {
    EXPECT_TRUE(validate_endpoint_url(url).is_ok()) << url;
  }
}

TEST(EndpointUrlTest, RefusesWhatIsNoHttpUrl) {
  for (const char* url : {"", "ftp://example.com/", "not a url", "http:///x", "http://u:p@x/",
                          "https://example.com/#frag"}) {
    EXPECT_EQ(validate_endpoint_url(url).code(), StatusCode::kInvalidArgument) << url;
  }
  EXPECT_FALSE(validate_endpoint_url("https://x.com/" + std::string(2048, 'a')).is_ok());
}

TEST(EndpointUrlTest, RefusesAnIpvFutureHost) {
  auto s = validate_endpoint_url("http://[v1.x]/");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("IPv4 or IPv6"), std::string::npos) << s.message();
}

TEST(EndpointUrlTest, RefusesAPortOutsideOneTo65535) {
  for (const char* url :
       {"http://example.com:0/", "http://example.com:65536/", "http://example.com:99999/",
        "http://example.com:00000/", "http://example.com:4294967297/"}) {
    auto s = validate_endpoint_url(url);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << url;
    EXPECT_NE(s.message().find("port"), std::string::npos) << url << ": " << s.message();
  }
}

TEST(EndpointUrlTest, RefusesControlCharactersAndSpacesInTheDecodedHost) {
  for (const char* url : {"http://a%0d%0aX-Injected%3a%20y/", "http://evil.com%00.example.com/",
                          "http://a%20b/", "http://a%7f/", "http://a%09b/"}) {
    auto s = validate_endpoint_url(url);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << url;
  }
}

// Found by tests/fuzz/url_fuzz: "http:<" and "x:?" made Boost 1.81's URL
// parser fail an assertion (an abort wherever assertions are on); such
// characters, and anything not starting "http(s)://", are refused before the
// parser sees them.
TEST(EndpointUrlTest, RefusesCharactersNoUrlHoldsBeforeParsing) {
  for (const char* url : {"http:<", "fe:\xb4", "http: x", "https://a/b c", "https://a/\"q\"",
                          "https://a/{x}", "https://a/|", "https://a/\\", "https://a/^",
                          "https://a/`", "https://a/\x01", "https://caf\xc3\xa9.com/"}) {
    auto s = validate_endpoint_url(url);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << url;
    EXPECT_NE(s.message().find("percent-encode"), std::string::npos) << url << ": " << s.message();
  }
  for (const char* url : {"x:?", "http:?", "dwwwtt:?", "http:a", "HTTP:x"})
    EXPECT_EQ(validate_endpoint_url(url).code(), StatusCode::kInvalidArgument) << url;
  EXPECT_TRUE(validate_endpoint_url("HTTPS://Example.com/").is_ok());
  EXPECT_TRUE(validate_endpoint_url("https://a/b%20c?d=e&f=%7Bg%7D#").code() ==
              StatusCode::kInvalidArgument)
      << "a fragment is still refused";
  EXPECT_TRUE(validate_endpoint_url("https://a/b%20c?d=e&f=%7Bg%7D").is_ok());
}

}  // namespace
}  // namespace promptjang
