#include "watch/watcher_index.h"

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/rng.h"
#include "gtest/gtest.h"

namespace etcd::mvcc {
namespace {

std::unique_ptr<Watcher> Make(uint64_t seq, const std::string& key, const std::string& end) {
  auto w = std::make_unique<Watcher>();
  w->seq = seq;
  w->id = static_cast<int64_t>(seq);
  w->range = KeyRange::FromRequest(key, end);
  return w;
}

std::set<uint64_t> Matches(const WatcherIndex& idx, const std::string& key) {
  std::set<uint64_t> out;
  idx.ForEachMatch(key, [&](Watcher* w) { EXPECT_TRUE(out.insert(w->seq).second); });
  return out;
}

TEST(WatcherIndexTest, SingleRangeAndFromKey) {
  WatcherIndex idx;
  auto a = Make(1, "a", "");
  auto ab = Make(2, "a", "c");
  auto from_b = Make(3, "b", std::string(1, '\0'));
  auto a2 = Make(4, "a", "");
  for (Watcher* w : {a.get(), ab.get(), from_b.get(), a2.get()}) idx.Add(w);
  EXPECT_EQ(idx.size(), 4u);
  EXPECT_EQ(Matches(idx, "a"), (std::set<uint64_t>{1, 2, 4}));
  EXPECT_EQ(Matches(idx, "b"), (std::set<uint64_t>{2, 3}));
  EXPECT_EQ(Matches(idx, "c"), (std::set<uint64_t>{3}));
  EXPECT_EQ(Matches(idx, "0"), (std::set<uint64_t>{}));
  idx.Remove(ab.get());
  idx.Remove(a.get());
  idx.Remove(a.get());  // no-op
  EXPECT_EQ(idx.size(), 2u);
  EXPECT_EQ(Matches(idx, "a"), (std::set<uint64_t>{4}));
  EXPECT_EQ(Matches(idx, "b"), (std::set<uint64_t>{3}));
}

// Randomized against a brute-force scan, with adds and removes interleaved.
TEST(WatcherIndexTest, MatchesBruteForce) {
  Rng rng(42);
  auto key = [&] {
    std::string k;
    int n = 1 + static_cast<int>(rng.Uniform(3));
    for (int i = 0; i < n; ++i) k.push_back(static_cast<char>('a' + rng.Uniform(5)));
    return k;
  };
  WatcherIndex idx;
  std::vector<std::unique_ptr<Watcher>> all;
  std::vector<Watcher*> live;
  for (uint64_t seq = 1; seq <= 3000; ++seq) {
    int kind = static_cast<int>(rng.Uniform(3));
    std::string k = key();
    std::string end = kind == 0 ? "" : kind == 1 ? std::string(1, '\0') : key();
    auto w = Make(seq, k, end);
    if (w->range.Empty()) continue;
    idx.Add(w.get());
    live.push_back(w.get());
    all.push_back(std::move(w));
    if (rng.Uniform(3) == 0 && !live.empty()) {
      size_t i = rng.Uniform(live.size());
      idx.Remove(live[i]);
      live[i] = live.back();
      live.pop_back();
    }
  }
  EXPECT_EQ(idx.size(), live.size());
  for (int q = 0; q < 500; ++q) {
    std::string k = key();
    std::set<uint64_t> want;
    for (Watcher* w : live) {
      if (w->range.Contains(k)) want.insert(w->seq);
    }
    ASSERT_EQ(Matches(idx, k), want) << k;
  }
  for (Watcher* w : live) idx.Remove(w);
  EXPECT_EQ(idx.size(), 0u);
  EXPECT_TRUE(Matches(idx, "a").empty());
}

}  // namespace
}  // namespace etcd::mvcc
