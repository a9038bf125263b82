// The pure building blocks of the Lock and Election services (api/coord_ops.h): key
// names, the clientv3 range options they stand for, compares and error mapping.
#include "api/coord_ops.h"

#include "gtest/gtest.h"

namespace etcd::api::coord {
namespace {

TEST(CoordOpsTest, PrefixEndLikeClientv3) {
  EXPECT_EQ(PrefixEnd("a/"), "a0");
  EXPECT_EQ(PrefixEnd("mylock/"), "mylock0");
  EXPECT_EQ(PrefixEnd(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixEnd(std::string("\xff\xff", 2)), std::string(1, '\0'));
  EXPECT_EQ(PrefixEnd(""), std::string(1, '\0'));
}

TEST(CoordOpsTest, LeaseKeyIsLowercaseHexOfTheId) {
  EXPECT_EQ(LeaseKey("L/", 0x694d7f3a1b2c3d4e), "L/694d7f3a1b2c3d4e");
  EXPECT_EQ(LeaseKey("L/", 255), "L/ff");
  // A negative ID prints as Go's %x of the uint64 would.
  EXPECT_EQ(LeaseKey("L/", -1), "L/ffffffffffffffff");
}

TEST(CoordOpsTest, FirstCreateIsOldestKeyUnderPrefix) {
  etcdserverpb::RangeRequest r = FirstCreate("e/");
  EXPECT_EQ(r.key(), "e/");
  EXPECT_EQ(r.range_end(), "e0");
  EXPECT_EQ(r.sort_target(), etcdserverpb::RangeRequest::CREATE);
  EXPECT_EQ(r.sort_order(), etcdserverpb::RangeRequest::ASCEND);
  EXPECT_EQ(r.limit(), 1);
  EXPECT_EQ(r.max_create_revision(), 0);
}

TEST(CoordOpsTest, LastCreateAtMostIsNewestOlderKey) {
  etcdserverpb::RangeRequest r = LastCreateAtMost("e/", 41);
  EXPECT_EQ(r.range_end(), "e0");
  EXPECT_EQ(r.sort_target(), etcdserverpb::RangeRequest::CREATE);
  EXPECT_EQ(r.sort_order(), etcdserverpb::RangeRequest::DESCEND);
  EXPECT_EQ(r.limit(), 1);
  EXPECT_EQ(r.max_create_revision(), 41);
}

TEST(CoordOpsTest, PutAndCompareOps) {
  etcdserverpb::RequestOp op = PutOp("k", "v", 7);
  ASSERT_TRUE(op.has_request_put());
  EXPECT_EQ(op.request_put().key(), "k");
  EXPECT_EQ(op.request_put().value(), "v");
  EXPECT_EQ(op.request_put().lease(), 7);
  etcdserverpb::Compare c = CreateRevIs("k", 0);
  EXPECT_EQ(c.key(), "k");
  EXPECT_EQ(c.target(), etcdserverpb::Compare::CREATE);
  EXPECT_EQ(c.result(), etcdserverpb::Compare::EQUAL);
  EXPECT_EQ(c.create_revision(), 0);
}

TEST(CoordOpsTest, UnmappedKeepsTextWithCodeUnknown) {
  EXPECT_TRUE(Unmapped(absl::OkStatus()).ok());
  absl::Status s = Unmapped(absl::NotFoundError("etcdserver: requested lease not found"));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(s.message(), "etcdserver: requested lease not found");
}

}  // namespace
}  // namespace etcd::api::coord
