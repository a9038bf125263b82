#include "tools/etcdutl/restore.h"

#include <leveldb/helpers/memenv.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "membership/cluster.h"
#include "snapshot/backend_image.h"
#include "snapshot/image_format.h"
#include "storage/backend.h"
#include "wal/snapshotter.h"
#include "wal/wal.h"

namespace etcd::etcdutl {
namespace {

namespace fs = std::filesystem;

// Restore reads the snapshot file and checks paths with the real file system, and
// writes the data dir through Env::Default(); the test works in a fresh temp dir.
class RestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("etcdutl-restore-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A snapshot file of a small source backend.
  std::string MakeSnapshot() {
    std::unique_ptr<leveldb::Env> mem(leveldb::NewMemEnv(leveldb::Env::Default()));
    auto b = storage::Backend::Open(mem.get(), "/src");
    EXPECT_TRUE(b.ok());
    std::string rev(17, '\0');
    rev[7] = 5;
    rev[8] = '_';
    (*b)->Put(storage::Bucket::kKey, rev, "kv-at-5");
    (*b)->Put(storage::Bucket::kMembers, "m-old", "old member");
    (*b)->Put(storage::Bucket::kAlarm, "old alarm", "");
    (*b)->Put(storage::Bucket::kCluster, "clusterVersion", "3.5.0");
    EXPECT_TRUE((*b)->Commit(1234, 7).ok());
    auto r = snapshot::BackendImageReader::Open((*b)->NewReadView());
    std::string all;
    for (;;) {
      auto c = (*r)->Next(1 << 16);
      if (c->empty()) break;
      all += *c;
    }
    std::string path = (dir_ / "snap.db").string();
    std::ofstream(path, std::ios::binary) << all;
    return path;
  }

  fs::path dir_;
};

TEST_F(RestoreTest, ThreeMemberRestoreWritesDbWalAndSnap) {
  RestoreConfig cfg;
  cfg.snapshot_path = MakeSnapshot();
  cfg.name = "n2";
  cfg.data_dir = (dir_ / "n2").string();
  cfg.initial_cluster = "n1=http://127.0.0.1:1,n2=http://127.0.0.1:2,n3=http://127.0.0.1:3";
  cfg.initial_advertise_peer_urls = "http://127.0.0.1:2";
  cfg.initial_cluster_token = "tok";
  auto res = Restore(cfg, Env::Default());
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->revision, 5);
  EXPECT_EQ(res->added_members.size(), 3u);

  auto b = storage::Backend::Open(Env::Default(), cfg.data_dir + "/member/db");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)->ConsistentIndex(), 3u);
  EXPECT_EQ((*b)->ConsistentTerm(), 1u);
  membership::RaftCluster cl;
  ASSERT_TRUE(cl.Recover(**b).ok());
  EXPECT_EQ(cl.Members().size(), 3u);
  EXPECT_EQ(cl.id(), res->cluster_id);
  EXPECT_EQ(cl.Version(), "3.5.0");
  EXPECT_FALSE((*(*b)->Get(storage::Bucket::kAlarm, "old alarm")).has_value());
  EXPECT_FALSE((*(*b)->Get(storage::Bucket::kMembers, "m-old")).has_value());
  b->reset();

  auto snaps = wal::Wal::ValidSnapshotEntries(Env::Default(), cfg.data_dir + "/member/wal");
  ASSERT_TRUE(snaps.ok()) << snaps.status();
  ASSERT_FALSE(snaps->empty());
  EXPECT_EQ(snaps->back(), (wal::WalSnapshot{3, 1}));
  wal::Snapshotter sn(Env::Default(), cfg.data_dir + "/member/snap");
  auto snap = sn.Load();
  ASSERT_TRUE(snap.ok()) << snap.status();
  EXPECT_EQ(snap->metadata().index(), 3u);
  EXPECT_EQ(snap->metadata().conf_state().voters_size(), 3);
  auto w = wal::Wal::Open(Env::Default(), cfg.data_dir + "/member/wal", {0, 0});
  ASSERT_TRUE(w.ok());
  auto rr = (*w)->ReadAll();
  ASSERT_TRUE(rr.ok()) << rr.status();
  EXPECT_EQ(rr->entries.size(), 3u);
  EXPECT_EQ(rr->hard_state.commit(), 3u);
  EXPECT_EQ(rr->hard_state.term(), 1u);
}

TEST_F(RestoreTest, RefusalsWithEtcdTexts) {
  RestoreConfig cfg;
  cfg.snapshot_path = MakeSnapshot();
  cfg.data_dir = dir_.string();  // exists
  EXPECT_EQ(Restore(cfg, Env::Default()).status().message(),
            "data-dir \"" + dir_.string() + "\" exists");
  cfg.data_dir = (dir_ / "x").string();
  cfg.name = "other";
  EXPECT_EQ(Restore(cfg, Env::Default()).status().message(),
            "couldn't find local name \"other\" in the initial cluster configuration");
  cfg.name = "default";
  // Flip a byte of the image: the SHA-256 no longer matches.
  {
    std::fstream f(cfg.snapshot_path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40);
    f.put('\x7f');
  }
  std::string msg(Restore(cfg, Env::Default()).status().message());
  EXPECT_EQ(msg.rfind("expected sha256 [", 0), 0u) << msg;
  cfg.skip_hash_check = true;
  cfg.data_dir = (dir_ / "y").string();
  msg = std::string(Restore(cfg, Env::Default()).status().message());
  EXPECT_EQ(msg.rfind("snapshot file integrity check failed. 1 errors found.\n", 0), 0u) << msg;
}

TEST(GoBytesTest, Format) { EXPECT_EQ(GoBytes(std::string("\x01\xff\x00", 3)), "[1 255 0]"); }

}  // namespace
}  // namespace etcd::etcdutl
