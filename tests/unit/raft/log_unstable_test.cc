#include "raft/log_unstable.h"

#include <gtest/gtest.h>

namespace etcd::raft {
namespace {

raftpb::Entry E(uint64_t index, uint64_t term) {
  raftpb::Entry e;
  e.set_index(index);
  e.set_term(term);
  return e;
}

raftpb::Snapshot S(uint64_t index, uint64_t term) {
  raftpb::Snapshot s;
  s.mutable_metadata()->set_index(index);
  s.mutable_metadata()->set_term(term);
  return s;
}

Unstable Make(std::vector<raftpb::Entry> ents, uint64_t offset,
              std::optional<raftpb::Snapshot> snap) {
  Unstable u(nullptr);
  if (snap) u.Restore(*snap);
  u.set_offset(offset);
  u.TruncateAndAppend(ents);
  return u;
}

std::vector<std::pair<uint64_t, uint64_t>> IT(const std::vector<raftpb::Entry>& ents) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (const auto& e : ents) out.emplace_back(e.index(), e.term());
  return out;
}

TEST(UnstableTest, MaybeFirstAndLastIndex) {
  struct Case {
    std::vector<raftpb::Entry> ents;
    uint64_t offset;
    std::optional<raftpb::Snapshot> snap;
    std::optional<uint64_t> wfirst, wlast;
  } cases[] = {
      {{E(5, 1)}, 5, std::nullopt, std::nullopt, 5},
      {{}, 0, std::nullopt, std::nullopt, std::nullopt},
      {{E(5, 1)}, 5, S(4, 1), 5, 5},
      {{}, 5, S(4, 1), 5, 4},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    Unstable u = Make(tc.ents, tc.offset, tc.snap);
    EXPECT_EQ(u.MaybeFirstIndex(), tc.wfirst);
    EXPECT_EQ(u.MaybeLastIndex(), tc.wlast);
  }
}

TEST(UnstableTest, MaybeTerm) {
  struct Case {
    std::vector<raftpb::Entry> ents;
    uint64_t offset;
    std::optional<raftpb::Snapshot> snap;
    uint64_t index;
    std::optional<uint64_t> want;
  } cases[] = {
      {{E(5, 1)}, 5, std::nullopt, 5, 1},
      {{E(5, 1)}, 5, std::nullopt, 6, std::nullopt},
      {{E(5, 1)}, 5, std::nullopt, 4, std::nullopt},
      {{E(5, 1)}, 5, S(4, 1), 5, 1},
      {{E(5, 1)}, 5, S(4, 1), 4, 1},
      {{E(5, 1)}, 5, S(4, 1), 3, std::nullopt},
      {{}, 5, S(4, 1), 4, 1},
      {{}, 0, std::nullopt, 5, std::nullopt},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    EXPECT_EQ(Make(tc.ents, tc.offset, tc.snap).MaybeTerm(tc.index), tc.want);
  }
}

TEST(UnstableTest, Restore) {
  Unstable u = Make({E(5, 1)}, 5, S(4, 1));
  u.Restore(S(6, 2));
  EXPECT_EQ(u.offset(), 7u);
  EXPECT_TRUE(u.entries().empty());
  EXPECT_EQ(u.snapshot()->metadata().index(), 6u);
  u.StableSnapTo(5);  // not ours
  EXPECT_TRUE(u.snapshot().has_value());
  u.StableSnapTo(6);
  EXPECT_FALSE(u.snapshot().has_value());
}

TEST(UnstableTest, StableTo) {
  struct Case {
    std::vector<raftpb::Entry> ents;
    uint64_t offset;
    std::optional<raftpb::Snapshot> snap;
    uint64_t index, term;
    uint64_t woffset;
    size_t wlen;
  } cases[] = {
      {{}, 0, std::nullopt, 5, 1, 0, 0},
      {{E(5, 1)}, 5, std::nullopt, 5, 1, 6, 0},
      {{E(5, 1), E(6, 1)}, 5, std::nullopt, 5, 1, 6, 1},
      {{E(6, 2)}, 6, std::nullopt, 6, 1, 6, 1},  // term mismatch
      {{E(5, 1)}, 5, std::nullopt, 4, 1, 5, 1},  // old index
      {{E(5, 1)}, 5, std::nullopt, 4, 2, 5, 1},
      {{E(5, 1)}, 5, S(4, 1), 5, 1, 6, 0},
      {{E(5, 1), E(6, 1)}, 5, S(4, 1), 5, 1, 6, 1},
      {{E(6, 2)}, 6, S(5, 1), 6, 1, 6, 1},
      {{E(5, 1)}, 5, S(4, 1), 4, 1, 5, 1},  // the snapshot's index
      {{E(5, 2)}, 5, S(4, 2), 4, 1, 5, 1},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    Unstable u = Make(tc.ents, tc.offset, tc.snap);
    u.StableTo(tc.index, tc.term);
    EXPECT_EQ(u.offset(), tc.woffset);
    EXPECT_EQ(u.entries().size(), tc.wlen);
  }
}

TEST(UnstableTest, TruncateAndAppend) {
  using V = std::vector<std::pair<uint64_t, uint64_t>>;
  struct Case {
    std::vector<raftpb::Entry> ents;
    uint64_t offset;
    std::vector<raftpb::Entry> toappend;
    uint64_t woffset;
    V wents;
  } cases[] = {
      // Append to the end.
      {{E(5, 1)}, 5, {E(6, 1), E(7, 1)}, 5, {{5, 1}, {6, 1}, {7, 1}}},
      // Replace everything.
      {{E(5, 1)}, 5, {E(5, 2), E(6, 2)}, 5, {{5, 2}, {6, 2}}},
      {{E(5, 1)}, 5, {E(4, 2), E(5, 2), E(6, 2)}, 4, {{4, 2}, {5, 2}, {6, 2}}},
      // Truncate the tail, then append.
      {{E(5, 1), E(6, 1), E(7, 1)}, 5, {E(6, 2)}, 5, {{5, 1}, {6, 2}}},
      {{E(5, 1), E(6, 1), E(7, 1)}, 5, {E(7, 2), E(8, 2)}, 5, {{5, 1}, {6, 1}, {7, 2}, {8, 2}}},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    Unstable u = Make(tc.ents, tc.offset, std::nullopt);
    u.TruncateAndAppend(tc.toappend);
    EXPECT_EQ(u.offset(), tc.woffset);
    EXPECT_EQ(IT(u.entries()), tc.wents);
  }
}

}  // namespace
}  // namespace etcd::raft
