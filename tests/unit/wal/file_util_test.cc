#include "wal/file_util.h"

#include <gtest/gtest.h>

#include <memory>

#include "leveldb/helpers/memenv.h"
#include "testutil/fault_env.h"

namespace etcd::wal {
namespace {

class FileUtilTest : public ::testing::Test {
 protected:
  FileUtilTest() : mem_(leveldb::NewMemEnv(leveldb::Env::Default())), env_(mem_.get()) {}
  std::unique_ptr<leveldb::Env> mem_;
  testutil::FaultEnv env_;
};

TEST_F(FileUtilTest, WriteAtomicallyThenRead) {
  ASSERT_TRUE(CreateDirAll(&env_, "/a/b/c").ok());
  ASSERT_TRUE(WriteFileAtomically(&env_, "/a/b/c", "f", "hello", false).ok());
  std::string got;
  ASSERT_TRUE(ReadWholeFile(&env_, "/a/b/c/f", &got).ok());
  EXPECT_EQ(got, "hello");
  EXPECT_FALSE(env_.FileExists("/a/b/c/f.tmp"));
}

TEST_F(FileUtilTest, WriteAtomicallySurvivesACrashOnceReturned) {
  env_.set_model_directory_sync(true);
  ASSERT_TRUE(WriteFileAtomically(&env_, "/d", "f", "v1", false).ok());
  ASSERT_TRUE(env_.DropUnsyncedData().ok());
  std::string got;
  ASSERT_TRUE(ReadWholeFile(&env_, "/d/f", &got).ok());
  EXPECT_EQ(got, "v1");
}

TEST_F(FileUtilTest, FailedSyncLeavesTheOldFile) {
  ASSERT_TRUE(WriteFileAtomically(&env_, "/d", "f", "old", false).ok());
  env_.FailNextSyncs(1);
  absl::Status s = WriteFileAtomically(&env_, "/d", "f", "new", false);
  EXPECT_FALSE(s.ok());
  std::string got;
  ASSERT_TRUE(ReadWholeFile(&env_, "/d/f", &got).ok());
  EXPECT_EQ(got, "old");
  EXPECT_FALSE(env_.FileExists("/d/f.tmp"));
}

TEST_F(FileUtilTest, DiskFullIsResourceExhausted) {
  env_.SetAppendBudget(2);
  absl::Status s = WriteFileAtomically(&env_, "/d", "f", "toolong", false);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_NE(s.message().find("No space left on device"), std::string::npos);
}

TEST_F(FileUtilTest, ReadMissingFileIsNotFound) {
  std::string got;
  EXPECT_EQ(ReadWholeFile(&env_, "/nope", &got).code(), absl::StatusCode::kNotFound);
}

TEST_F(FileUtilTest, DirName) {
  EXPECT_EQ(DirName("/a/b"), "/a");
  EXPECT_EQ(DirName("/a"), "/");
  EXPECT_EQ(DirName("a"), "");
}

}  // namespace
}  // namespace etcd::wal
