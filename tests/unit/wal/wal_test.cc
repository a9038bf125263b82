#include "wal/wal.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "leveldb/helpers/memenv.h"
#include "testutil/fault_env.h"
#include "wal/file_names.h"
#include "wal/file_util.h"
#include "wal/record.h"

namespace etcd::wal {
namespace {

constexpr char kDir[] = "/data/member/wal";
constexpr char kMeta[] = "member=1,cluster=2";

raftpb::Entry Entry(uint64_t index, uint64_t term, std::string data = "") {
  raftpb::Entry e;
  e.set_index(index);
  e.set_term(term);
  e.set_data(data.empty() ? "v" + std::to_string(index) + "." + std::to_string(term) : data);
  return e;
}

std::vector<raftpb::Entry> Ents(uint64_t from, uint64_t to, uint64_t term) {
  std::vector<raftpb::Entry> out;
  for (uint64_t i = from; i <= to; ++i) out.push_back(Entry(i, term));
  return out;
}

raftpb::HardState HS(uint64_t term, uint64_t vote, uint64_t commit) {
  raftpb::HardState hs;
  hs.set_term(term);
  hs.set_vote(vote);
  hs.set_commit(commit);
  return hs;
}

// "index.term" of each entry, for compact comparisons.
std::vector<std::string> Ids(const std::vector<raftpb::Entry>& ents) {
  std::vector<std::string> out;
  for (const auto& e : ents)
    out.push_back(std::to_string(e.index()) + "." + std::to_string(e.term()));
  return out;
}

std::vector<std::string> IdRange(uint64_t from, uint64_t to, uint64_t term) {
  std::vector<std::string> out;
  for (uint64_t i = from; i <= to; ++i)
    out.push_back(std::to_string(i) + "." + std::to_string(term));
  return out;
}

void ExpectSameEntries(const std::vector<raftpb::Entry>& got,
                       const std::vector<raftpb::Entry>& want) {
  ASSERT_EQ(Ids(got), Ids(want));
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].data(), want[i].data());
}

class WalTest : public ::testing::Test {
 protected:
  WalTest() : mem_(leveldb::NewMemEnv(leveldb::Env::Default())), env_(mem_.get()) {}

  std::unique_ptr<Wal> Create(WalOptions o = {}) {
    auto w = Wal::Create(&env_, kDir, kMeta, o);
    EXPECT_TRUE(w.ok()) << w.status();
    return w.ok() ? std::move(*w) : nullptr;
  }

  absl::StatusOr<Wal::ReadResult> Reopen(WalSnapshot from = {}, WalOptions o = {},
                                         std::unique_ptr<Wal>* keep = nullptr) {
    ASSIGN_OR_RETURN(std::unique_ptr<Wal> w, Wal::Open(&env_, kDir, from, o));
    absl::StatusOr<Wal::ReadResult> r = w->ReadAll();
    if (keep != nullptr) {
      *keep = std::move(w);
    } else {
      EXPECT_TRUE(w->Close().ok());
    }
    return r;
  }

  std::string SegPath(const std::string& name) { return JoinPath(kDir, name); }

  std::string Read(const std::string& path) {
    std::string s;
    EXPECT_TRUE(ReadWholeFile(&env_, path, &s).ok());
    return s;
  }
  void Write(const std::string& path, const std::string& data) {
    ASSERT_TRUE(leveldb::WriteStringToFile(&env_, data, path).ok());
  }

  std::unique_ptr<leveldb::Env> mem_;
  testutil::FaultEnv env_;
};

// ------------------------------------------------------------------ basics

TEST_F(WalTest, RoundTrip) {
  EXPECT_FALSE(Wal::Exists(&env_, kDir));
  auto w = Create();
  EXPECT_TRUE(Wal::Exists(&env_, kDir));
  auto ents = Ents(1, 10, 1);
  ents[3].set_type(raftpb::ENTRY_CONF_CHANGE);
  ents[4].set_data(std::string("bin\0ary", 7));
  ASSERT_TRUE(w->Save(HS(1, 1, 5), ents).ok());
  EXPECT_EQ(w->last_index(), 10u);
  ASSERT_TRUE(w->Close().ok());

  auto r = Reopen();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->metadata, kMeta);
  EXPECT_EQ(r->hard_state.term(), 1u);
  EXPECT_EQ(r->hard_state.vote(), 1u);
  EXPECT_EQ(r->hard_state.commit(), 5u);
  EXPECT_FALSE(r->repaired_tail);
  ExpectSameEntries(r->entries, ents);
  EXPECT_EQ(r->entries[3].type(), raftpb::ENTRY_CONF_CHANGE);
}

TEST_F(WalTest, FreshWalReadsEmpty) {
  ASSERT_TRUE(Create()->Close().ok());
  auto r = Reopen();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->metadata, kMeta);
  EXPECT_TRUE(r->entries.empty());
  EXPECT_EQ(r->hard_state.term(), 0u);
}

TEST_F(WalTest, FirstSegmentIsNamedZeroZero) {
  auto w = Create();
  EXPECT_EQ(w->SegmentNames(), std::vector<std::string>{"0000000000000000-0000000000000000.wal"});
}

