#include "client/status.h"

#include <gtest/gtest.h>

#include "common/errors.h"

namespace etcd::client {
namespace {

TEST(ClientStatusTest, RoundTripsCodeAndMessage) {
  const grpc::Status g(grpc::StatusCode::NOT_FOUND, "etcdserver: requested lease not found");
  const absl::Status a = FromGrpcStatus(g);
  EXPECT_TRUE(errors::Is(a, errors::Err::kLeaseNotFound));
  const grpc::Status back = ToGrpcStatus(a);
  EXPECT_EQ(back.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(back.error_message(), "etcdserver: requested lease not found");
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(ClientStatusTest, ErrorStringAsClientv3) {
  EXPECT_EQ(ErrorString(errors::Make(errors::Err::kTooManyRequests)),
            "etcdserver: too many requests");
  EXPECT_EQ(ErrorString(absl::UnavailableError("failed to connect to all addresses")),
            "rpc error: code = Unavailable desc = failed to connect to all addresses");
  EXPECT_EQ(ErrorString(absl::DeadlineExceededError("Deadline Exceeded")),
            "rpc error: code = DeadlineExceeded desc = Deadline Exceeded");
  EXPECT_EQ(ErrorString(absl::OkStatus()), "");
  EXPECT_STREQ(GrpcCodeName(absl::StatusCode::kCancelled), "Canceled");
}

TEST(ClientStatusTest, RetryPolicy) {
  const absl::Status refused = absl::UnavailableError(
      "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:1: "
      "Connection refused");
  const absl::Status no_leader = errors::Make(errors::Err::kNoLeader);
  const absl::Status timeout = errors::Make(errors::Err::kTimeout);
  const absl::Status closed = absl::UnavailableError("Socket closed");
  // Reads: any Unavailable.
  for (const auto& s : {refused, no_leader, timeout, closed}) EXPECT_TRUE(IsRetriable(s, false));
  // Writes: only when nothing can have been applied.
  EXPECT_TRUE(IsRetriable(refused, true));
  EXPECT_TRUE(IsRetriable(no_leader, true));
  EXPECT_FALSE(IsRetriable(timeout, true));
  EXPECT_FALSE(IsRetriable(closed, true));
  // Never anything but Unavailable.
  EXPECT_FALSE(IsRetriable(errors::Make(errors::Err::kLeaseNotFound), false));
  EXPECT_FALSE(IsRetriable(absl::DeadlineExceededError("x"), false));
}

}  // namespace
}  // namespace etcd::client
