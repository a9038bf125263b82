#include "raft/log.h"

#include <gtest/gtest.h>

#include "raft/util.h"

namespace etcd::raft {
namespace {

raftpb::Entry E(uint64_t index, uint64_t term) {
  raftpb::Entry e;
  e.set_index(index);
  e.set_term(term);
  return e;
}

std::vector<std::pair<uint64_t, uint64_t>> IT(const std::vector<raftpb::Entry>& ents) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (const auto& e : ents) out.emplace_back(e.index(), e.term());
  return out;
}
using V = std::vector<std::pair<uint64_t, uint64_t>>;

std::unique_ptr<RaftLog> NewLog(Storage* s, uint64_t max_next = kNoLimit) {
  auto l = RaftLog::Create(s, nullptr, max_next);
  EXPECT_TRUE(l.ok());
  return std::move(l).value();
}

TEST(RaftLogTest, FindConflict) {
  std::vector<raftpb::Entry> prev = {E(1, 1), E(2, 2), E(3, 3)};
  struct Case {
    std::vector<raftpb::Entry> ents;
    uint64_t want;
  } cases[] = {
      {{}, 0},
      {{E(1, 1), E(2, 2), E(3, 3)}, 0},
      {{E(2, 2), E(3, 3)}, 0},
      {{E(3, 3)}, 0},
      {{E(1, 1), E(2, 2), E(3, 3), E(4, 4), E(5, 4)}, 4},
      {{E(2, 2), E(3, 3), E(4, 4), E(5, 4)}, 4},
      {{E(3, 3), E(4, 4), E(5, 4)}, 4},
      {{E(4, 4), E(5, 4)}, 4},
      {{E(1, 4), E(2, 4)}, 1},
      {{E(2, 1), E(3, 4), E(4, 4)}, 2},
      {{E(3, 1), E(4, 2), E(5, 4), E(6, 4)}, 3},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    MemoryStorage s;
    auto l = NewLog(&s);
    l->Append(prev);
    EXPECT_EQ(l->FindConflict(tc.ents), tc.want);
  }
}

TEST(RaftLogTest, FindConflictByTerm) {
  struct Case {
    uint64_t snap_index, snap_term;
    std::vector<uint64_t> terms;  // after the snapshot
    uint64_t index, term;
    uint64_t windex, wterm;
  } cases[] = {
      {0, 0, {2, 2, 5, 5, 5}, 5, 6, 5, 5},
      {0, 0, {2, 2, 5, 5, 5}, 5, 5, 5, 5},
      {0, 0, {2, 2, 5, 5, 5}, 5, 4, 2, 2},
      {0, 0, {2, 2, 5, 5, 5}, 5, 2, 2, 2},
      {0, 0, {2, 2, 5, 5, 5}, 5, 1, 0, 0},
      {0, 0, {2, 2, 5, 5, 5}, 1, 2, 1, 2},
      {0, 0, {2, 2, 5, 5, 5}, 1, 1, 0, 0},
      {0, 0, {2, 2, 5, 5, 5}, 10, 3, 10, 0},  // beyond the log
      // With a compacted prefix: the search stops at the snapshot.
      {2, 2, {5, 5, 5}, 5, 4, 2, 2},
      {2, 2, {5, 5, 5}, 5, 1, 1, 0},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    MemoryStorage s;
    if (tc.snap_index > 0) {
      raftpb::Snapshot snap;
      snap.mutable_metadata()->set_index(tc.snap_index);
      snap.mutable_metadata()->set_term(tc.snap_term);
      ASSERT_TRUE(s.ApplySnapshot(snap).ok());
    }
    std::vector<raftpb::Entry> ents;
    for (size_t k = 0; k < tc.terms.size(); ++k)
      ents.push_back(E(tc.snap_index + 1 + k, tc.terms[k]));
    ASSERT_TRUE(s.Append(ents).ok());
    auto l = NewLog(&s);
    auto [idx, term] = l->FindConflictByTerm(tc.index, tc.term);
    EXPECT_EQ(idx, tc.windex);
    EXPECT_EQ(term, tc.wterm);
  }
}

TEST(RaftLogTest, IsUpToDate) {
  MemoryStorage s;
  auto l = NewLog(&s);
  l->Append({E(1, 1), E(2, 2), E(3, 3)});
  struct Case {
    uint64_t last, term;
    bool want;
  } cases[] = {
      {2, 4, true},  {3, 4, true},  {4, 4, true},   // greater term
      {2, 2, false}, {3, 2, false}, {4, 2, false},  // smaller term
      {2, 3, false}, {3, 3, true},  {4, 3, true},   // equal term: length decides
  };
  for (const auto& tc : cases) EXPECT_EQ(l->IsUpToDate(tc.last, tc.term), tc.want);
}

TEST(RaftLogTest, Append) {
  struct Case {
    std::vector<raftpb::Entry> ents;
    uint64_t windex;
    V wents;
    uint64_t wunstable;
  } cases[] = {
      {{}, 2, {{1, 1}, {2, 2}}, 3},
      {{E(3, 2)}, 3, {{1, 1}, {2, 2}, {3, 2}}, 3},
      {{E(1, 2)}, 1, {{1, 2}}, 1},  // conflicts with index 1
      {{E(2, 3), E(3, 3)}, 3, {{1, 1}, {2, 3}, {3, 3}}, 2},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    MemoryStorage s;
    ASSERT_TRUE(s.Append({E(1, 1), E(2, 2)}).ok());
    auto l = NewLog(&s);
    EXPECT_EQ(l->Append(tc.ents), tc.windex);
    EXPECT_EQ(IT(l->AllEntries()), tc.wents);
    EXPECT_EQ(l->unstable().offset(), tc.wunstable);
  }
}

// Follower-side append: match at (index, logterm), then truncate conflicts and
// move the commit index (never beyond the last new entry).
TEST(RaftLogTest, MaybeAppend) {
  const uint64_t lastindex = 3, lastterm = 3, commit = 1;
  struct Case {
    uint64_t logterm, index, committed;
    std::vector<raftpb::Entry> ents;
    std::optional<uint64_t> wlasti;
    uint64_t wcommit;
  } cases[] = {
      // Not a match: term or index mismatch.
      {lastterm - 1, lastindex, lastindex, {E(lastindex + 1, 4)}, std::nullopt, commit},
      {lastterm, lastindex + 1, lastindex, {E(lastindex + 2, 4)}, std::nullopt, commit},
      // Match with the last entry.
      {lastterm, lastindex, lastindex, {}, lastindex, lastindex},
      {lastterm, lastindex, lastindex + 1, {}, lastindex, lastindex},
      {lastterm, lastindex, lastindex - 1, {}, lastindex, lastindex - 1},
      {lastterm, lastindex, 0, {}, lastindex, commit},  // commit never decreases
      {0, 0, lastindex, {}, 0, commit},
      {lastterm, lastindex, lastindex, {E(lastindex + 1, 4)}, lastindex + 1, lastindex},
      {lastterm, lastindex, lastindex + 1, {E(lastindex + 1, 4)}, lastindex + 1, lastindex + 1},
      {lastterm, lastindex, lastindex + 2, {E(lastindex + 1, 4)}, lastindex + 1, lastindex + 1},
      {lastterm,
       lastindex,
       lastindex + 2,
       {E(lastindex + 1, 4), E(lastindex + 2, 4)},
       lastindex + 2,
       lastindex + 2},
      // Match with an entry in the middle.
      {lastterm - 1, lastindex - 1, lastindex, {E(lastindex, 4)}, lastindex, lastindex},
      {lastterm - 2, lastindex - 2, lastindex, {E(lastindex - 1, 4)}, lastindex - 1, lastindex - 1},
      {lastterm - 2,
       lastindex - 2,
       lastindex,
       {E(lastindex - 1, 4), E(lastindex, 4)},
       lastindex,
       lastindex},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    MemoryStorage s;
    auto l = NewLog(&s);
    l->Append({E(1, 1), E(2, 2), E(3, 3)});
    l->CommitTo(commit);
    EXPECT_EQ(l->MaybeAppend(tc.index, tc.logterm, tc.committed, tc.ents), tc.wlasti);
    EXPECT_EQ(l->committed(), tc.wcommit);
    if (tc.wlasti && !tc.ents.empty()) {
      auto got = l->Slice(l->LastIndex() - tc.ents.size() + 1, l->LastIndex() + 1, kNoLimit);
      ASSERT_TRUE(got.ok());
      EXPECT_EQ(IT(*got), IT(tc.ents));
    }
  }
}

TEST(RaftLogTest, NextEntsAndAppliedCursor) {
  MemoryStorage s;
  raftpb::Snapshot snap;
  snap.mutable_metadata()->set_index(3);
  snap.mutable_metadata()->set_term(1);
  ASSERT_TRUE(s.ApplySnapshot(snap).ok());
  ASSERT_TRUE(s.Append({E(4, 1), E(5, 1)}).ok());
  struct Case {
    uint64_t applied;
    V want;
  } cases[] = {{0, {{4, 1}, {5, 1}}}, {3, {{4, 1}, {5, 1}}}, {4, {{5, 1}}}, {5, {}}};
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.applied);
    auto l = NewLog(&s);
    l->Append({E(6, 1)});
    l->CommitTo(5);
    l->AppliedTo(tc.applied);
    EXPECT_EQ(IT(l->NextEnts()), tc.want);
    EXPECT_EQ(l->HasNextEnts(), !tc.want.empty());
  }
}