TEST_F(WalTest, CreateRefusesAnExistingWal) {
  ASSERT_TRUE(Create()->Close().ok());
  EXPECT_EQ(Wal::Create(&env_, kDir, kMeta).status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(WalTest, OpenWithoutWalIsNotFound) {
  EXPECT_EQ(Wal::Open(&env_, "/nowhere", {}).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(WalTest, AppendAfterReopenContinues) {
  auto w = Create();
  ASSERT_TRUE(w->Save(HS(1, 1, 0), Ents(1, 3, 1)).ok());
  ASSERT_TRUE(w->Close().ok());
  std::unique_ptr<Wal> w2;
  ASSERT_TRUE(Reopen({}, {}, &w2).ok());
  EXPECT_EQ(w2->last_index(), 3u);
  ASSERT_TRUE(w2->Save(HS(1, 1, 3), Ents(4, 6, 1)).ok());
  ASSERT_TRUE(w2->Close().ok());
  auto r = Reopen();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Ids(r->entries), IdRange(1, 6, 1));
  EXPECT_EQ(r->hard_state.commit(), 3u);
}

TEST_F(WalTest, ReadAllOnlyOnceAndSaveOnlyAfterIt) {
  ASSERT_TRUE(Create()->Close().ok());
  auto w = Wal::Open(&env_, kDir, {});
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->Save(HS(1, 0, 0), {}).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE((*w)->ReadAll().ok());
  EXPECT_EQ((*w)->ReadAll().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE((*w)->Save(HS(1, 0, 0), {}).ok());
}

TEST_F(WalTest, InvalidEntriesAreRejectedAndNothingIsWritten) {
  auto w = Create();
  ASSERT_TRUE(w->Save({}, Ents(1, 2, 1)).ok());
  int64_t appends = env_.append_calls();
  EXPECT_EQ(w->Save({}, Ents(4, 5, 1)).code(), absl::StatusCode::kInvalidArgument);  // gap
  std::vector<raftpb::Entry> unordered = {Entry(3, 1), Entry(5, 1)};
  EXPECT_EQ(w->Save({}, unordered).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(env_.append_calls(), appends);
  EXPECT_TRUE(w->Save({}, Ents(3, 3, 1)).ok());  // still usable
}

// ------------------------------------------------------------------ overwrite semantics

TEST_F(WalTest, LaterEntriesReplaceTheUncommittedTail) {
  auto w = Create();
  ASSERT_TRUE(w->Save(HS(1, 1, 1), Ents(1, 5, 1)).ok());
  ASSERT_TRUE(w->Save(HS(2, 2, 1), Ents(3, 4, 2)).ok());  // new leader overwrote 3..5
  EXPECT_EQ(w->last_index(), 4u);
  ASSERT_TRUE(w->Save({}, Ents(5, 5, 2)).ok());
  ASSERT_TRUE(w->Save({}, Ents(2, 2, 3)).ok());  // and again from 2
  ASSERT_TRUE(w->Close().ok());
  auto r = Reopen();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Ids(r->entries), (std::vector<std::string>{"1.1", "2.3"}));
}

TEST_F(WalTest, OverwriteAcrossSegmentsAndReopen) {
  WalOptions o;
  o.segment_bytes = 200;
  auto w = Create(o);
  for (uint64_t i = 1; i <= 20; ++i) ASSERT_TRUE(w->Save(HS(1, 1, 0), Ents(i, i, 1)).ok());
  ASSERT_GT(w->SegmentNames().size(), 3u);
  ASSERT_TRUE(w->Save(HS(2, 2, 0), Ents(8, 9, 2)).ok());
  ASSERT_TRUE(w->Close().ok());
  auto r = Reopen({}, o);
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> want = IdRange(1, 7, 1);
  want.push_back("8.2");
  want.push_back("9.2");
  EXPECT_EQ(Ids(r->entries), want);
}

// ------------------------------------------------------------------ hard state

TEST_F(WalTest, HardStateOnlySaves) {
  auto w = Create();
  ASSERT_TRUE(w->Save(HS(3, 2, 0), {}).ok());
  ASSERT_TRUE(w->Close().ok());
  auto r = Reopen();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->hard_state.term(), 3u);
  EXPECT_EQ(r->hard_state.vote(), 2u);
  EXPECT_TRUE(r->entries.empty());
}

TEST_F(WalTest, SyncOnlyWhenDurabilityIsNeeded) {
  auto w = Create();
  std::string seg = SegPath(w->SegmentNames()[0]);

  int64_t syncs = env_.sync_calls(), appends = env_.append_calls();
  ASSERT_TRUE(w->Save({}, {}).ok());  // empty: nothing at all
  EXPECT_EQ(env_.sync_calls(), syncs);
  EXPECT_EQ(env_.append_calls(), appends);

  ASSERT_TRUE(w->Save(HS(1, 1, 0), Ents(1, 50, 1)).ok());  // one append, one sync
  EXPECT_EQ(env_.append_calls(), appends + 1);
  EXPECT_EQ(env_.sync_calls(), syncs + 1);

  ASSERT_TRUE(w->Save(HS(1, 1, 0), {}).ok());  // unchanged hard state: nothing
  EXPECT_EQ(env_.append_calls(), appends + 1);
  EXPECT_EQ(env_.sync_calls(), syncs + 1);

  ASSERT_TRUE(w->Save(HS(1, 1, 40), {}).ok());  // commit only: written, not synced
  EXPECT_EQ(env_.append_calls(), appends + 2);
  EXPECT_EQ(env_.sync_calls(), syncs + 1);
  EXPECT_GT(env_.UnsyncedBytes(seg), 0u);

  ASSERT_TRUE(w->Save(HS(2, 0, 40), {}).ok());  // term change: synced
  EXPECT_EQ(env_.append_calls(), appends + 3);
  EXPECT_EQ(env_.sync_calls(), syncs + 2);
  EXPECT_EQ(env_.UnsyncedBytes(seg), 0u);

  ASSERT_TRUE(w->Save(HS(2, 3, 40), {}).ok());  // vote change: synced
  EXPECT_EQ(env_.sync_calls(), syncs + 3);

  ASSERT_TRUE(w->SaveSnapshot({40, 1}).ok());  // marker: synced
  EXPECT_EQ(env_.sync_calls(), syncs + 4);
}

TEST_F(WalTest, CloseSyncsUnsyncedCommit) {
  auto w = Create();
  ASSERT_TRUE(w->Save(HS(1, 1, 0), Ents(1, 2, 1)).ok());
  ASSERT_TRUE(w->Save(HS(1, 1, 2), {}).ok());
  ASSERT_TRUE(w->Close().ok());
  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  auto r = Reopen();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->hard_state.commit(), 2u);
}

// ------------------------------------------------------------------ segments

TEST_F(WalTest, SegmentRolloverAndReadingAcrossSegments) {
  WalOptions o;
  o.segment_bytes = 512;
  auto w = Create(o);
  std::vector<raftpb::Entry> all;
  uint64_t next = 1;
  for (int round = 0; round < 40; ++round) {
    auto batch = Ents(next, next + 2, 1);
    next += 3;
    ASSERT_TRUE(w->Save(HS(1, 1, next - 1), batch).ok());
    all.insert(all.end(), batch.begin(), batch.end());
  }
  std::vector<std::string> names = w->SegmentNames();
  ASSERT_GE(names.size(), 5u);
  // Names: consecutive sequence numbers; each first index follows the previous
  // segment's last entry.
  for (size_t i = 0; i < names.size(); ++i) {
    uint64_t seq, first;
    ASSERT_TRUE(ParseSegmentFileName(names[i], &seq, &first));
    EXPECT_EQ(seq, i);
    if (i > 0) {
      EXPECT_EQ((first - 1) % 3, 0u) << names[i];
    }
  }
  ASSERT_TRUE(w->Close().ok());
  auto r = Reopen({}, o);
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectSameEntries(r->entries, all);
  EXPECT_EQ(r->hard_state.commit(), 120u);
}

TEST_F(WalTest, NewSegmentRepeatsMetadataAndHardState) {
  WalOptions o;
  o.segment_bytes = 200;
  auto w = Create(o);
  ASSERT_TRUE(w->Save(HS(7, 3, 2), Ents(1, 5, 7)).ok());
  ASSERT_TRUE(w->Save({}, Ents(6, 6, 7)).ok());  // cuts first
  ASSERT_TRUE(w->SaveSnapshot({6, 7}).ok());
  ASSERT_EQ(w->SegmentNames().size(), 2u);
  EXPECT_EQ(w->SegmentNames()[1], SegmentFileName(1, 6));
  ASSERT_TRUE(w->Close().ok());
  // The first segment alone could be gone: reading from the second still finds both.
  ASSERT_TRUE(env_.RemoveFile(SegPath(SegmentFileName(0, 0))).ok());
  auto r = Reopen({6, 7}, o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->metadata, kMeta);
  EXPECT_EQ(r->hard_state.term(), 7u);
  EXPECT_EQ(r->hard_state.vote(), 3u);
  EXPECT_TRUE(r->entries.empty());
}

TEST_F(WalTest, MissingMiddleSegmentIsDataLoss) {
  WalOptions o;
  o.segment_bytes = 100;
  auto w = Create(o);
  for (uint64_t i = 1; i <= 10; ++i) ASSERT_TRUE(w->Save(HS(1, 1, 0), Ents(i, i, 1)).ok());
  std::vector<std::string> names = w->SegmentNames();
  ASSERT_GE(names.size(), 4u);
  ASSERT_TRUE(w->Close().ok());
  ASSERT_TRUE(env_.RemoveFile(SegPath(names[2])).ok());
  auto r = Reopen({}, o);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("missing segment"), std::string::npos) << r.status();
}

TEST_F(WalTest, SwappedSegmentBreaksTheDigestChain) {
  // Two WALs with the same names but different content: splicing one segment of the
  // second into the first is detected.
  WalOptions o;
  o.segment_bytes = 100;
  auto w = Create(o);
  for (uint64_t i = 1; i <= 6; ++i) ASSERT_TRUE(w->Save(HS(1, 1, 0), Ents(i, i, 1)).ok());
  std::vector<std::string> names = w->SegmentNames();
  ASSERT_TRUE(w->Close().ok());
  std::string other_dir = "/other/wal";
  auto w2 = Wal::Create(&env_, other_dir, kMeta, o);
  ASSERT_TRUE(w2.ok());
  for (uint64_t i = 1; i <= 6; ++i) {
    // Same sizes as the first WAL (so the same names), different bytes.
    ASSERT_TRUE((*w2)->Save(HS(1, 1, 0), {Entry(i, 1, "w" + std::to_string(i) + ".1")}).ok());
  }
  ASSERT_EQ((*w2)->SegmentNames(), names);
  ASSERT_TRUE((*w2)->Close().ok());
  Write(SegPath(names[1]), Read(JoinPath(other_dir, names[1])));
  auto r = Reopen({}, o);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << r.status();
}

// ------------------------------------------------------------------ snapshots

TEST_F(WalTest, OpenFromSnapshotIndex) {
  WalOptions o;
  o.segment_bytes = 300;
  auto w = Create(o);
  for (uint64_t i = 1; i <= 30; ++i) ASSERT_TRUE(w->Save(HS(1, 1, i), Ents(i, i, 1)).ok());
  ASSERT_TRUE(w->SaveSnapshot({20, 1}).ok());
  ASSERT_TRUE(w->Close().ok());

  auto r = Reopen({20, 1}, o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Ids(r->entries), IdRange(21, 30, 1));
  EXPECT_EQ(r->hard_state.commit(), 30u);

  EXPECT_EQ(Reopen({20, 2}, o).status().code(), absl::StatusCode::kFailedPrecondition);
  auto missing = Reopen({25, 1}, o);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "wal: snapshot not found");
}

