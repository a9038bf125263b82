#include "mvcc/revision.h"

#include <gtest/gtest.h>

#include <string>

namespace etcd::mvcc {
namespace {

TEST(RevisionTest, EncodingIsBigEndianMainUnderscoreSub) {
  std::string enc = EncodeRevision(Revision{0x0102, 0x03});
  ASSERT_EQ(enc.size(), kRevisionBytes);
  EXPECT_EQ(enc, std::string("\0\0\0\0\0\0\x01\x02_\0\0\0\0\0\0\0\x03", 17));
  std::string tomb = EncodeRevision(Revision{5, 1}, /*tombstone=*/true);
  ASSERT_EQ(tomb.size(), kTombstoneRevisionBytes);
  EXPECT_EQ(tomb.back(), 't');
  EXPECT_EQ(tomb.substr(0, 17), EncodeRevision(Revision{5, 1}));
}

TEST(RevisionTest, RoundTrip) {
  for (bool t : {false, true}) {
    Revision r;
    bool tomb = !t;
    ASSERT_TRUE(DecodeRevision(EncodeRevision(Revision{123456789, 42}, t), &r, &tomb));
    EXPECT_EQ(r, (Revision{123456789, 42}));
    EXPECT_EQ(tomb, t);
  }
}

TEST(RevisionTest, RejectsMalformed) {
  Revision r;
  bool t;
  EXPECT_FALSE(DecodeRevision("short", &r, &t));
  std::string bad = EncodeRevision(Revision{1, 2});
  bad[8] = '-';
  EXPECT_FALSE(DecodeRevision(bad, &r, &t));
  std::string bad_mark = EncodeRevision(Revision{1, 2}) + "x";
  EXPECT_FALSE(DecodeRevision(bad_mark, &r, &t));
}

TEST(RevisionTest, ByteOrderIsRevisionOrder) {
  const Revision revs[] = {{1, 0}, {1, 1}, {1, 255}, {2, 0}, {256, 0}, {256, 3}, {1 << 20, 0}};
  for (size_t i = 1; i < std::size(revs); ++i) {
    EXPECT_LT(revs[i - 1], revs[i]);
    EXPECT_LT(EncodeRevision(revs[i - 1], true), EncodeRevision(revs[i]));
    EXPECT_LT(EncodeRevision(revs[i - 1]), EncodeRevision(revs[i], true));
  }
  EXPECT_EQ(RevisionFloor(7), EncodeRevision(Revision{7, 0}));
}

}  // namespace
}  // namespace etcd::mvcc