TEST(RaftLogTest, NextEntsSizeLimit) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append({E(1, 1), E(2, 1), E(3, 1)}).ok());
  auto l = NewLog(&s, EntrySize(E(1, 1)) + 1);
  l->CommitTo(3);
  EXPECT_EQ(IT(l->NextEnts()), (V{{1, 1}}));
  l->AppliedTo(1);
  EXPECT_EQ(IT(l->NextEnts()), (V{{2, 1}}));
}

TEST(RaftLogTest, TermAndCompaction) {
  MemoryStorage s;
  raftpb::Snapshot snap;
  snap.mutable_metadata()->set_index(100);
  snap.mutable_metadata()->set_term(1);
  ASSERT_TRUE(s.ApplySnapshot(snap).ok());
  auto l = NewLog(&s);
  for (uint64_t i = 1; i < 100; ++i) l->Append({E(100 + i, i)});
  EXPECT_TRUE(IsErrCompacted(l->Term(99).status()));
  EXPECT_EQ(*l->Term(100), 1u);
  EXPECT_EQ(*l->Term(150), 50u);
  EXPECT_EQ(*l->Term(199), 99u);
  EXPECT_TRUE(IsErrUnavailable(l->Term(200).status()));
  EXPECT_EQ(l->FirstIndex(), 101u);
  EXPECT_EQ(l->LastIndex(), 199u);
  EXPECT_EQ(l->LastTerm(), 99u);
  EXPECT_TRUE(IsErrCompacted(l->Slice(100, 105, kNoLimit).status()));
  EXPECT_EQ(l->Slice(101, 104, kNoLimit)->size(), 3u);
}