TEST_F(WalTest, SnapshotBeyondTheLogMovesLastIndex) {
  // A follower that received a snapshot at 100 continues at 101.
  auto w = Create();
  ASSERT_TRUE(w->Save(HS(1, 1, 3), Ents(1, 3, 1)).ok());
  ASSERT_TRUE(w->SaveSnapshot({100, 2}).ok());
  EXPECT_EQ(w->last_index(), 100u);
  ASSERT_TRUE(w->Save(HS(2, 0, 101), Ents(101, 102, 2)).ok());
  ASSERT_TRUE(w->Close().ok());
  auto r = Reopen({100, 2});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Ids(r->entries), IdRange(101, 102, 2));
}

TEST_F(WalTest, ValidSnapshotEntriesStopAtTheCommitIndex) {
  auto w = Create();
  ASSERT_TRUE(w->Save(HS(1, 1, 0), Ents(1, 10, 1)).ok());
  ASSERT_TRUE(w->SaveSnapshot({5, 1}).ok());
  ASSERT_TRUE(w->Save(HS(1, 1, 7), {}).ok());
  ASSERT_TRUE(w->SaveSnapshot({9, 1}).ok());  // not committed (yet)
  ASSERT_TRUE(w->Close().ok());
  auto snaps = Wal::ValidSnapshotEntries(&env_, kDir);
  ASSERT_TRUE(snaps.ok()) << snaps.status();
  EXPECT_EQ(*snaps, (std::vector<WalSnapshot>{{0, 0}, {5, 1}}));
}

