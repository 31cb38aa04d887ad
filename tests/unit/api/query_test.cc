// Query string parsing and percent-decoding.
#include "api/query.h"

#include <gtest/gtest.h>

namespace promptjang {
namespace {

TEST(QueryTest, ParsesAndDecodes) {
  auto q = Query::parse("status=EXPIRED&since=2026-01-01T00%3A00%3A00Z&name=a+b&empty=&flag");
  ASSERT_TRUE(q.is_ok());
  EXPECT_EQ(q->get("status"), "EXPIRED");
  EXPECT_EQ(q->get("since"), "2026-01-01T00:00:00Z");
  EXPECT_EQ(q->get("name"), "a b");
  EXPECT_EQ(q->get("empty"), "");
  EXPECT_EQ(q->get("flag"), "");
  EXPECT_FALSE(q->get("missing"));
  EXPECT_TRUE(Query::parse("").is_ok());
  EXPECT_TRUE(Query::parse("&&a=1&").is_ok());
}

TEST(QueryTest, RefusesBrokenEscapes) {
  EXPECT_FALSE(Query::parse("a=%").is_ok());
  EXPECT_FALSE(Query::parse("a=%4").is_ok());
  EXPECT_FALSE(Query::parse("a=%zz").is_ok());
  EXPECT_EQ(percent_decode("%41%62", false), "Ab");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
}

}  // namespace
}  // namespace promptjang