// Entries come from storage and the unstable tail, split at the unstable offset.
TEST(RaftLogTest, SliceAcrossStorageAndUnstable) {
  MemoryStorage s;
  raftpb::Snapshot snap;
  snap.mutable_metadata()->set_index(10);
  snap.mutable_metadata()->set_term(1);
  ASSERT_TRUE(s.ApplySnapshot(snap).ok());
  std::vector<raftpb::Entry> stored;
  for (uint64_t i = 11; i < 15; ++i) stored.push_back(E(i, i));
  ASSERT_TRUE(s.Append(stored).ok());
  auto l = NewLog(&s);
  for (uint64_t i = 15; i < 20; ++i) l->Append({E(i, i)});
  uint64_t sz = EntrySize(E(12, 12));
  EXPECT_EQ(IT(*l->Slice(12, 17, kNoLimit)), (V{{12, 12}, {13, 13}, {14, 14}, {15, 15}, {16, 16}}));
  EXPECT_EQ(IT(*l->Slice(15, 17, kNoLimit)), (V{{15, 15}, {16, 16}}));
  EXPECT_EQ(IT(*l->Slice(12, 17, 0)), (V{{12, 12}}));
  EXPECT_EQ(IT(*l->Slice(13, 17, 2 * sz)), (V{{13, 13}, {14, 14}}));
  EXPECT_EQ(IT(*l->Slice(13, 17, 3 * sz)), (V{{13, 13}, {14, 14}, {15, 15}}));
  EXPECT_TRUE(l->Slice(19, 19, kNoLimit)->empty());
}

TEST(RaftLogTest, StableToAndRestore) {
  MemoryStorage s;
  auto l = NewLog(&s);
  l->Append({E(1, 1), E(2, 2)});
  l->StableTo(1, 1);
  EXPECT_EQ(l->unstable().offset(), 2u);
  l->StableTo(2, 1);  // wrong term: ignored
  EXPECT_EQ(l->unstable().offset(), 2u);

  raftpb::Snapshot snap;
  snap.mutable_metadata()->set_index(200);
  snap.mutable_metadata()->set_term(7);
  l->Restore(snap);
  EXPECT_TRUE(l->HasPendingSnapshot());
  EXPECT_EQ(l->committed(), 200u);
  EXPECT_EQ(l->FirstIndex(), 201u);
  EXPECT_EQ(l->LastIndex(), 200u);
  EXPECT_EQ(*l->Term(200), 7u);
  EXPECT_EQ(l->Snapshot()->metadata().index(), 200u);
  EXPECT_TRUE(l->UnstableEntries().empty());
}

TEST(RaftLogTest, MaybeCommitOnlyCurrentTerm) {
  MemoryStorage s;
  auto l = NewLog(&s);
  l->Append({E(1, 1), E(2, 2), E(3, 2)});
  EXPECT_FALSE(l->MaybeCommit(1, 2));  // entry 1 has term 1
  EXPECT_EQ(l->committed(), 0u);
  EXPECT_TRUE(l->MaybeCommit(3, 2));
  EXPECT_EQ(l->committed(), 3u);
  EXPECT_FALSE(l->MaybeCommit(2, 2));  // never backwards
  EXPECT_FALSE(l->MaybeCommit(UINT64_MAX, 2));
}

}  // namespace
}  // namespace etcd::raft