TEST_F(WalTest, ValidSnapshotEntriesIgnoresATornTailWithoutRepairing) {
  auto w = Create();
  ASSERT_TRUE(w->Save(HS(1, 1, 5), Ents(1, 5, 1)).ok());
  ASSERT_TRUE(w->SaveSnapshot({5, 1}).ok());
  std::string seg = SegPath(w->SegmentNames()[0]);
  ASSERT_TRUE(w->Close().ok());
  std::string data = Read(seg) + std::string(7, '\x01');
  Write(seg, data);
  auto snaps = Wal::ValidSnapshotEntries(&env_, kDir);
  ASSERT_TRUE(snaps.ok()) << snaps.status();
  EXPECT_EQ(snaps->size(), 2u);
  EXPECT_EQ(Read(seg), data);
}

TEST_F(WalTest, ReadingAcrossASnapshotGapFromAnOlderStartIsDataLoss) {
  // Entries 1..3, then a snapshot received at 100 and entries 101..102: reading from
  // index 0 would need 4..100, which the WAL never had.
  auto w = Create();
  ASSERT_TRUE(w->Save(HS(1, 1, 3), Ents(1, 3, 1)).ok());
  ASSERT_TRUE(w->SaveSnapshot({100, 2}).ok());
  ASSERT_TRUE(w->Save(HS(2, 0, 101), Ents(101, 102, 2)).ok());
  ASSERT_TRUE(w->Close().ok());
  auto r = Reopen();
  ASSERT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("missing entries"), std::string::npos) << r.status();
}

TEST_F(WalTest, ValidSnapshotEntriesSkipsASegmentLeftBeforeAGap) {
  // A crash undid the removal of segment 0 but not of segment 1.
  WalOptions o;
  o.segment_bytes = 100;
  auto w = Create(o);
  for (uint64_t i = 1; i <= 5; ++i) ASSERT_TRUE(w->Save(HS(1, 1, i), Ents(i, i, 1)).ok());
  ASSERT_TRUE(w->SaveSnapshot({4, 1}).ok());
  std::vector<std::string> names = w->SegmentNames();
  ASSERT_TRUE(w->Close().ok());
  ASSERT_TRUE(env_.RemoveFile(SegPath(names[1])).ok());
  auto snaps = Wal::ValidSnapshotEntries(&env_, kDir);
  ASSERT_TRUE(snaps.ok()) << snaps.status();
  EXPECT_EQ(*snaps, (std::vector<WalSnapshot>{{4, 1}}));
  auto r = Reopen({4, 1}, o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Ids(r->entries), IdRange(5, 5, 1));
}

