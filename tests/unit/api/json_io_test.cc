// to_json_text: Boost.JSON's output, except doubles in their shortest plain form.
#include "api/json_io.h"

#include <gtest/gtest.h>

#include <limits>

namespace promptjang {
namespace {

namespace json = boost::json;

TEST(JsonIoTest, DoublesAreWrittenPlainAndRoundTrip) {
  EXPECT_EQ(to_json_text(json::value(0.975)), "0.975");
  EXPECT_EQ(to_json_text(json::value(29.0)), "29");
  EXPECT_EQ(to_json_text(json::value(4.5)), "4.5");
  EXPECT_EQ(to_json_text(json::value(-0.1)), "-0.1");
  EXPECT_EQ(to_json_text(json::value(1e-7)), "1e-07");
  for (double d : {0.1, 1.0 / 3, 123456.789, 1e300, 5e-324})
    EXPECT_EQ(json::parse(to_json_text(json::value(d))).as_double(), d) << d;
  // JSON has no NaN or infinity.
  EXPECT_EQ(to_json_text(json::value(std::numeric_limits<double>::quiet_NaN())), "null");
  EXPECT_EQ(to_json_text(json::value(std::numeric_limits<double>::infinity())), "null");
}

TEST(JsonIoTest, EverythingElseIsBoostJsons) {
  json::value v = {{"s", "a\"b\\c\n\x01"},
                   {"i", -42},
                   {"u", std::numeric_limits<uint64_t>::max()},
                   {"b", true},
                   {"n", nullptr},
                   {"a", json::array{1, 0.5, "x", json::object{}}},
                   {"o", json::object{{"k", json::array{}}}}};
  std::string text = to_json_text(v);
  EXPECT_EQ(json::parse(text), v);
  EXPECT_EQ(text, R"({"s":"a\"b\\c\n\u0001","i":-42,"u":18446744073709551615,"b":true,"n":null,)"
                  R"("a":[1,0.5,"x",{}],"o":{"k":[]}})");
}

TEST(JsonIoTest, JsonResponseUsesIt) {
  auto r = json_response(200, json::object{{"cost", 29.0}});
  EXPECT_EQ(r.body, R"({"cost":29})");
  EXPECT_EQ(r.content_type, "application/json");
}

}  // namespace
}  // namespace promptjang
