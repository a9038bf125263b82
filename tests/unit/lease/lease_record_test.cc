#include "lease/lease_record.h"

#include <gtest/gtest.h>

namespace etcd::lease {
namespace {

TEST(LeaseKeyTest, BigEndianRoundTrip) {
  EXPECT_EQ(EncodeLeaseKey(0x0102030405060708LL),
            std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  for (int64_t id : {int64_t{1}, int64_t{-1}, INT64_MAX, INT64_MIN, int64_t{0x2a12a1fdd393c907}}) {
    EXPECT_EQ(DecodeLeaseKey(EncodeLeaseKey(id)), id);
  }
  EXPECT_LT(EncodeLeaseKey(1), EncodeLeaseKey(256));  // bucket scans are in ID order
  EXPECT_FALSE(DecodeLeaseKey("short").has_value());
}

TEST(LeaseRecordTest, MatchesLeasepbWireFormat) {
  // leasepb.Lease{ID: 1, TTL: 10} as protoc encodes it.
  EXPECT_EQ(EncodeLeaseRecord({1, 10, 0}), std::string("\x08\x01\x10\x0a", 4));
  EXPECT_EQ(EncodeLeaseRecord({1, 10, 7}), std::string("\x08\x01\x10\x0a\x18\x07", 6));
  EXPECT_EQ(EncodeLeaseRecord({0, 0, 0}), "");
  // 300 = 0xac 0x02 as a varint.
  EXPECT_EQ(EncodeLeaseRecord({300, 0, 0}), std::string("\x08\xac\x02", 3));
}

TEST(LeaseRecordTest, RoundTrip) {
  for (const LeaseRecord& r :
       {LeaseRecord{1, 2, 0}, LeaseRecord{INT64_MAX, 9000000000, 5}, LeaseRecord{-7, -5, -1}}) {
    auto decoded = DecodeLeaseRecord(EncodeLeaseRecord(r));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, r);
  }
}

TEST(LeaseRecordTest, SkipsUnknownFields) {
  std::string v = EncodeLeaseRecord({5, 60, 0});
  v += std::string(
      "\x22\x03"
      "abc",
      5);  // field 4, bytes
  v += std::string(
      "\x29"
      "\x01\x02\x03\x04\x05\x06\x07\x08",
      9);  // field 5, fixed64
  v += std::string(
      "\x35"
      "\x01\x02\x03\x04",
      5);  // field 6, fixed32
  auto decoded = DecodeLeaseRecord(v);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, (LeaseRecord{5, 60, 0}));
}

TEST(LeaseRecordTest, RejectsMalformed) {
  for (const std::string& bad :
       {std::string("\x08", 1), std::string("\x08\x80", 2),
        std::string("\x22\x05"
                    "ab",
                    4),
        std::string("\x29\x01", 2), std::string("\x0b", 1), std::string("\x00\x01", 2)}) {
    auto decoded = DecodeLeaseRecord(bad);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss);
  }
}

}  // namespace
}  // namespace etcd::lease
