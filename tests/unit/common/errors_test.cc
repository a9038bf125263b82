#include "common/errors.h"

#include <gtest/gtest.h>

namespace etcd::errors {
namespace {

TEST(ErrorsTest, ExactEtcdStrings) {
  struct Case {
    Err err;
    absl::StatusCode code;
    const char* msg;
  } cases[] = {
      {Err::kEmptyKey, absl::StatusCode::kInvalidArgument, "etcdserver: key is not provided"},
      {Err::kCompacted, absl::StatusCode::kOutOfRange,
       "etcdserver: mvcc: required revision has been compacted"},
      {Err::kLeaseNotFound, absl::StatusCode::kNotFound, "etcdserver: requested lease not found"},
      {Err::kPeerURLExist, absl::StatusCode::kFailedPrecondition,
       "etcdserver: Peer URLs already exists"},
      {Err::kInvalidAuthToken, absl::StatusCode::kUnauthenticated,
       "etcdserver: invalid auth token"},
      {Err::kWatchCanceled, absl::StatusCode::kCancelled, "etcdserver: watch canceled"},
      {Err::kNoSpace, absl::StatusCode::kResourceExhausted,
       "etcdserver: mvcc: database space exceeded"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.msg);
    absl::Status s = Make(c.err);
    EXPECT_EQ(s.code(), c.code);
    EXPECT_EQ(s.message(), c.msg);
    EXPECT_TRUE(Is(s, c.err));
  }
  EXPECT_FALSE(Is(absl::InvalidArgumentError("etcdserver: key not found"), Err::kEmptyKey));
  EXPECT_EQ(MessageTooLarge(2200010, 2097152).message(),
            "grpc: received message larger than max (2200010 vs. 2097152)");
}

}  // namespace
}  // namespace etcd::errors
