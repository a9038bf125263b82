#include "wal/file_names.h"

#include <gtest/gtest.h>

namespace etcd::wal {
namespace {

TEST(FileNamesTest, SegmentNames) {
  EXPECT_EQ(SegmentFileName(0, 0), "0000000000000000-0000000000000000.wal");
  EXPECT_EQ(SegmentFileName(0x1a, 0xff00), "000000000000001a-000000000000ff00.wal");
  uint64_t seq, index;
  ASSERT_TRUE(ParseSegmentFileName("000000000000001a-000000000000ff00.wal", &seq, &index));
  EXPECT_EQ(seq, 0x1au);
  EXPECT_EQ(index, 0xff00u);
  ASSERT_TRUE(ParseSegmentFileName(SegmentFileName(~0ull, ~0ull), &seq, &index));
  EXPECT_EQ(seq, ~0ull);
  EXPECT_EQ(index, ~0ull);
}

TEST(FileNamesTest, RejectsLookalikes) {
  uint64_t a, b;
  for (const char* bad :
       {"0000000000000000-0000000000000000.wal.tmp", "0000000000000000-0000000000000000.snap",
        "000000000000000-0000000000000000.wal", "0000000000000000_0000000000000000.wal",
        "000000000000000G-0000000000000000.wal", "000000000000000A-0000000000000000.wal", "LOCK",
        ""}) {
    EXPECT_FALSE(ParseSegmentFileName(bad, &a, &b)) << bad;
  }
  EXPECT_FALSE(ParseSnapFileName("0000000000000001-0000000000000002.snap.broken", &a, &b));
}

TEST(FileNamesTest, SnapNames) {
  EXPECT_EQ(SnapFileName(2, 0x10), "0000000000000002-0000000000000010.snap");
  uint64_t term, index;
  ASSERT_TRUE(ParseSnapFileName("0000000000000002-0000000000000010.snap", &term, &index));
  EXPECT_EQ(term, 2u);
  EXPECT_EQ(index, 16u);
}

TEST(FileNamesTest, JoinPath) {
  EXPECT_EQ(JoinPath("/a/b", "c"), "/a/b/c");
  EXPECT_EQ(JoinPath("/a/b/", "c"), "/a/b/c");
}

}  // namespace
}  // namespace etcd::wal
