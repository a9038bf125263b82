#include "mvcc/key_index.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace etcd::mvcc {
namespace {

Revision R(int64_t main, int64_t sub = 0) { return Revision{main, sub}; }

std::vector<std::string> Live(const KeyIndex& idx, const std::string& k, const std::string& end,
                              int64_t at) {
  std::vector<std::string> out;
  idx.Range(k, end, at, [&](std::string_view key, const KeyIndex::Found&) {
    out.emplace_back(key);
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
      {2, true, 2, 2, 1}, {3, true, 3, 2, 2},  {4, false, 0, 0, 0}, {5, true, 5, 5, 1},
      {6, true, 6, 5, 2}, {7, false, 0, 0, 0}, {8, true, 8, 8, 1},  {100, true, 8, 8, 1},
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

TEST(KeyIndexTest, LatestIsTheNewestLiveRevisionWithItsLease) {
  KeyIndex idx;
  int64_t lease = -1;
  EXPECT_FALSE(idx.Latest("k", &lease).has_value());
  idx.Put("k", R(2, 3), 7);  // a simple node with a lease
  auto f = idx.Latest("k", &lease);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->modified, R(2, 3));
  EXPECT_EQ(f->created.main, 2);
  EXPECT_EQ(f->version, 1);
  EXPECT_EQ(lease, 7);
  idx.Put("k", R(4), 0);  // now a general node
  f = idx.Latest("k", &lease);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->modified, R(4));
  EXPECT_EQ(f->created.main, 2);
  EXPECT_EQ(f->version, 2);
  EXPECT_EQ(lease, 0);
  idx.Put("k", R(5), 9);
  f = idx.Latest("k", &lease);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(lease, 9);
  ASSERT_TRUE(idx.Tombstone("k", R(6)));
  EXPECT_FALSE(idx.Latest("k", &lease).has_value());
  idx.Put("k", R(8), 0);
  f = idx.Latest("k", &lease);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->modified, R(8));
  EXPECT_EQ(f->created.main, 8);
  EXPECT_EQ(f->version, 1);
  EXPECT_EQ(lease, 0);
  idx.Compact(8);
  f = idx.Latest("k", &lease);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->modified, R(8));
  // Latest agrees with Get above every indexed revision, whatever the history.
  KeyIndex s = Sample();
  for (int64_t at : {8, 9, 100}) {
    auto g = s.Get("foo", at);
    auto l = s.Latest("foo", &lease);
    ASSERT_TRUE(g.has_value() && l.has_value());
    EXPECT_EQ(g->modified, l->modified);
    EXPECT_EQ(g->created.main, l->created.main);
    EXPECT_EQ(g->version, l->version);
  }
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
      {4, {}, {{4, false}, {5, true}}},  // tombstone at 4: generation dropped
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
  idx.ForEachLeasedKey([&](std::string_view k, int64_t l) { leased.emplace_back(k, l); });
  EXPECT_EQ(leased, (std::vector<std::pair<std::string, int64_t>>{{"a", 7}}));
  idx.Tombstone("a", R(7));
  leased.clear();
  idx.ForEachLeasedKey([&](std::string_view k, int64_t l) { leased.emplace_back(k, l); });
  EXPECT_TRUE(leased.empty());
}

// Keys whose first 8 bytes tie (the index compares an 8-byte prefix first), with
// embedded NULs and the empty key, come back in byte order.
TEST(KeyIndexTest, OrderWithSharedPrefixes) {
  const std::vector<std::string> sorted = {
      std::string(),
      std::string("a"),
      std::string("a\0", 2),
      std::string("a\0b", 3),
      std::string("abcdefgh"),
      std::string("abcdefgh\0", 9),
      std::string("abcdefghA"),
      std::string("abcdefghB"),
      std::string("abcdefghBx"),
      std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff", 9),
  };
  KeyIndex idx;
  int64_t rev = 2;
  for (size_t i = sorted.size(); i-- > 0;) idx.Put(sorted[i], R(rev++), 0);
  EXPECT_EQ(Live(idx, "", std::string(1, '\0'), rev), sorted);
  for (const std::string& k : sorted) {
    SCOPED_TRACE(k);
    EXPECT_TRUE(idx.Get(k, rev).has_value());
    EXPECT_EQ(Live(idx, k, "", rev), std::vector<std::string>{k});
  }
  EXPECT_FALSE(idx.Get("abcdefg", rev).has_value());
  EXPECT_FALSE(idx.Get(std::string("a\0\0", 3), rev).has_value());
  EXPECT_EQ(Live(idx, "abcdefgh", "abcdefghB", rev),
            (std::vector<std::string>{"abcdefgh", std::string("abcdefgh\0", 9), "abcdefghA"}));
  EXPECT_EQ(idx.Count("a", "abcdefghBx", rev), 7);
}

