#include "wal/snapshotter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "leveldb/helpers/memenv.h"
#include "testutil/fault_env.h"
#include "wal/file_names.h"
#include "wal/file_util.h"

namespace etcd::wal {
namespace {

constexpr char kDir[] = "/data/member/snap";

raftpb::Snapshot Snap(uint64_t term, uint64_t index, std::string data = "state") {
  raftpb::Snapshot s;
  s.set_data(std::move(data));
  s.mutable_metadata()->set_term(term);
  s.mutable_metadata()->set_index(index);
  s.mutable_metadata()->mutable_conf_state()->add_voters(1);
  s.mutable_metadata()->mutable_conf_state()->add_voters(2);
  s.mutable_metadata()->mutable_conf_state()->add_learners(3);
  return s;
}

class SnapshotterTest : public ::testing::Test {
 protected:
  SnapshotterTest()
      : mem_(leveldb::NewMemEnv(leveldb::Env::Default())), env_(mem_.get()), ss_(&env_, kDir) {}

  std::vector<std::string> Files() {
    std::vector<std::string> children;
    env_.GetChildren(kDir, &children);
    children.erase(std::remove(children.begin(), children.end(), std::string(kDirSyncFileName)),
                   children.end());
    std::sort(children.begin(), children.end());
    return children;
  }
  void Write(const std::string& name, const std::string& data) {
    ASSERT_TRUE(leveldb::WriteStringToFile(&env_, data, JoinPath(kDir, name)).ok());
  }

  std::unique_ptr<leveldb::Env> mem_;
  testutil::FaultEnv env_;
  Snapshotter ss_;
};

TEST_F(SnapshotterTest, SaveAndLoad) {
  ASSERT_TRUE(ss_.SaveSnap(Snap(2, 10)).ok());
  EXPECT_EQ(Files(), std::vector<std::string>{"0000000000000002-000000000000000a.snap"});
  auto got = ss_.Load();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->SerializeAsString(), Snap(2, 10).SerializeAsString());
}

TEST_F(SnapshotterTest, EmptySnapshotIsNotSaved) {
  ASSERT_TRUE(ss_.SaveSnap(raftpb::Snapshot()).ok());
  EXPECT_TRUE(Files().empty());
}

TEST_F(SnapshotterTest, NoSnapshotIsNotFound) {
  auto got = ss_.Load();
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(got.status().message(), "snap: no available snapshot");
}

TEST_F(SnapshotterTest, LoadsTheNewest) {
  ASSERT_TRUE(ss_.SaveSnap(Snap(1, 5)).ok());
  ASSERT_TRUE(ss_.SaveSnap(Snap(2, 20)).ok());
  ASSERT_TRUE(ss_.SaveSnap(Snap(2, 11)).ok());
  auto got = ss_.Load();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->metadata().index(), 20u);
  auto names = ss_.SnapNames();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->front(), SnapFileName(2, 20));
  EXPECT_EQ(names->back(), SnapFileName(1, 5));
}

TEST_F(SnapshotterTest, BrokenFilesAreRenamedAndSkipped) {
  ASSERT_TRUE(ss_.SaveSnap(Snap(1, 5, "good")).ok());
  ASSERT_TRUE(ss_.SaveSnap(Snap(1, 9, "flipped")).ok());
  ASSERT_TRUE(ss_.SaveSnap(Snap(1, 10)).ok());
  // 10: truncated; 9: a flipped payload byte; 12: empty; 11: wrong metadata for its name.
  std::string data;
  ASSERT_TRUE(ReadWholeFile(&env_, JoinPath(kDir, SnapFileName(1, 10)), &data).ok());
  Write(SnapFileName(1, 10), data.substr(0, data.size() - 3));
  ASSERT_TRUE(ReadWholeFile(&env_, JoinPath(kDir, SnapFileName(1, 9)), &data).ok());
  data[data.find("flipped")] = 'F';
  Write(SnapFileName(1, 9), data);
  Write(SnapFileName(1, 12), "");
  Write(SnapFileName(1, 11), Snapshotter::Encode(Snap(1, 3)));

  auto got = ss_.Load();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->data(), "good");
  EXPECT_EQ(Files(), (std::vector<std::string>{
                         "0000000000000001-0000000000000005.snap",
                         "0000000000000001-0000000000000009.snap.broken",
                         "0000000000000001-000000000000000a.snap.broken",
                         "0000000000000001-000000000000000b.snap.broken",
                         "0000000000000001-000000000000000c.snap.broken",
                     }));
}

TEST_F(SnapshotterTest, AllBrokenIsNotFound) {
  Write(SnapFileName(1, 1), "garbage");
  EXPECT_EQ(ss_.Load().status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SnapshotterTest, LoadNewestAvailableMatchesTheWal) {
  ASSERT_TRUE(ss_.SaveSnap(Snap(1, 5)).ok());
  ASSERT_TRUE(ss_.SaveSnap(Snap(2, 10)).ok());
  ASSERT_TRUE(ss_.SaveSnap(Snap(2, 15)).ok());  // orphan: the WAL never recorded it
  std::vector<WalSnapshot> wal = {{0, 0}, {5, 1}, {10, 2}};
  auto got = ss_.LoadNewestAvailable(wal);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->metadata().index(), 10u);
  // Same index, other term: no match.
  auto none = ss_.LoadNewestAvailable({{10, 3}});
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SnapshotterTest, PurgeOldKeepsTheNewest) {
  for (uint64_t i = 1; i <= 6; ++i) ASSERT_TRUE(ss_.SaveSnap(Snap(1, i * 10)).ok());
  Write("0000000000000001-0000000000000070.snap.tmp", "partial");
  ASSERT_TRUE(ss_.PurgeOld(0).ok());  // unlimited: only the temp file goes
  EXPECT_EQ(Files().size(), 6u);
  ASSERT_TRUE(ss_.PurgeOld(2).ok());
  EXPECT_EQ(Files(), (std::vector<std::string>{SnapFileName(1, 50), SnapFileName(1, 60)}));
}

TEST_F(SnapshotterTest, SaveIsAtomicAndDurable) {
  env_.set_model_directory_sync(true);
  ASSERT_TRUE(ss_.SaveSnap(Snap(1, 5)).ok());
  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  auto got = ss_.Load();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->metadata().index(), 5u);
}

TEST_F(SnapshotterTest, FailedSyncLeavesNoSnapshot) {
  env_.FailNextSyncs(1);
  EXPECT_FALSE(ss_.SaveSnap(Snap(1, 5)).ok());
  EXPECT_EQ(ss_.Load().status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SnapshotterTest, DecodeRejectsDamage) {
  std::string good = Snapshotter::Encode(Snap(1, 1));
  ASSERT_TRUE(Snapshotter::Decode(good).ok());
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] ^= 0x01;
    EXPECT_EQ(Snapshotter::Decode(bad).status().code(), absl::StatusCode::kDataLoss) << i;
  }
  EXPECT_FALSE(Snapshotter::Decode(good.substr(0, 10)).ok());
}

}  // namespace
}  // namespace etcd::wal
