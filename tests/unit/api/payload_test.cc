// validate_payload and is_json_media_type (api/payload.h): what ingest accepts
// as a JSON body (what json::parse accepts: standard JSON, depth 32, nothing
// after the document) and the top-level "event" string it takes as the type.
#include "api/payload.h"

#include <gtest/gtest.h>

#include <string>

namespace promptjang {
namespace {

std::optional<std::string> type_of(std::string_view body) {
  auto r = validate_payload(body);
  EXPECT_TRUE(r) << body << ": " << r.status().to_string();
  return r ? *r : std::nullopt;
}

TEST(PayloadTest, TheTopLevelEventStringIsTheType) {
  EXPECT_EQ(type_of(R"({"event":"order.created","data":{"event":"nested"}})"), "order.created");
  EXPECT_EQ(type_of(R"({"data":[1,2,{"event":"x"}],"event":"last"})"), "last");
  EXPECT_EQ(type_of(R"({"ev\u0065nt":"esc\u00e9"})"), "esc\xc3\xa9") << "escapes are decoded";
  EXPECT_EQ(type_of(R"({"event":1,"event":"b"})"), "b") << "the last member counts";
}

TEST(PayloadTest, NoTypeWithoutATopLevelEventString) {
  for (const char* body : {R"({"event":1})", R"({"event":null})", R"({"event":{"x":"y"}})",
                           R"({"event":["a"]})", R"({"event":"a","event":2})", R"(["event","x"])",
                           R"("event")", "42", R"({"data":{"event":"x"}})"}) {
    EXPECT_EQ(type_of(body), std::nullopt) << body;
  }
}

TEST(PayloadTest, InvalidJsonIsRefusedWithTheReason) {
  std::string deep(40, '[');
  deep += std::string(40, ']');
  for (std::string body :
       {std::string(""), std::string("   "), std::string("{"), std::string(R"({"event": "x")"),
        std::string(R"({"a":1,})"), std::string("hello"), std::string(R"({"a":1} x)"),
        std::string("{\"event\":\"\xff\"}"), std::string("{'a':1}"), deep}) {
    auto r = validate_payload(body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("not valid JSON"), std::string::npos);
  }
  EXPECT_TRUE(validate_payload(R"({"a":1}  )")) << "whitespace after the document is fine";
  EXPECT_TRUE(validate_payload(std::string(30, '[') + std::string(30, ']')));
}

TEST(PayloadTest, LargeBodiesAreValidatedWithoutTheirCopy) {
  std::string big = R"({"event":"big","pad":")" + std::string(2 * 1024 * 1024, 'x') + "\"}";
  EXPECT_EQ(type_of(big), "big");
  big.back() = ']';
  EXPECT_FALSE(validate_payload(big));
}

TEST(PayloadTest, MediaType) {
  EXPECT_TRUE(is_json_media_type("application/json"));
  EXPECT_TRUE(is_json_media_type("Application/JSON; charset=utf-8"));
  EXPECT_TRUE(is_json_media_type(" application/json ;charset=utf-8"));
  EXPECT_FALSE(is_json_media_type("text/plain"));
  EXPECT_FALSE(is_json_media_type("application/jsonx"));
  EXPECT_FALSE(is_json_media_type(""));
}

}  // namespace
}  // namespace promptjang