// A key with a single put and a lease, and one whose sub does not fit the compact node.
TEST(KeyIndexTest, SingleRevisionKeys) {
  KeyIndex idx;
  idx.Put("leased", R(2, 3), 42);
  idx.Put("big-sub", R(3, int64_t{1} << 40), 0);
  auto f = idx.Get("leased", 2);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->modified, R(2, 3));
  EXPECT_EQ(f->created.main, 2);
  EXPECT_EQ(f->version, 1);
  EXPECT_FALSE(idx.Get("leased", 1).has_value());
  f = idx.Get("big-sub", 3);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->modified, R(3, int64_t{1} << 40));
  std::vector<std::pair<std::string, int64_t>> leased;
  idx.ForEachLeasedKey([&](std::string_view k, int64_t l) { leased.emplace_back(k, l); });
  EXPECT_EQ(leased, (std::vector<std::pair<std::string, int64_t>>{{"leased", 42}}));
  // A second put (no lease) turns it into a full history.
  idx.Put("leased", R(4), 0);
  EXPECT_EQ(idx.Get("leased", 4)->version, 2);
  EXPECT_EQ(idx.Get("leased", 4)->created.main, 2);
  EXPECT_EQ(idx.Before("leased", R(4)), R(2, 3));
  leased.clear();
  idx.ForEachLeasedKey([&](std::string_view k, int64_t l) { leased.emplace_back(k, l); });
  EXPECT_TRUE(leased.empty());
  // Restore of a single creating put, then moving the index.
  KeyIndex restored;
  restored.Restore("r", R(5), R(5, 1), 1, 9);
  KeyIndex moved = std::move(restored);
  EXPECT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved.Get("r", 5)->modified, R(5, 1));
  EXPECT_EQ(moved.Keep(5), KeepSet{R(5, 1)});
  EXPECT_EQ(moved.Compact(4), KeepSet{});
  EXPECT_EQ(moved.Compact(6), KeepSet{R(5, 1)});
  EXPECT_EQ(moved.size(), 1u);
}

// A model of the index: every change of every key, never compacted.
struct Model {
  struct Change {
    Revision rev;
    bool tombstone;
    int64_t created;
    int64_t version;
  };
  std::map<std::string, std::vector<Change>> keys;

  bool Live(const std::string& k) const {
    auto it = keys.find(k);
    return it != keys.end() && !it->second.empty() && !it->second.back().tombstone;
  }
  std::optional<KeyIndex::Found> Get(const std::string& k, int64_t at) const {
    auto it = keys.find(k);
    if (it == keys.end()) return std::nullopt;
    const Change* last = nullptr;
    for (const Change& c : it->second) {
      if (c.rev.main <= at) last = &c;
    }
    if (last == nullptr || last->tombstone) return std::nullopt;
    return KeyIndex::Found{last->rev, Revision{last->created, 0}, last->version};
  }
};

// Random puts, deletes, restores-by-replay and compactions against the model.
TEST(KeyIndexTest, MatchesModel) {
  std::mt19937_64 rng(7);
  const std::vector<std::string> keys = {"",          "a",        std::string("a\0", 2),
                                         "ab",        "abcdefgh", "abcdefghi",
                                         "abcdefghj", "b",        "zzzzzzzzzz"};
  for (int round = 0; round < 20; ++round) {
    KeyIndex idx;
    Model model;
    int64_t rev = 1;
    int64_t compacted = 0;
    for (int step = 0; step < 200; ++step) {
      ++rev;
      const int64_t subs = 1 + static_cast<int64_t>(rng() % 3);
      bool wrote = false;
      for (int64_t sub = 0; sub < subs; ++sub) {
        const std::string& k = keys[rng() % keys.size()];
        auto& changes = model.keys[k];
        if (rng() % 4 == 0) {
          const bool live = model.Live(k);
          EXPECT_EQ(idx.Tombstone(k, R(rev, sub)), live);
          if (live) changes.push_back({R(rev, sub), true, 0, 0});
          wrote = wrote || live;
          if (changes.empty()) model.keys.erase(k);
        } else {
          const bool live = model.Live(k);
          const int64_t created = live ? changes.back().created : rev;
          const int64_t version = live ? changes.back().version + 1 : 1;
          idx.Put(k, R(rev, sub), static_cast<int64_t>(rng() % 2));
          changes.push_back({R(rev, sub), false, created, version});
          wrote = true;
        }
        // At most one change per key per revision, as in the store.
        if (wrote) break;
      }
      if (!wrote) --rev;
      if (rng() % 25 == 0 && rev > compacted + 1) {
        const int64_t at = compacted + 1 + static_cast<int64_t>(rng() % (rev - compacted));
        KeepSet want;
        for (const auto& [k, changes] : model.keys) {
          const Model::Change* last = nullptr;
          for (const auto& c : changes) {
            if (c.rev.main <= at) last = &c;
          }
          if (last != nullptr && !last->tombstone) want.push_back(last->rev);
        }
        std::sort(want.begin(), want.end());
        EXPECT_EQ(idx.Keep(at), want);
        EXPECT_EQ(idx.Compact(at), want);
        compacted = at;
      }
      for (int64_t at = compacted; at <= rev; ++at) {
        std::vector<std::string> want_live;
        for (const std::string& k : keys) {
          auto got = idx.Get(k, at);
          auto want = model.Get(k, at);
          ASSERT_EQ(got.has_value(), want.has_value())
              << "round " << round << " key " << k << " at " << at;
          if (!want.has_value()) continue;
          want_live.push_back(k);
          EXPECT_EQ(got->modified, want->modified);
          EXPECT_EQ(got->created.main, want->created.main);
          EXPECT_EQ(got->version, want->version);
        }
        std::sort(want_live.begin(), want_live.end());
        EXPECT_EQ(Live(idx, "", std::string(1, '\0'), at), want_live);
        EXPECT_EQ(idx.Count("", std::string(1, '\0'), at), static_cast<int64_t>(want_live.size()));
      }
    }
  }
}

}  // namespace
}  // namespace etcd::mvcc
