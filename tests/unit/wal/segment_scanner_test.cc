#include "wal/segment_scanner.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace etcd::wal {
namespace {

constexpr char kPath[] = "/wal/0000000000000002-0000000000000010.wal";

struct Built {
  std::string data;
  std::vector<size_t> offsets;  // of each record after the header
  uint32_t salt = 0;
  uint32_t digest = 0;
};

Built Build(int entries, const SegmentHeader& h = SegmentHeader{2, 16, 7, 0}) {
  Built b;
  AppendSegmentHeaderRecord(&b.data, h);
  b.salt = SaltOf(h);
  b.digest = b.salt;
  b.offsets.push_back(b.data.size());
  b.digest = FoldDigest(b.digest, AppendRecord(&b.data, b.salt, RecordType::kMetadata, "m"));
  for (int i = 0; i < entries; ++i) {
    raftpb::Entry e;
    e.set_term(1);
    e.set_index(16 + i);
    e.set_data("entry-" + std::to_string(i));
    b.offsets.push_back(b.data.size());
    b.digest = FoldDigest(b.digest, AppendEntryRecord(&b.data, b.salt, e));
  }
  return b;
}

ScanOptions Opts(bool is_last) { return ScanOptions{2, 16, is_last, std::nullopt}; }

absl::StatusOr<SegmentScan> Scan(std::string_view data, const ScanOptions& o,
                                 int* count = nullptr) {
  int n = 0;
  auto r = ScanSegment(data, kPath, o, [&](const RecordView&, uint64_t) {
    ++n;
    return absl::OkStatus();
  });
  if (count != nullptr) *count = n;
  return r;
}

TEST(SegmentScannerTest, ValidSegment) {
  Built b = Build(5);
  int n = 0;
  auto scan = Scan(b.data, Opts(false), &n);
  ASSERT_TRUE(scan.ok()) << scan.status();
  EXPECT_TRUE(scan->header_valid);
  EXPECT_FALSE(scan->torn);
  EXPECT_EQ(scan->valid_end, b.data.size());
  EXPECT_EQ(scan->salt, b.salt);
  EXPECT_EQ(scan->digest, b.digest);
  EXPECT_EQ(n, 6);
}

TEST(SegmentScannerTest, HeaderMustMatchTheFileName) {
  Built b = Build(1);
  auto scan = Scan(b.data, ScanOptions{3, 16, true, std::nullopt});
  EXPECT_EQ(scan.status().code(), absl::StatusCode::kDataLoss);
}

TEST(SegmentScannerTest, ExpectedSaltMismatchIsDataLoss) {
  Built b = Build(1);
  auto scan = Scan(b.data, ScanOptions{2, 16, true, b.salt + 1});
  EXPECT_EQ(scan.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(scan.status().message().find("digest chain"), std::string::npos);
}

TEST(SegmentScannerTest, TruncatedLastSegmentIsTorn) {
  Built b = Build(3);
  size_t last = b.offsets.back();
  for (size_t cut = last; cut < b.data.size(); ++cut) {
    auto scan = Scan(std::string_view(b.data.data(), cut), Opts(true));
    ASSERT_TRUE(scan.ok()) << cut << ": " << scan.status();
    EXPECT_EQ(scan->torn, cut > last) << cut;
    EXPECT_EQ(scan->valid_end, last);
  }
}

TEST(SegmentScannerTest, TruncatedNonLastSegmentIsDataLoss) {
  Built b = Build(3);
  auto scan = Scan(std::string_view(b.data.data(), b.data.size() - 1), Opts(false));
  EXPECT_EQ(scan.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(scan.status().message().find(kPath), std::string::npos);
}

TEST(SegmentScannerTest, MidSegmentCorruptionIsDataLossWithOffset) {
  Built b = Build(4);
  size_t victim = b.offsets[2];
  std::string bad = b.data;
  bad[victim + kRecordHeaderSize + 3] ^= 0x40;
  auto scan = Scan(bad, Opts(true));
  ASSERT_EQ(scan.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(scan.status().message().find(kPath), std::string::npos);
  EXPECT_NE(scan.status().message().find("offset " + std::to_string(victim)), std::string::npos)
      << scan.status();
}

TEST(SegmentScannerTest, CorruptLengthFieldIsStillCaught) {
  Built b = Build(4);
  std::string bad = b.data;
  bad[b.offsets[1] + 7] = 0x10;  // a huge length
  EXPECT_EQ(Scan(bad, Opts(true)).status().code(), absl::StatusCode::kDataLoss);
}

TEST(SegmentScannerTest, ZeroAndGarbageTailsAreTorn) {
  Built b = Build(2);
  std::string zeros = b.data + std::string(4096, '\0');
  auto scan = Scan(zeros, Opts(true));
  ASSERT_TRUE(scan.ok()) << scan.status();
  EXPECT_TRUE(scan->torn);
  EXPECT_TRUE(scan->zero_tail);  // what a preallocated segment looks like
  EXPECT_EQ(scan->valid_end, b.data.size());

  std::string garbage = b.data;
  uint32_t x = 12345;
  for (int i = 0; i < 4096; ++i) {
    x = x * 1103515245u + 12345u;
    garbage.push_back(static_cast<char>(x >> 16));
  }
  scan = Scan(garbage, Opts(true));
  ASSERT_TRUE(scan.ok()) << scan.status();
  EXPECT_TRUE(scan->torn);
  EXPECT_FALSE(scan->zero_tail);

  // Zeros after a partial record are a torn tail, not a clean zero tail.
  std::string half = b.data + std::string("\x01\x02\x03", 3) + std::string(4096, '\0');
  scan = Scan(half, Opts(true));
  ASSERT_TRUE(scan.ok()) << scan.status();
  EXPECT_TRUE(scan->torn);
  EXPECT_FALSE(scan->zero_tail);
  EXPECT_EQ(scan->valid_end, b.data.size());

  // Zeros in a segment that is not the last one are corruption.
  EXPECT_EQ(Scan(zeros, Opts(false)).status().code(), absl::StatusCode::kDataLoss);
}

TEST(SegmentScannerTest, StaleRecordsFromAnotherSegmentAreNotValid) {
  Built b = Build(2);
  Built other = Build(5, SegmentHeader{2, 16, 8, 0});  // same name, other nonce
  std::string data = b.data + other.data.substr(other.offsets[1]);
  auto scan = Scan(data, Opts(true));
  ASSERT_TRUE(scan.ok()) << scan.status();
  EXPECT_TRUE(scan->torn);
  EXPECT_EQ(scan->valid_end, b.data.size());
}

TEST(SegmentScannerTest, DamagedHeader) {
  Built b = Build(2);
  // Empty or partial header in the last segment, nothing known to compare with: torn.
  for (size_t cut : {size_t{0}, size_t{5}, kRecordHeaderSize + 10}) {
    auto scan = Scan(std::string_view(b.data.data(), cut), Opts(true));
    ASSERT_TRUE(scan.ok()) << cut;
    EXPECT_FALSE(scan->header_valid);
  }
  std::string bad = b.data;
  bad[14] ^= 1;
  // Full-size segment with a damaged header and no expected salt: refuse.
  EXPECT_EQ(Scan(bad, Opts(true)).status().code(), absl::StatusCode::kDataLoss);
  // With the expected salt, the valid records behind it prove corruption.
  EXPECT_EQ(Scan(bad, ScanOptions{2, 16, true, b.salt}).status().code(),
            absl::StatusCode::kDataLoss);
  // Not the last segment: always corruption.
  EXPECT_EQ(Scan(std::string_view(b.data.data(), 5), Opts(false)).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(SegmentScannerTest, UnsupportedVersionIsFailedPrecondition) {
  SegmentHeader h{2, 16, 7, 0};
  std::string payload;
  std::string rec;
  AppendSegmentHeaderRecord(&rec, h);
  std::string body = rec.substr(kRecordHeaderSize);
  body[4] = 9;  // version 9
  std::string data;
  AppendRecord(&data, 0, RecordType::kSegmentHeader, body);
  auto scan = Scan(data, Opts(true));
  EXPECT_EQ(scan.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(scan.status().message().find("version 9"), std::string::npos) << scan.status();
}

TEST(SegmentScannerTest, VisitorErrorStopsTheScan) {
  Built b = Build(3);
  int n = 0;
  auto scan = ScanSegment(b.data, kPath, Opts(false), [&](const RecordView&, uint64_t) {
    return ++n == 2 ? absl::InternalError("stop") : absl::OkStatus();
  });
  EXPECT_EQ(scan.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(n, 2);
}

TEST(SegmentScannerTest, FindValidRecord) {
  Built b = Build(3);
  EXPECT_EQ(FindValidRecord(b.data, 0, b.salt), b.offsets[0]);
  EXPECT_EQ(FindValidRecord(b.data, b.offsets[1] + 1, b.salt), b.offsets[2]);
  EXPECT_EQ(FindValidRecord(b.data, b.offsets.back() + 1, b.salt), std::string_view::npos);
  EXPECT_EQ(FindValidRecord(b.data, 0, b.salt ^ 1), std::string_view::npos);
}

}  // namespace
}  // namespace etcd::wal
