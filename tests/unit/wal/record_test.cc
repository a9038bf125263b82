#include "wal/record.h"

#include <gtest/gtest.h>

#include <string>

namespace etcd::wal {
namespace {

raftpb::Entry MakeEntry(uint64_t term, uint64_t index, std::string data) {
  raftpb::Entry e;
  e.set_term(term);
  e.set_index(index);
  e.set_data(std::move(data));
  return e;
}

TEST(RecordTest, EntryRoundTrip) {
  std::string buf;
  raftpb::Entry e = MakeEntry(3, 17, std::string("pay\0load", 8));
  e.set_type(raftpb::ENTRY_CONF_CHANGE);
  uint32_t crc = AppendEntryRecord(&buf, 0xabcd, e);
  ASSERT_EQ(buf.size(), kRecordHeaderSize + kEntryFixedSize + 8);
  RecordView rec;
  ASSERT_EQ(ParseRecord(buf, 0, 0xabcd, &rec), ParseResult::kOk);
  EXPECT_EQ(rec.type, RecordType::kEntry);
  EXPECT_EQ(rec.crc, crc);
  EXPECT_EQ(rec.size, buf.size());
  raftpb::Entry got;
  ASSERT_TRUE(DecodeEntry(rec.payload, &got));
  EXPECT_EQ(got.term(), 3u);
  EXPECT_EQ(got.index(), 17u);
  EXPECT_EQ(got.type(), raftpb::ENTRY_CONF_CHANGE);
  EXPECT_EQ(got.data(), e.data());
}

TEST(RecordTest, LayoutIsLittleEndianWithZeroPadding) {
  std::string buf;
  AppendSnapshotRecord(&buf, 0, 0x0102, 0x03);
  ASSERT_EQ(buf.size(), kRecordHeaderSize + kSnapshotMarkerSize);
  EXPECT_EQ(DecodeFixed32(buf.data() + 4), kSnapshotMarkerSize);
  EXPECT_EQ(buf[8], static_cast<char>(RecordType::kSnapshot));
  EXPECT_EQ(buf.substr(9, 3), std::string(3, '\0'));
  EXPECT_EQ(static_cast<uint8_t>(buf[12]), 0x02);
  EXPECT_EQ(static_cast<uint8_t>(buf[13]), 0x01);
}

TEST(RecordTest, HardStateAndSnapshotRoundTrip) {
  std::string buf;
  raftpb::HardState hs;
  hs.set_term(5);
  hs.set_vote(2);
  hs.set_commit(99);
  AppendHardStateRecord(&buf, 7, hs);
  size_t first = buf.size();
  AppendSnapshotRecord(&buf, 7, 40, 4);
  RecordView rec;
  ASSERT_EQ(ParseRecord(buf, 0, 7, &rec), ParseResult::kOk);
  raftpb::HardState got;
  ASSERT_TRUE(DecodeHardState(rec.payload, &got));
  EXPECT_EQ(got.term(), 5u);
  EXPECT_EQ(got.vote(), 2u);
  EXPECT_EQ(got.commit(), 99u);
  ASSERT_EQ(ParseRecord(buf, first, 7, &rec), ParseResult::kOk);
  uint64_t index, term;
  ASSERT_TRUE(DecodeSnapshotMarker(rec.payload, &index, &term));
  EXPECT_EQ(index, 40u);
  EXPECT_EQ(term, 4u);
}

TEST(RecordTest, WrongSeedFailsCrc) {
  std::string buf;
  AppendRecord(&buf, 1, RecordType::kMetadata, "meta");
  RecordView rec;
  EXPECT_EQ(ParseRecord(buf, 0, 2, &rec), ParseResult::kBadCrc);
}

TEST(RecordTest, EveryFlippedBitIsDetected) {
  std::string good;
  AppendRecord(&good, 9, RecordType::kMetadata, "some metadata bytes");
  for (size_t i = 0; i < good.size() * 8; ++i) {
    std::string bad = good;
    bad[i / 8] = static_cast<char>(bad[i / 8] ^ (1 << (i % 8)));
    RecordView rec;
    EXPECT_NE(ParseRecord(bad, 0, 9, &rec), ParseResult::kOk) << "bit " << i;
  }
}

TEST(RecordTest, TruncationAndBadHeaders) {
  std::string buf;
  AppendRecord(&buf, 0, RecordType::kMetadata, "abcdef");
  RecordView rec;
  for (size_t n = 0; n < buf.size(); ++n) {
    EXPECT_EQ(ParseRecord(std::string_view(buf.data(), n), 0, 0, &rec), ParseResult::kTruncated)
        << n;
  }
  std::string zeros(64, '\0');
  EXPECT_EQ(ParseRecord(zeros, 0, 0, &rec), ParseResult::kBadHeader);
  std::string pad = buf;
  pad[10] = 1;
  EXPECT_EQ(ParseRecord(pad, 0, 0, &rec), ParseResult::kBadHeader);
  std::string type = buf;
  type[8] = 99;
  EXPECT_EQ(ParseRecord(type, 0, 0, &rec), ParseResult::kBadHeader);
}

TEST(RecordTest, MalformedPayloadsAreRejected) {
  raftpb::Entry e;
  raftpb::HardState hs;
  uint64_t a, b;
  EXPECT_FALSE(DecodeEntry(std::string(kEntryFixedSize - 1, 'x'), &e));
  EXPECT_FALSE(DecodeHardState(std::string(kHardStateSize + 1, 'x'), &hs));
  EXPECT_FALSE(DecodeSnapshotMarker(std::string(3, 'x'), &a, &b));
}

TEST(RecordTest, SegmentHeaderRoundTripAndVersionCheck) {
  SegmentHeader h{3, 120, 0xfeed, 0xdead};
  std::string buf;
  AppendSegmentHeaderRecord(&buf, h);
  RecordView rec;
  ASSERT_EQ(ParseRecord(buf, 0, 0, &rec), ParseResult::kOk);
  absl::StatusOr<SegmentHeader> got = DecodeSegmentHeader(rec.payload);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->seq, 3u);
  EXPECT_EQ(got->first_index, 120u);
  EXPECT_EQ(got->nonce, 0xfeedu);
  EXPECT_EQ(got->prev_digest, 0xdeadu);

  std::string v2(rec.payload);
  v2[4] = 2;
  EXPECT_EQ(DecodeSegmentHeader(v2).status().code(), absl::StatusCode::kFailedPrecondition);
  std::string magic(rec.payload);
  magic[0] = 'X';
  EXPECT_EQ(DecodeSegmentHeader(magic).status().code(), absl::StatusCode::kDataLoss);
}

TEST(RecordTest, SaltDependsOnEveryHeaderField) {
  SegmentHeader base{1, 2, 3, 4};
  uint32_t salt = SaltOf(base);
  SegmentHeader h = base;
  h.seq = 9;
  EXPECT_NE(SaltOf(h), salt);
  h = base;
  h.first_index = 9;
  EXPECT_NE(SaltOf(h), salt);
  h = base;
  h.nonce = 9;
  EXPECT_NE(SaltOf(h), salt);
  h = base;
  h.prev_digest = 9;
  EXPECT_NE(SaltOf(h), salt);
}

}  // namespace
}  // namespace etcd::wal