TEST_F(WalTest, ValidSnapshotEntriesWithoutWalIsNotFound) {
  EXPECT_EQ(Wal::ValidSnapshotEntries(&env_, "/nowhere").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(WalTest, LeftoverTempFilesAreRemovedOnOpen) {
  ASSERT_TRUE(Create()->Close().ok());
  std::string tmp = SegPath(SegmentFileName(1, 1)) + ".tmp";
  Write(tmp, "half a segment");
  auto r = Reopen();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(env_.FileExists(tmp));
}

TEST_F(WalTest, CrashedCreateLeavesNoWal) {
  env_.set_model_directory_sync(true);
  env_.FailNextSyncs(1);  // the first segment's sync
  EXPECT_FALSE(Wal::Create(&env_, kDir, kMeta).ok());
  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  EXPECT_FALSE(Wal::Exists(&env_, kDir));
  EXPECT_TRUE(Wal::Create(&env_, kDir, kMeta).ok());  // bootstrapping again works
}

// ------------------------------------------------------------------ torn tails

TEST_F(WalTest, TornTailAtEveryOffsetOfTheLastSave) {
  auto w = Create();
  ASSERT_TRUE(w->Save(HS(1, 1, 2), Ents(1, 3, 1)).ok());
  std::string seg = SegPath(w->SegmentNames()[0]);
  std::string before = Read(seg);
  ASSERT_TRUE(w->Save(HS(1, 1, 3), {Entry(4, 1, std::string(40, 'x'))}).ok());
  ASSERT_TRUE(w->Close().ok());
  std::string full = Read(seg);
  ASSERT_GT(full.size(), before.size());

  for (size_t cut = before.size(); cut <= full.size(); ++cut) {
    SCOPED_TRACE(cut);
    Write(seg, full.substr(0, cut));
    std::unique_ptr<Wal> w2;
    auto r = Reopen({}, {}, &w2);
    ASSERT_TRUE(r.ok()) << r.status();
    std::vector<std::string> want = IdRange(1, 3, 1);
    // The entry record comes first, then the hard state record.
    size_t entry_end = before.size() + kRecordHeaderSize + kEntryFixedSize + 40;
    if (cut >= entry_end) want.push_back("4.1");
    EXPECT_EQ(Ids(r->entries), want);
    EXPECT_EQ(r->repaired_tail, cut != before.size() && cut != entry_end && cut != full.size());
    EXPECT_EQ(r->hard_state.commit(), cut == full.size() ? 3u : 2u);
    if (r->repaired_tail) {
      EXPECT_EQ(Read(seg).size(), cut >= entry_end ? entry_end : before.size());
    }
    // The repaired WAL takes new writes and reads back cleanly.
    ASSERT_TRUE(w2->Save(HS(1, 1, 4), {Entry(4, 1, "again")}).ok());
    ASSERT_TRUE(w2->Close().ok());
    auto r2 = Reopen();
    ASSERT_TRUE(r2.ok()) << r2.status();
    EXPECT_EQ(Ids(r2->entries), IdRange(1, 4, 1));
    EXPECT_EQ(r2->entries.back().data(), "again");
    EXPECT_FALSE(r2->repaired_tail);
  }
}

TEST_F(WalTest, ZeroedAndGarbageTailsAreRepaired) {
  for (bool zeros : {true, false}) {
    SCOPED_TRACE(zeros);
    std::string dir = zeros ? "/z/wal" : "/g/wal";
    auto w = Wal::Create(&env_, dir, kMeta);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Save(HS(1, 1, 5), Ents(1, 5, 1)).ok());
    std::string seg = JoinPath(dir, (*w)->SegmentNames()[0]);
    ASSERT_TRUE((*w)->Close().ok());
    std::string data = Read(seg);
    size_t good = data.size();
    uint32_t x = 99;
    for (int i = 0; i < 8192; ++i) {
      x = x * 1664525u + 1013904223u;
      data.push_back(zeros ? '\0' : static_cast<char>(x >> 24));
    }
    Write(seg, data);
    auto o = Wal::Open(&env_, dir, {});
    ASSERT_TRUE(o.ok());
    auto r = (*o)->ReadAll();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->repaired_tail);
    EXPECT_EQ(Ids(r->entries), IdRange(1, 5, 1));
    EXPECT_EQ(Read(seg).size(), good);
  }
}

TEST_F(WalTest, TornHeaderOfANewSegmentFallsBackToThePreviousOne) {
  WalOptions o;
  o.segment_bytes = 1000;
  auto w = Create(o);
  ASSERT_TRUE(w->Save(HS(1, 1, 5), Ents(1, 5, 1)).ok());
  ASSERT_TRUE(w->Close().ok());
  // A half-created next segment (possible only with --unsafe-no-fsync).
  Write(SegPath(SegmentFileName(1, 6)), std::string("\x12\x34\x56", 3));
  std::unique_ptr<Wal> w2;
  auto r = Reopen({}, o, &w2);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->repaired_tail);
  EXPECT_EQ(Ids(r->entries), IdRange(1, 5, 1));
  EXPECT_FALSE(env_.FileExists(SegPath(SegmentFileName(1, 6))));
  ASSERT_TRUE(w2->Save(HS(1, 1, 6), Ents(6, 8, 1)).ok());
  ASSERT_TRUE(w2->Close().ok());
  auto r2 = Reopen({}, o);
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_EQ(Ids(r2->entries), IdRange(1, 8, 1));
}

TEST_F(WalTest, RepairedWalKeepsChainingAcrossNewSegments) {
  WalOptions o;
  o.segment_bytes = 150;
  auto w = Create(o);
  for (uint64_t i = 1; i <= 6; ++i) ASSERT_TRUE(w->Save(HS(1, 1, 0), Ents(i, i, 1)).ok());
  std::string last = SegPath(w->SegmentNames().back());
  ASSERT_TRUE(w->Close().ok());
  Write(last, Read(last) + "\x07\x07");
  std::unique_ptr<Wal> w2;
  auto r = Reopen({}, o, &w2);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->repaired_tail);
  for (uint64_t i = 7; i <= 12; ++i) ASSERT_TRUE(w2->Save(HS(1, 1, 0), Ents(i, i, 1)).ok());
  ASSERT_TRUE(w2->Close().ok());
  auto r2 = Reopen({}, o);
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_EQ(Ids(r2->entries), IdRange(1, 12, 1));
}

// ------------------------------------------------------------------ corruption

TEST_F(WalTest, MidLogCorruptionIsRefused) {
  auto w = Create();
  ASSERT_TRUE(w->Save(HS(1, 1, 5), Ents(1, 5, 1)).ok());
  std::string seg = SegPath(w->SegmentNames()[0]);
  ASSERT_TRUE(w->Close().ok());
  std::string data = Read(seg);
  size_t pos = data.find("v2.1");
  ASSERT_NE(pos, std::string::npos);
  data[pos] = 'X';
  Write(seg, data);
  auto r = Reopen();
  ASSERT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find(seg), std::string::npos) << r.status();
  EXPECT_NE(r.status().message().find("offset"), std::string::npos) << r.status();
  EXPECT_EQ(Read(seg), data);  // nothing was "repaired"
}

