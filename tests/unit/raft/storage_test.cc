#include "raft/storage.h"

#include <gtest/gtest.h>

#include <thread>

#include "raft/util.h"

namespace etcd::raft {
namespace {

raftpb::Entry E(uint64_t index, uint64_t term) {
  raftpb::Entry e;
  e.set_index(index);
  e.set_term(term);
  return e;
}

// A storage whose dummy entry is 3/3, followed by 4/4 and 5/5.
std::unique_ptr<MemoryStorage> Make345() {
  auto s = std::make_unique<MemoryStorage>();
  raftpb::Snapshot snap;
  snap.mutable_metadata()->set_index(3);
  snap.mutable_metadata()->set_term(3);
  EXPECT_TRUE(s->ApplySnapshot(snap).ok());
  EXPECT_TRUE(s->Append({E(4, 4), E(5, 5)}).ok());
  return s;
}

std::vector<std::pair<uint64_t, uint64_t>> IT(const std::vector<raftpb::Entry>& ents) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (const auto& e : ents) out.emplace_back(e.index(), e.term());
  return out;
}

TEST(MemoryStorageTest, Term) {
  auto s = Make345();
  EXPECT_TRUE(IsErrCompacted(s->Term(2).status()));
  EXPECT_EQ(*s->Term(3), 3u);
  EXPECT_EQ(*s->Term(4), 4u);
  EXPECT_EQ(*s->Term(5), 5u);
  EXPECT_TRUE(IsErrUnavailable(s->Term(6).status()));
}

TEST(MemoryStorageTest, Entries) {
  auto s = Make345();
  ASSERT_TRUE(s->Append({E(6, 6)}).ok());
  uint64_t sz = EntrySize(E(4, 4));
  EXPECT_TRUE(IsErrCompacted(s->Entries(2, 6, kNoLimit).status()));
  EXPECT_TRUE(IsErrCompacted(s->Entries(3, 4, kNoLimit).status()));
  using V = std::vector<std::pair<uint64_t, uint64_t>>;
  EXPECT_EQ(IT(*s->Entries(4, 5, kNoLimit)), (V{{4, 4}}));
  EXPECT_EQ(IT(*s->Entries(4, 6, kNoLimit)), (V{{4, 4}, {5, 5}}));
  EXPECT_EQ(IT(*s->Entries(4, 7, kNoLimit)), (V{{4, 4}, {5, 5}, {6, 6}}));
  // Size limits: at least one entry, never more than max_size otherwise.
  EXPECT_EQ(IT(*s->Entries(4, 7, 0)), (V{{4, 4}}));
  EXPECT_EQ(IT(*s->Entries(4, 7, 2 * sz)), (V{{4, 4}, {5, 5}}));
  EXPECT_EQ(IT(*s->Entries(4, 7, 3 * sz - 1)), (V{{4, 4}, {5, 5}}));
  EXPECT_EQ(IT(*s->Entries(4, 7, 3 * sz)), (V{{4, 4}, {5, 5}, {6, 6}}));
  EXPECT_TRUE(IsErrUnavailable(s->Entries(4, 8, kNoLimit).status()));
}

TEST(MemoryStorageTest, FirstAndLastIndex) {
  auto s = Make345();
  EXPECT_EQ(*s->FirstIndex(), 4u);
  EXPECT_EQ(*s->LastIndex(), 5u);
  ASSERT_TRUE(s->Append({E(6, 5)}).ok());
  EXPECT_EQ(*s->LastIndex(), 6u);
  ASSERT_TRUE(s->Compact(4).ok());
  EXPECT_EQ(*s->FirstIndex(), 5u);
}

TEST(MemoryStorageTest, Compact) {
  struct Case {
    uint64_t i;
    bool compacted;
    uint64_t windex, wterm, wlen;
  } cases[] = {{2, true, 3, 3, 3}, {3, true, 3, 3, 3}, {4, false, 4, 4, 2}, {5, false, 5, 5, 1}};
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.i);
    auto s = Make345();
    absl::Status st = s->Compact(tc.i);
    EXPECT_EQ(IsErrCompacted(st), tc.compacted);
    EXPECT_EQ(*s->FirstIndex() - 1, tc.windex);
    EXPECT_EQ(*s->Term(tc.windex), tc.wterm);
    EXPECT_EQ(*s->LastIndex() - *s->FirstIndex() + 2, tc.wlen);
  }
  auto s = Make345();
  EXPECT_FALSE(s->Compact(9).ok());
}

