// RFC 3339 formatting and parsing.
#include "core/time_format.h"

#include <gtest/gtest.h>

namespace promptjang {
namespace {

TEST(TimeFormatTest, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(format_rfc3339(from_unix_micros(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(from_unix_micros(1614265330123456)), "2021-02-25T15:02:10.123Z");
}

TEST(TimeFormatTest, ParsesWhatItFormats) {
  auto t = from_unix_micros(1614265330123000);
  auto r = parse_rfc3339(format_rfc3339(t));
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(*r, t);
}

TEST(TimeFormatTest, ParsesOffsetsAndFractions) {
  auto r = parse_rfc3339("2021-02-25T16:02:10.5+01:00");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(to_unix_micros(*r), 1614265330500000);
  EXPECT_TRUE(parse_rfc3339("2021-02-25T15:02:10Z").is_ok());
}

TEST(TimeFormatTest, RefusesGarbage) {
  for (const char* s : {"", "yesterday", "2021-02-25", "2021-13-01T00:00:00Z",
                        "2021-02-25T15:02:10", "2021-02-25T15:02:10Zjunk", "2021-02-30T00:00:00Z"})
    EXPECT_FALSE(parse_rfc3339(s).is_ok()) << s;
}

}  // namespace
}  // namespace promptjang