TEST_F(WalTest, CorruptionInANonLastSegmentIsRefusedEvenAtItsEnd) {
  WalOptions o;
  o.segment_bytes = 100;
  auto w = Create(o);
  for (uint64_t i = 1; i <= 6; ++i) ASSERT_TRUE(w->Save(HS(1, 1, 0), Ents(i, i, 1)).ok());
  std::vector<std::string> names = w->SegmentNames();
  ASSERT_GE(names.size(), 3u);
  ASSERT_TRUE(w->Close().ok());
  std::string first = Read(SegPath(names[0]));
  Write(SegPath(names[0]), first.substr(0, first.size() - 1));
  auto r = Reopen({}, o);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find(names[0]), std::string::npos) << r.status();
}

// ------------------------------------------------------------------ faults

TEST_F(WalTest, SyncFailureIsReturnedAndSticks) {
  auto w = Create();
  ASSERT_TRUE(w->Save(HS(1, 1, 0), Ents(1, 2, 1)).ok());
  env_.FailNextSyncs(1);
  absl::Status s = w->Save(HS(1, 1, 0), Ents(3, 3, 1));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("Input/output error"), std::string::npos) << s;
  // After a failed fsync nothing more is accepted: the caller must restart.
  EXPECT_EQ(w->Save(HS(1, 1, 0), Ents(3, 3, 1)), s);
  EXPECT_EQ(w->SaveSnapshot({1, 1}), s);
  w.reset();  // "crash"
  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  auto r = Reopen();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Ids(r->entries), IdRange(1, 2, 1));
}

TEST_F(WalTest, DiskFullIsResourceExhaustedAndRecoverable) {
  auto w = Create();
  ASSERT_TRUE(w->Save(HS(1, 1, 0), Ents(1, 3, 1)).ok());
  env_.SetAppendBudget(20);
  absl::Status s = w->Save(HS(1, 1, 0), Ents(4, 10, 1));
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_NE(s.message().find("No space left on device"), std::string::npos);
  w.reset();
  env_.ClearAppendBudget();
  // The partial write is on "disk" (not dropped): recovery must cut it off.
  auto r = Reopen();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->repaired_tail);
  EXPECT_EQ(Ids(r->entries), IdRange(1, 3, 1));
}

TEST_F(WalTest, CrashLosesOnlyUnsyncedRecords) {
  for (auto kind : {testutil::TornTail::Kind::kNone, testutil::TornTail::Kind::kKeepPrefix,
                    testutil::TornTail::Kind::kZeros, testutil::TornTail::Kind::kGarbage}) {
    for (uint64_t torn_bytes : {1u, 13u, 30u, 1000u}) {
      SCOPED_TRACE(::testing::Message() << static_cast<int>(kind) << "/" << torn_bytes);
      std::string dir =
          "/crash" + std::to_string(static_cast<int>(kind)) + "-" + std::to_string(torn_bytes);
      auto w = Wal::Create(&env_, dir, kMeta);
      ASSERT_TRUE(w.ok());
      ASSERT_TRUE((*w)->Save(HS(1, 1, 1), Ents(1, 4, 1)).ok());
      ASSERT_TRUE((*w)->Save(HS(1, 1, 4), {}).ok());  // commit only: not synced
      w->reset();
      ASSERT_TRUE(env_.DropUnsyncedData({kind, torn_bytes, 5}).ok());
      auto o = Wal::Open(&env_, dir, {});
      ASSERT_TRUE(o.ok());
      auto r = (*o)->ReadAll();
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(Ids(r->entries), IdRange(1, 4, 1));
      // The commit-only record survives only if the torn piece kept all of it.
      bool whole = kind == testutil::TornTail::Kind::kKeepPrefix && torn_bytes >= 36;
      EXPECT_EQ(r->hard_state.commit(), whole ? 4u : 1u);
      EXPECT_EQ(r->hard_state.term(), 1u);
    }
  }
}

TEST_F(WalTest, EveryAcknowledgedSaveSurvivesACrashIncludingDirectoryEntries) {
  env_.set_model_directory_sync(true);
  WalOptions o;
  o.segment_bytes = 120;
  auto w = Create(o);
  ASSERT_NE(w, nullptr);
  for (uint64_t i = 1; i <= 12; ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(w->Save(HS(1, 1, i - 1), Ents(i, i, 1)).ok());
    w.reset();  // crash right after the acknowledgement
    ASSERT_TRUE(env_.DropUnsyncedData().ok());
    auto r = Reopen({}, o, &w);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(Ids(r->entries), IdRange(1, i, 1));
  }
  EXPECT_GE(w->SegmentNames().size(), 3u);
}

TEST_F(WalTest, CreateIsAtomicUnderACrash) {
  env_.set_model_directory_sync(true);
  auto w = Create();
  w.reset();
  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  EXPECT_TRUE(Wal::Exists(&env_, kDir));
  EXPECT_TRUE(Reopen().ok());
}

TEST_F(WalTest, NoFsyncNeverSyncs) {
  WalOptions o;
  o.no_fsync = true;
  o.segment_bytes = 100;
  auto w = Create(o);
  for (uint64_t i = 1; i <= 8; ++i) ASSERT_TRUE(w->Save(HS(1, 1, i), Ents(i, i, 1)).ok());
  ASSERT_TRUE(w->SaveSnapshot({2, 1}).ok());
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(env_.sync_calls(), 0);
  auto r = Reopen({}, o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Ids(r->entries), IdRange(1, 8, 1));
}

// ------------------------------------------------------------------ purge

