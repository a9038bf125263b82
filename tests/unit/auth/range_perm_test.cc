#include "auth/range_perm.h"

#include <gtest/gtest.h>

namespace etcd::auth {
namespace {

const std::string kOpen(1, '\0');

TEST(KeyRangeSetTest, SingleKeyPermission) {
  KeyRangeSet s;
  s.AddPermission("foo", "");
  EXPECT_TRUE(s.Covers("foo", ""));
  EXPECT_FALSE(s.Covers("fo", ""));
  EXPECT_FALSE(s.Covers("foo0", ""));
  EXPECT_FALSE(s.Covers("foo", "fop"));  // the range holds more keys than "foo"
  EXPECT_TRUE(s.Covers("foo", KeySuccessor("foo")));
}

TEST(KeyRangeSetTest, RangeAndPrefix) {
  KeyRangeSet s;
  s.AddPermission("pub/", "pub0");
  EXPECT_TRUE(s.Covers("pub/x", ""));
  EXPECT_TRUE(s.Covers("pub/", "pub0"));
  EXPECT_TRUE(s.Covers("pub/a", "pub/b"));
  EXPECT_FALSE(s.Covers("pub/", "pub1"));
  EXPECT_FALSE(s.Covers("pub", "pub0"));
  EXPECT_FALSE(s.Covers("pub0", ""));
  EXPECT_FALSE(s.Covers("pub/", kOpen));
}

TEST(KeyRangeSetTest, OpenEnded) {
  KeyRangeSet s;
  s.AddPermission("a", kOpen);
  EXPECT_TRUE(s.Covers("a", kOpen));
  EXPECT_TRUE(s.Covers("zzz", ""));
  EXPECT_TRUE(s.Covers("b", "c"));
  EXPECT_FALSE(s.Covers("", kOpen));
  EXPECT_FALSE(s.Covers("0", ""));
}

TEST(KeyRangeSetTest, AdjacentAndOverlappingIntervalsMerge) {
  KeyRangeSet s;
  s.AddPermission("a", "c");
  s.AddPermission("c", "e");  // touches
  EXPECT_EQ(s.size(), 1u);
  EXPECT_TRUE(s.Covers("a", "e"));
  s.AddPermission("d", "g");  // overlaps
  s.AddPermission("x", "y");
  EXPECT_EQ(s.size(), 2u);
  EXPECT_TRUE(s.Covers("b", "g"));
  EXPECT_FALSE(s.Covers("b", "h"));
  EXPECT_FALSE(s.Covers("f", "y"));  // gap [g, x)
  s.AddPermission("", kOpen);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_TRUE(s.Covers("", kOpen));
}

TEST(KeyRangeSetTest, PartlyCoveredRangeIsRefused) {
  KeyRangeSet s;
  s.AddPermission("k1", "");
  s.AddPermission("k3", "");
  EXPECT_FALSE(s.Covers("k1", "k4"));
  EXPECT_TRUE(s.ContainsKey("k3"));
  EXPECT_FALSE(s.ContainsKey("k2"));
}

TEST(KeyRangeSetTest, EmptySetCoversNothing) {
  KeyRangeSet s;
  EXPECT_TRUE(s.empty());
  EXPECT_FALSE(s.Covers("a", ""));
  EXPECT_FALSE(s.Covers("", kOpen));
}

TEST(KeyRangeSetTest, InvertedRequestRangeChecksItsStartKey) {
  KeyRangeSet s;
  s.AddPermission("m", "");
  EXPECT_TRUE(s.Covers("m", "a"));
  EXPECT_FALSE(s.Covers("n", "a"));
}

TEST(MergePermissionsTest, ReadWriteSplit) {
  authpb::Role r1, r2;
  auto* p = r1.add_keypermission();
  p->set_permtype(authpb::Permission::READ);
  p->set_key("foo");
  p = r1.add_keypermission();
  p->set_permtype(authpb::Permission::READWRITE);
  p->set_key("pub/");
  p->set_range_end("pub0");
  p = r2.add_keypermission();
  p->set_permtype(authpb::Permission::WRITE);
  p->set_key("w");
  UnifiedPerms u = MergePermissions({&r1, &r2});
  EXPECT_TRUE(u.read.Covers("foo", ""));
  EXPECT_FALSE(u.write.Covers("foo", ""));
  EXPECT_TRUE(u.read.Covers("pub/x", ""));
  EXPECT_TRUE(u.write.Covers("pub/x", ""));
  EXPECT_TRUE(u.write.Covers("w", ""));
  EXPECT_FALSE(u.read.Covers("w", ""));
}

}  // namespace
}  // namespace etcd::auth
