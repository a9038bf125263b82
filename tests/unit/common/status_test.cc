#include "common/status.h"

#include <gtest/gtest.h>

namespace etcd {
namespace {

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::Status Quarter(int x, int* out) {
  ASSIGN_OR_RETURN(int h, Half(x));
  ASSIGN_OR_RETURN(int q, Half(h));
  *out = q;
  return absl::OkStatus();
}

absl::Status Check(bool ok) {
  RETURN_IF_ERROR(ok ? absl::OkStatus() : absl::NotFoundError("nope"));
  return absl::OkStatus();
}

TEST(StatusTest, AssignOrReturnPropagates) {
  int out = 0;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  EXPECT_EQ(Quarter(6, &out).code(), absl::StatusCode::kInvalidArgument);
}

TEST(StatusTest, ReturnIfError) {
  EXPECT_TRUE(Check(true).ok());
  EXPECT_EQ(Check(false).message(), "nope");
}

}  // namespace
}  // namespace etcd