TEST_F(WalTest, PurgeKeepsNAndNeverWhatIsStillNeeded) {
  WalOptions o;
  o.segment_bytes = 100;
  auto w = Create(o);
  for (uint64_t i = 1; i <= 20; ++i) ASSERT_TRUE(w->Save(HS(1, 1, i), Ents(i, i, 1)).ok());
  size_t total = w->SegmentNames().size();
  ASSERT_GE(total, 8u);

  ASSERT_TRUE(w->PurgeOldSegments(2).ok());  // nothing released yet
  EXPECT_EQ(w->SegmentNames().size(), total);

  ASSERT_TRUE(w->SaveSnapshot({15, 1}).ok());
  ASSERT_TRUE(w->ReleaseLockTo(15).ok());
  ASSERT_TRUE(w->PurgeOldSegments(0).ok());  // 0 = unlimited
  EXPECT_EQ(w->SegmentNames().size(), total);

  ASSERT_TRUE(w->PurgeOldSegments(2).ok());
  std::vector<std::string> names = w->SegmentNames();
  // The segment covering index 15 and everything after it stay.
  uint64_t seq, first;
  ASSERT_TRUE(ParseSegmentFileName(names.front(), &seq, &first));
  EXPECT_LE(first, 15u);
  ASSERT_GE(names.size(), 2u);
  ASSERT_TRUE(ParseSegmentFileName(names[1], &seq, &first));
  EXPECT_GT(first, 15u);
  std::vector<std::string> children;
  ASSERT_TRUE(env_.GetChildren(kDir, &children).ok());
  size_t on_disk = 0;
  for (const auto& c : children) on_disk += ParseSegmentFileName(c, &seq, &first) ? 1 : 0;
  EXPECT_EQ(on_disk, names.size());

  ASSERT_TRUE(w->Close().ok());
  auto r = Reopen({15, 1}, o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Ids(r->entries), IdRange(16, 20, 1));
  EXPECT_EQ(Reopen({}, o).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(WalTest, PurgeStopsAtMaxKeep) {
  WalOptions o;
  o.segment_bytes = 100;
  auto w = Create(o);
  for (uint64_t i = 1; i <= 20; ++i) ASSERT_TRUE(w->Save(HS(1, 1, i), Ents(i, i, 1)).ok());
  size_t total = w->SegmentNames().size();
  ASSERT_TRUE(w->SaveSnapshot({20, 1}).ok());
  ASSERT_TRUE(w->ReleaseLockTo(20).ok());
  ASSERT_TRUE(w->PurgeOldSegments(total - 2).ok());
  EXPECT_EQ(w->SegmentNames().size(), total - 2);
  ASSERT_TRUE(w->PurgeOldSegments(1).ok());
  EXPECT_GE(w->SegmentNames().size(), 1u);
  EXPECT_LE(w->SegmentNames().size(), 2u);
}

// ------------------------------------------------------------------ real files

class WalPosixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/wal_posix_test_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(WalPosixTest, RoundTripOnDiskAndExclusiveLock) {
  leveldb::Env* env = leveldb::Env::Default();
  WalOptions o;
  o.segment_bytes = 4096;
  auto w = Wal::Create(env, dir_ + "/member/wal", kMeta, o);
  ASSERT_TRUE(w.ok()) << w.status();
  for (uint64_t i = 1; i <= 200; ++i) {
    ASSERT_TRUE((*w)->Save(HS(1, 1, i), {Entry(i, 1, std::string(100, 'a'))}).ok());
  }
  EXPECT_GT((*w)->SegmentNames().size(), 3u);
  // A second opener is refused while the first holds the directory.
  EXPECT_EQ(Wal::Open(env, dir_ + "/member/wal", {}, o).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE((*w)->Close().ok());
  auto r = Wal::Open(env, dir_ + "/member/wal", {}, o);
  ASSERT_TRUE(r.ok()) << r.status();
  auto res = (*r)->ReadAll();
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->entries.size(), 200u);
  EXPECT_EQ(res->hard_state.commit(), 200u);
  ASSERT_TRUE((*r)->Close().ok());
}

uint64_t FileSize(const std::string& path) { return std::filesystem::file_size(path); }

// Opens the WAL in `dir` from the start and reads it all; the Wal stays open in *wal (for
// more Saves, or a Close) and the result lands in *res.
void OpenAndReadAll(leveldb::Env* env, const std::string& dir, std::unique_ptr<Wal>* wal,
                    Wal::ReadResult* res, const WalOptions& options = {}) {
  auto o = Wal::Open(env, dir, {}, options);
  ASSERT_TRUE(o.ok()) << o.status();
  auto r = (*o)->ReadAll();
  ASSERT_TRUE(r.ok()) << r.status();
  *wal = std::move(*o);
  *res = std::move(*r);
}

// A crash (no Close) leaves the preallocated zeros after the last record: the reader
// takes them for the segment's clean end (no repair, no rewrite) and the next Save
// writes over them.
TEST_F(WalPosixTest, PreallocatedTailSurvivesACrashWithoutRepair) {
  leveldb::Env* env = leveldb::Env::Default();
  const std::string dir = dir_ + "/wal";
  {
    auto w = Wal::Create(env, dir, kMeta);
    ASSERT_TRUE(w.ok()) << w.status();
    ASSERT_TRUE((*w)->Save(HS(1, 1, 3), Ents(1, 3, 1)).ok());
    std::string seg = JoinPath(dir, (*w)->SegmentNames()[0]);
    EXPECT_EQ(FileSize(seg), kPreallocChunk);
    // *w is destroyed without Close: a kill -9.
  }
  std::string seg;
  std::unique_ptr<Wal> w;
  Wal::ReadResult r;
  ASSERT_NO_FATAL_FAILURE(OpenAndReadAll(env, dir, &w, &r));
  EXPECT_FALSE(r.repaired_tail);
  EXPECT_EQ(Ids(r.entries), IdRange(1, 3, 1));
  seg = JoinPath(dir, w->SegmentNames()[0]);
  EXPECT_EQ(FileSize(seg), kPreallocChunk);  // kept as it was
  ASSERT_TRUE(w->Save(HS(1, 1, 5), Ents(4, 5, 1)).ok());
  w.reset();  // crash again
  ASSERT_NO_FATAL_FAILURE(OpenAndReadAll(env, dir, &w, &r));
  EXPECT_FALSE(r.repaired_tail);
  EXPECT_EQ(Ids(r.entries), IdRange(1, 5, 1));
  EXPECT_EQ(r.hard_state.commit(), 5u);
  // Close cuts the zeros off: the file ends with its last record.
  ASSERT_TRUE(w->Close().ok());
  std::string data;
  ASSERT_TRUE(ReadWholeFile(env, seg, &data).ok());
  EXPECT_LT(data.size(), 4096u);
  // ... and reads back without any repair.
  ASSERT_NO_FATAL_FAILURE(OpenAndReadAll(env, dir, &w, &r));
  EXPECT_FALSE(r.repaired_tail);
  EXPECT_EQ(Ids(r.entries), IdRange(1, 5, 1));
  ASSERT_TRUE(w->Close().ok());
}

// A record torn in the middle of the preallocated area (garbage, then zeros) is still
// cut off, and writing continues after the valid records.
TEST_F(WalPosixTest, TornRecordBeforeTheZerosIsRepaired) {
  leveldb::Env* env = leveldb::Env::Default();
  const std::string dir = dir_ + "/wal";
  std::string seg;
  uint64_t good = 0;
  {
    auto w = Wal::Create(env, dir, kMeta);
    ASSERT_TRUE(w.ok()) << w.status();
    ASSERT_TRUE((*w)->Save(HS(1, 1, 2), Ents(1, 2, 1)).ok());
    ASSERT_TRUE((*w)->Close().ok());
    seg = JoinPath(dir, (*w)->SegmentNames()[0]);
    good = FileSize(seg);
  }
  {
    // Half a record, then a preallocated zero tail.
    std::string data;
    ASSERT_TRUE(ReadWholeFile(env, seg, &data).ok());
    data += std::string(
        "\x11\x22\x33\x44\x20\x00\x00\x00\x03\x00\x00\x00"
        "abc",
        15);
    data += std::string(100000, '\0');
    ASSERT_TRUE(leveldb::WriteStringToFile(env, data, seg).ok());
  }
  std::unique_ptr<Wal> w;
  Wal::ReadResult r;
  ASSERT_NO_FATAL_FAILURE(OpenAndReadAll(env, dir, &w, &r));
  EXPECT_TRUE(r.repaired_tail);
  EXPECT_EQ(Ids(r.entries), IdRange(1, 2, 1));
  EXPECT_EQ(FileSize(seg), good);
  ASSERT_TRUE(w->Save(HS(1, 1, 3), Ents(3, 3, 1)).ok());
  w.reset();
  ASSERT_NO_FATAL_FAILURE(OpenAndReadAll(env, dir, &w, &r));
  EXPECT_FALSE(r.repaired_tail);
  EXPECT_EQ(Ids(r.entries), IdRange(1, 3, 1));
  ASSERT_TRUE(w->Close().ok());
}

// Every segment but the last ends with its last record (Cut seals it), so damage there
// stays detectable as corruption.
TEST_F(WalPosixTest, CutSegmentsAreSealed) {
  leveldb::Env* env = leveldb::Env::Default();
  const std::string dir = dir_ + "/wal";
  WalOptions o;
  o.segment_bytes = 2000;
  auto w = Wal::Create(env, dir, kMeta, o);
  ASSERT_TRUE(w.ok()) << w.status();
  for (uint64_t i = 1; i <= 60; ++i) {
    ASSERT_TRUE((*w)->Save(HS(1, 1, i), {Entry(i, 1, std::string(100, 'a'))}).ok());
  }
  auto names = (*w)->SegmentNames();
  ASSERT_GT(names.size(), 2u);
  for (size_t i = 0; i + 1 < names.size(); ++i) {
    EXPECT_LT(FileSize(JoinPath(dir, names[i])), 2300u) << names[i];
  }
  EXPECT_EQ(FileSize(JoinPath(dir, names.back())), kPreallocChunk);
  w->reset();  // crash
  std::unique_ptr<Wal> again;
  Wal::ReadResult res;
  ASSERT_NO_FATAL_FAILURE(OpenAndReadAll(env, dir, &again, &res, o));
  EXPECT_EQ(res.entries.size(), 60u);
  EXPECT_FALSE(res.repaired_tail);
  ASSERT_TRUE(again->Close().ok());
}

// With preallocation off, the tail is appended as on any Env and a zero tail left by
// a crash is rewritten away.
TEST_F(WalPosixTest, PreallocationCanBeTurnedOff) {
  leveldb::Env* env = leveldb::Env::Default();
  const std::string dir = dir_ + "/wal";
  WalOptions o;
  o.preallocate = false;
  {
    auto w = Wal::Create(env, dir, kMeta, o);
    ASSERT_TRUE(w.ok()) << w.status();
    ASSERT_TRUE((*w)->Save(HS(1, 1, 2), Ents(1, 2, 1)).ok());
    EXPECT_LT(FileSize(JoinPath(dir, (*w)->SegmentNames()[0])), 4096u);
  }
  // Reading a preallocated WAL without preallocation repairs (rewrites) its tail.
  {
    auto w = Wal::Open(env, dir, {});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->ReadAll().ok());
    ASSERT_TRUE((*w)->Save(HS(1, 1, 3), Ents(3, 3, 1)).ok());
  }
  std::unique_ptr<Wal> w;
  Wal::ReadResult res;
  ASSERT_NO_FATAL_FAILURE(OpenAndReadAll(env, dir, &w, &res, o));
  EXPECT_TRUE(res.repaired_tail);
  EXPECT_EQ(Ids(res.entries), IdRange(1, 3, 1));
  ASSERT_TRUE(w->Close().ok());
}

}  // namespace
}  // namespace etcd::wal
