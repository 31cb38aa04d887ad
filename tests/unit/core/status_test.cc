// Status and Result<T>.
#include "core/status.h"

#include <gtest/gtest.h>

namespace promptjang {
namespace {

Result<int> half(int x) {
  if (x % 2) return invalid_argument("odd");
  return x / 2;
}

Status chain(int x) {
  PJ_RETURN_IF_ERROR(half(x));
  return Status::ok();
}

TEST(StatusTest, OkAndErrors) {
  EXPECT_TRUE(Status::ok().is_ok());
  Status s = not_found("ep_1");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.to_string(), "NotFound: ep_1");
}

TEST(StatusTest, ResultCarriesValueOrStatus) {
  auto r = half(4);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(*r, 2);
  auto e = half(3);
  ASSERT_FALSE(e.is_ok());
  EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(chain(2).is_ok());
  EXPECT_EQ(chain(3).message(), "odd");
}

TEST(StatusTest, ResultFromOkStatusIsAnError) {
  Result<int> r{Status::ok()};
  EXPECT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace promptjang