TEST(MemoryStorageTest, CreateSnapshot) {
  raftpb::ConfState cs;
  cs.add_voters(1);
  cs.add_voters(2);
  for (uint64_t i : {4u, 5u}) {
    auto s = Make345();
    auto snap = s->CreateSnapshot(i, &cs, "data");
    ASSERT_TRUE(snap.ok());
    EXPECT_EQ(snap->metadata().index(), i);
    EXPECT_EQ(snap->metadata().term(), i);
    EXPECT_EQ(snap->metadata().conf_state().voters_size(), 2);
    EXPECT_EQ(snap->data(), "data");
    EXPECT_EQ(s->Snapshot()->metadata().index(), i);
    // Creating a snapshot does not compact.
    EXPECT_EQ(*s->FirstIndex(), 4u);
  }
  auto s = Make345();
  EXPECT_TRUE(IsErrSnapOutOfDate(s->CreateSnapshot(3, &cs, "").status()));
  EXPECT_FALSE(s->CreateSnapshot(6, &cs, "").ok());
}

TEST(MemoryStorageTest, Append) {
  using V = std::vector<std::pair<uint64_t, uint64_t>>;
  struct Case {
    std::vector<raftpb::Entry> ents;
    bool ok;
    V want;  // entries from the dummy on
  } cases[] = {
      {{E(3, 3), E(4, 4), E(5, 5)}, true, {{3, 3}, {4, 4}, {5, 5}}},
      {{E(3, 3), E(4, 6), E(5, 6)}, true, {{3, 3}, {4, 6}, {5, 6}}},
      {{E(3, 3), E(4, 4), E(5, 5), E(6, 5)}, true, {{3, 3}, {4, 4}, {5, 5}, {6, 5}}},
      // Entries before the first index are ignored; the overlap is replaced.
      {{E(2, 3), E(3, 3), E(4, 5)}, true, {{3, 3}, {4, 5}}},
      {{E(4, 5)}, true, {{3, 3}, {4, 5}}},
      {{E(6, 5)}, true, {{3, 3}, {4, 4}, {5, 5}, {6, 5}}},
      // A gap is refused.
      {{E(7, 5)}, false, {{3, 3}, {4, 4}, {5, 5}}},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    auto s = Make345();
    EXPECT_EQ(s->Append(tc.ents).ok(), tc.ok);
    V got;
    for (uint64_t idx = 3; idx <= *s->LastIndex(); ++idx) got.emplace_back(idx, *s->Term(idx));
    EXPECT_EQ(got, tc.want);
  }
}

TEST(MemoryStorageTest, ApplySnapshotAndInitialState) {
  MemoryStorage s;
  raftpb::Snapshot snap;
  snap.mutable_metadata()->set_index(4);
  snap.mutable_metadata()->set_term(4);
  snap.mutable_metadata()->mutable_conf_state()->add_voters(7);
  ASSERT_TRUE(s.ApplySnapshot(snap).ok());
  raftpb::HardState hs;
  hs.set_term(4);
  hs.set_commit(4);
  ASSERT_TRUE(s.SetHardState(hs).ok());
  raftpb::HardState ghs;
  raftpb::ConfState gcs;
  ASSERT_TRUE(s.InitialState(&ghs, &gcs).ok());
  EXPECT_EQ(ghs.commit(), 4u);
  ASSERT_EQ(gcs.voters_size(), 1);
  EXPECT_EQ(gcs.voters(0), 7u);
  snap.mutable_metadata()->set_index(3);
  EXPECT_TRUE(IsErrSnapOutOfDate(s.ApplySnapshot(snap)));
}

// One writer appends while a reader takes snapshots and reads entries (run under
// TSan to check the locking).
TEST(MemoryStorageTest, ConcurrentReaderAndWriter) {
  MemoryStorage s;
  std::thread writer([&] {
    for (uint64_t i = 1; i <= 2000; ++i) ASSERT_TRUE(s.Append({E(i, 1)}).ok());
  });
  uint64_t seen = 0;
  while (seen < 2000) {
    seen = *s.LastIndex();
    if (seen > 0) {
      auto ents = s.Entries(*s.FirstIndex(), seen + 1, kNoLimit);
      ASSERT_TRUE(ents.ok());
      EXPECT_EQ(ents->size(), seen);
    }
    (void)s.Snapshot();
  }
  writer.join();
}

}  // namespace
}  // namespace etcd::raft
