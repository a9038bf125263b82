#include "testutil/fault_env.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "leveldb/helpers/memenv.h"

namespace etcd::testutil {
namespace {

class FaultEnvTest : public ::testing::Test {
 protected:
  FaultEnvTest() : mem_(leveldb::NewMemEnv(leveldb::Env::Default())), env_(mem_.get()) {
    env_.CreateDir("/d");
  }

  std::unique_ptr<leveldb::WritableFile> Open(const std::string& path, bool append = false) {
    leveldb::WritableFile* f = nullptr;
    leveldb::Status s = append ? env_.NewAppendableFile(path, &f) : env_.NewWritableFile(path, &f);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return std::unique_ptr<leveldb::WritableFile>(f);
  }

  std::string Contents(const std::string& path) {
    std::string out;
    leveldb::Status s = leveldb::ReadFileToString(&env_, path, &out);
    return s.ok() ? out : "<missing>";
  }

  std::unique_ptr<leveldb::Env> mem_;
  FaultEnv env_;
};

TEST_F(FaultEnvTest, DropUnsyncedDataKeepsOnlySyncedBytes) {
  auto f = Open("/d/a");
  ASSERT_TRUE(f->Append("synced").ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(f->Append("-lost").ok());
  EXPECT_EQ(env_.UnsyncedBytes("/d/a"), 5u);
  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  EXPECT_EQ(Contents("/d/a"), "synced");
  EXPECT_EQ(env_.UnsyncedBytes("/d/a"), 0u);
}

TEST_F(FaultEnvTest, HandlesFromBeforeTheCrashAreDead) {
  auto f = Open("/d/a");
  ASSERT_TRUE(f->Append("x").ok());
  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  EXPECT_FALSE(f->Append("y").ok());
  EXPECT_FALSE(f->Sync().ok());
  EXPECT_EQ(Contents("/d/a"), "");
  // New handles work.
  auto g = Open("/d/a", /*append=*/true);
  EXPECT_TRUE(g->Append("z").ok());
  EXPECT_EQ(Contents("/d/a"), "z");
}

TEST_F(FaultEnvTest, TornTailKinds) {
  for (auto kind :
       {TornTail::Kind::kKeepPrefix, TornTail::Kind::kZeros, TornTail::Kind::kGarbage}) {
    auto f = Open("/d/t");
    ASSERT_TRUE(f->Append("AAAA").ok());
    ASSERT_TRUE(f->Sync().ok());
    ASSERT_TRUE(f->Append("BBBBBBBB").ok());
    f.reset();
    ASSERT_TRUE(env_.DropUnsyncedData({kind, 3, 7}).ok());
    std::string got = Contents("/d/t");
    ASSERT_EQ(got.size(), 7u);
    EXPECT_EQ(got.substr(0, 4), "AAAA");
    if (kind == TornTail::Kind::kKeepPrefix) {
      EXPECT_EQ(got.substr(4), "BBB");
    }
    if (kind == TornTail::Kind::kZeros) {
      EXPECT_EQ(got.substr(4), std::string(3, '\0'));
    }
  }
}

TEST_F(FaultEnvTest, TornPieceIsCappedAtTheUnsyncedLength) {
  auto f = Open("/d/a");
  ASSERT_TRUE(f->Append("ab").ok());
  f.reset();
  ASSERT_TRUE(env_.DropUnsyncedData({TornTail::Kind::kKeepPrefix, 100}).ok());
  EXPECT_EQ(Contents("/d/a"), "ab");
}

TEST_F(FaultEnvTest, FailNextSyncsFailsAndLeavesDataUnsynced) {
  auto f = Open("/d/a");
  ASSERT_TRUE(f->Append("data").ok());
  env_.FailNextSyncs(2);
  leveldb::Status s = f->Sync();
  EXPECT_TRUE(s.IsIOError());
  EXPECT_NE(s.ToString().find("Input/output error"), std::string::npos);
  EXPECT_FALSE(f->Sync().ok());
  EXPECT_EQ(env_.UnsyncedBytes("/d/a"), 4u);
  EXPECT_TRUE(f->Sync().ok());
  EXPECT_EQ(env_.UnsyncedBytes("/d/a"), 0u);
  EXPECT_EQ(env_.sync_calls(), 3);
}

TEST_F(FaultEnvTest, AppendBudgetWritesWhatFitsThenFails) {
  auto f = Open("/d/a");
  env_.SetAppendBudget(5);
  EXPECT_TRUE(f->Append("abc").ok());
  leveldb::Status s = f->Append("defg");
  EXPECT_TRUE(s.IsIOError());
  EXPECT_NE(s.ToString().find("No space left on device"), std::string::npos);
  EXPECT_FALSE(f->Append("h").ok());
  EXPECT_EQ(Contents("/d/a"), "abcde");
  env_.ClearAppendBudget();
  EXPECT_TRUE(f->Append("h").ok());
  EXPECT_EQ(Contents("/d/a"), "abcdeh");
  EXPECT_EQ(env_.append_calls(), 4);
}

TEST_F(FaultEnvTest, FaultFilterLimitsFaultsToMatchingPaths) {
  env_.CreateDir("/other");
  auto wal = Open("/d/x.wal");
  auto db = Open("/other/y");
  env_.SetFaultFilter("/d/");
  env_.FailNextSyncs(1);
  env_.SetAppendBudget(0);
  EXPECT_TRUE(db->Append("fine").ok());
  EXPECT_TRUE(db->Sync().ok());
  EXPECT_FALSE(wal->Append("full").ok());
  EXPECT_FALSE(wal->Sync().ok());
}

TEST_F(FaultEnvTest, AppendableFileTreatsExistingBytesAsSynced) {
  {
    auto f = Open("/d/a");
    ASSERT_TRUE(f->Append("old").ok());
    ASSERT_TRUE(f->Sync().ok());
  }
  auto g = Open("/d/a", /*append=*/true);
  ASSERT_TRUE(g->Append("new").ok());
  g.reset();
  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  EXPECT_EQ(Contents("/d/a"), "old");
}

TEST_F(FaultEnvTest, RenameCarriesSyncState) {
  auto f = Open("/d/tmp");
  ASSERT_TRUE(f->Append("whole").ok());
  ASSERT_TRUE(f->Sync().ok());
  f.reset();
  ASSERT_TRUE(env_.RenameFile("/d/tmp", "/d/final").ok());
  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  EXPECT_EQ(Contents("/d/final"), "whole");
  EXPECT_EQ(Contents("/d/tmp"), "<missing>");
}

TEST_F(FaultEnvTest, DirectoryModelUndoesUnsyncedCreateRenameAndRemove) {
  env_.set_model_directory_sync(true);
  {
    auto f = Open("/d/keep");
    ASSERT_TRUE(f->Append("k").ok());
    ASSERT_TRUE(f->Sync().ok());
    auto m = Open("/d/MANIFEST.dirsync", /*append=*/true);
    ASSERT_TRUE(m->Sync().ok());  // /d's entries are now durable
  }
  {
    auto f = Open("/d/new.tmp");
    ASSERT_TRUE(f->Append("v2").ok());
    ASSERT_TRUE(f->Sync().ok());
  }
  ASSERT_TRUE(env_.RenameFile("/d/new.tmp", "/d/keep").ok());  // replace, not dir-synced
  {
    auto f = Open("/d/created");
    ASSERT_TRUE(f->Append("c").ok());
    ASSERT_TRUE(f->Sync().ok());
  }
  EXPECT_EQ(Contents("/d/keep"), "v2");
  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  EXPECT_EQ(Contents("/d/keep"), "k");
  EXPECT_EQ(Contents("/d/created"), "<missing>");
  EXPECT_EQ(Contents("/d/new.tmp"), "<missing>");  // its creation was undone too

  // Removal without a directory sync comes back.
  ASSERT_TRUE(env_.RemoveFile("/d/keep").ok());
  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  EXPECT_EQ(Contents("/d/keep"), "k");
}

TEST_F(FaultEnvTest, DirectorySyncMakesEntriesDurable) {
  env_.set_model_directory_sync(true);
  {
    auto f = Open("/d/a.tmp");
    ASSERT_TRUE(f->Append("data").ok());
    ASSERT_TRUE(f->Sync().ok());
  }
  ASSERT_TRUE(env_.RenameFile("/d/a.tmp", "/d/a").ok());
  {
    auto m = Open("/d/MANIFEST.dirsync", /*append=*/true);
    ASSERT_TRUE(m->Sync().ok());
  }
  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  EXPECT_EQ(Contents("/d/a"), "data");
}

}  // namespace
}  // namespace etcd::testutil
