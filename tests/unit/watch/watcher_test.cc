#include "watch/watcher.h"

#include <string>

#include "gtest/gtest.h"

namespace etcd::mvcc {
namespace {

const std::string kZero(1, '\0');

TEST(KeyRangeTest, SingleKey) {
  KeyRange r = KeyRange::FromRequest("a", "");
  EXPECT_EQ(r.kind, KeyRange::Kind::kSingle);
  EXPECT_TRUE(r.Contains("a"));
  EXPECT_FALSE(r.Contains("ab"));
  EXPECT_FALSE(r.Empty());
}

TEST(KeyRangeTest, EmptyKeyMeansZeroByte) {
  KeyRange r = KeyRange::FromRequest("", "");
  EXPECT_EQ(r.key, kZero);
  EXPECT_TRUE(r.Contains(kZero));
  KeyRange all = KeyRange::FromRequest("", kZero);
  EXPECT_EQ(all.kind, KeyRange::Kind::kFromKey);
  EXPECT_TRUE(all.Contains("a"));
  EXPECT_TRUE(all.Contains(kZero));
}

TEST(KeyRangeTest, HalfOpenRangeAndPrefix) {
  KeyRange r = KeyRange::FromRequest("b", "c");
  EXPECT_EQ(r.kind, KeyRange::Kind::kRange);
  EXPECT_TRUE(r.Contains("b"));
  EXPECT_TRUE(r.Contains("b\xff\xff"));
  EXPECT_FALSE(r.Contains("c"));
  EXPECT_FALSE(r.Contains("a"));
}

TEST(KeyRangeTest, FromKey) {
  KeyRange r = KeyRange::FromRequest("m", kZero);
  EXPECT_TRUE(r.Contains("m"));
  EXPECT_TRUE(r.Contains("zzz"));
  EXPECT_FALSE(r.Contains("l"));
  EXPECT_FALSE(r.Empty());
}

TEST(KeyRangeTest, EmptyRanges) {
  EXPECT_TRUE(KeyRange::FromRequest("b", "a").Empty());
  EXPECT_TRUE(KeyRange::FromRequest("b", "b").Empty());
  EXPECT_FALSE(KeyRange::FromRequest("a", "b").Empty());
  // range_end "\0" is "from key", never empty; "\0\0" is a real end below most keys.
  EXPECT_TRUE(KeyRange::FromRequest("a", std::string(2, '\0')).Empty());
}

TEST(WatcherTest, Filters) {
  Watcher w;
  mvccpb::Event put, del;
  del.set_type(mvccpb::Event::DELETE);
  EXPECT_TRUE(w.Wants(put));
  EXPECT_TRUE(w.Wants(del));
  w.no_put = true;
  EXPECT_FALSE(w.Wants(put));
  EXPECT_TRUE(w.Wants(del));
  w.no_put = false;
  w.no_delete = true;
  EXPECT_TRUE(w.Wants(put));
  EXPECT_FALSE(w.Wants(del));
}

}  // namespace
}  // namespace etcd::mvcc
