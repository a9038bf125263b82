#include "mvcc/key_index.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace etcd::mvcc {
namespace {

Revision R(int64_t main, int64_t sub = 0) { return Revision{main, sub}; }

std::vector<std::string> Live(const KeyIndex& idx, const std::string& k, const std::string& end,
                              int64_t at) {
  std::vector<std::string> out;
  idx.Range(k, end, at, [&](const std::string& key, const KeyIndex::Found&) {
    out.push_back(key);
    return true;
  });
  return out;
}

// foo: put 2, put 3, del 4, put 5, put 6, del 7, put 8
KeyIndex Sample() {
  KeyIndex idx;
  idx.Put("foo", R(2), 0);
  idx.Put("foo", R(3), 0);
  EXPECT_TRUE(idx.Tombstone("foo", R(4)));
  idx.Put("foo", R(5), 0);
  idx.Put("foo", R(6), 0);
  EXPECT_TRUE(idx.Tombstone("foo", R(7)));
  idx.Put("foo", R(8), 0);
  return idx;
}

TEST(KeyIndexTest, GetAcrossGenerations) {
  KeyIndex idx = Sample();
  EXPECT_FALSE(idx.Get("foo", 1).has_value());
  struct Case {
    int64_t at;
    bool live;
    int64_t mod, created, version;
  };
  const Case cases[] = {
      {2, true, 2, 2, 1}, {3, true, 3, 2, 2}, {4, false, 0, 0, 0}, {5, true, 5, 5, 1},
      {6, true, 6, 5, 2}, {7, false, 0, 0, 0}, {8, true, 8, 8, 1}, {100, true, 8, 8, 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.at);
    auto f = idx.Get("foo", c.at);
    ASSERT_EQ(f.has_value(), c.live);
    if (!c.live) continue;
    EXPECT_EQ(f->modified.main, c.mod);
    EXPECT_EQ(f->created.main, c.created);
    EXPECT_EQ(f->version, c.version);
  }
  EXPECT_FALSE(idx.Get("bar", 100).has_value());
}

TEST(KeyIndexTest, TombstoneOfDeadKeyFails) {
  KeyIndex idx;
  EXPECT_FALSE(idx.Tombstone("x", R(2)));
  idx.Put("x", R(2), 0);
  EXPECT_TRUE(idx.Tombstone("x", R(3)));
  EXPECT_FALSE(idx.Tombstone("x", R(4)));
}

TEST(KeyIndexTest, RangeAndCount) {
  KeyIndex idx;
  idx.Put("a", R(2), 0);
  idx.Put("b", R(3), 0);
  idx.Put("c", R(4), 0);
  idx.Tombstone("b", R(5));
  EXPECT_EQ(Live(idx, "a", "z", 5), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(Live(idx, "a", "z", 4), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Live(idx, "a", "z", 2), (std::vector<std::string>{"a"}));
  EXPECT_EQ(Live(idx, "b", "", 4), (std::vector<std::string>{"b"}));
  EXPECT_EQ(Live(idx, "b", std::string(1, '\0'), 4), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(idx.Count("a", "z", 4), 3);
  EXPECT_EQ(idx.Count("a", "z", 5), 2);
}

TEST(KeyIndexTest, Before) {
  KeyIndex idx = Sample();
  EXPECT_FALSE(idx.Before("foo", R(2)).has_value());  // creation
  EXPECT_EQ(idx.Before("foo", R(3)), R(2));
  EXPECT_EQ(idx.Before("foo", R(4)), R(3));           // tombstone -> deleted version
  EXPECT_FALSE(idx.Before("foo", R(5)).has_value());  // recreation
  EXPECT_EQ(idx.Before("foo", R(7)), R(6));
  EXPECT_FALSE(idx.Before("foo", R(9)).has_value());  // not indexed
}

TEST(KeyIndexTest, CompactTable) {
  struct Case {
    int64_t at;
    KeepSet keep;
    // Expected live state after compaction at each later revision.
    std::vector<std::pair<int64_t, bool>> live_after;
  };
  const Case cases[] = {
      {1, {}, {{2, true}, {4, false}, {8, true}}},
      {2, {R(2)}, {{2, true}, {3, true}, {4, false}}},
      {3, {R(3)}, {{3, true}, {4, false}, {6, true}}},
      {4, {}, {{4, false}, {5, true}}},   // tombstone at 4: generation dropped
      {5, {R(5)}, {{5, true}, {7, false}}},
      {6, {R(6)}, {{6, true}, {8, true}}},
      {7, {}, {{7, false}, {8, true}}},
      {8, {R(8)}, {{8, true}}},
      {20, {R(8)}, {{20, true}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.at);
    KeyIndex idx = Sample();
    EXPECT_EQ(idx.Keep(c.at), c.keep);
    EXPECT_EQ(idx.Compact(c.at), c.keep);
    for (auto [at, live] : c.live_after) EXPECT_EQ(idx.Get("foo", at).has_value(), live) << at;
    EXPECT_EQ(idx.size(), 1u);
    // Compacting again at the same revision keeps the same set.
    EXPECT_EQ(idx.Keep(c.at), c.keep);
  }
}

TEST(KeyIndexTest, CompactRemovesDeadKeys) {
  KeyIndex idx;
  idx.Put("a", R(2), 0);
  idx.Tombstone("a", R(3));
  idx.Put("b", R(4), 0);
  EXPECT_EQ(idx.Compact(3), KeepSet{});
  EXPECT_EQ(idx.size(), 1u);  // "a" is gone entirely
  EXPECT_EQ(idx.Compact(4), KeepSet{R(4)});
  EXPECT_EQ(idx.size(), 1u);
}

TEST(KeyIndexTest, VersionSurvivesCompaction) {
  KeyIndex idx;
  for (int64_t r = 2; r <= 6; ++r) idx.Put("a", R(r), 0);
  idx.Compact(5);
  auto f = idx.Get("a", 6);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->version, 5);
  EXPECT_EQ(f->created.main, 2);
  EXPECT_EQ(idx.Get("a", 5)->version, 4);
}

TEST(KeyIndexTest, RestoreUsesStoredCreateAndVersion) {
  KeyIndex idx;
  idx.Restore("a", R(2), R(5), 4, 7);  // kept revision after a compaction
  idx.Restore("a", R(2), R(6), 5, 7);
  auto f = idx.Get("a", 6);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->created.main, 2);
  EXPECT_EQ(f->version, 5);
  std::vector<std::pair<std::string, int64_t>> leased;
  idx.ForEachLeasedKey([&](const std::string& k, int64_t l) { leased.emplace_back(k, l); });
  EXPECT_EQ(leased, (std::vector<std::pair<std::string, int64_t>>{{"a", 7}}));
  idx.Tombstone("a", R(7));
  leased.clear();
  idx.ForEachLeasedKey([&](const std::string& k, int64_t l) { leased.emplace_back(k, l); });
  EXPECT_TRUE(leased.empty());
}

}  // namespace
}  // namespace etcd::mvcc
