#include "wal/tail_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "leveldb/helpers/memenv.h"
#include "wal/file_util.h"

namespace etcd::wal {
namespace {

std::string TempPath(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/tail_file_test";
  std::filesystem::create_directories(dir);
  return dir + "/" + name;
}

TEST(TailFileTest, PosixTailIsPreallocatedAndSealedBackToItsData) {
  leveldb::Env* env = leveldb::Env::Default();
  std::string path = TempPath("prealloc");
  ASSERT_TRUE(leveldb::WriteStringToFile(env, "head", path).ok());
  auto f = TailFile::Open(env, path, 4, /*preallocate=*/true);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE((*f)->preallocated());
  ASSERT_TRUE((*f)->Append("abc").ok());
  ASSERT_TRUE((*f)->Sync().ok());
  EXPECT_EQ(std::filesystem::file_size(path), kPreallocChunk);
  // Appends beyond one chunk grow the allocation by whole chunks.
  ASSERT_TRUE((*f)->Append(std::string(kPreallocChunk, 'x')).ok());
  EXPECT_EQ(std::filesystem::file_size(path), 2 * kPreallocChunk);
  ASSERT_TRUE((*f)->Seal(/*no_sync=*/false).ok());
  ASSERT_TRUE((*f)->Close().ok());
  EXPECT_EQ(std::filesystem::file_size(path), 7 + kPreallocChunk);
  std::string data;
  ASSERT_TRUE(ReadWholeFile(env, path, &data).ok());
  EXPECT_EQ(data.substr(0, 8), "headabcx");
  std::filesystem::remove(path);
}

// True when the file system reports an "unwritten" (fallocated, never written) extent
// in the file; nullopt when it cannot tell (no FIEMAP).
std::optional<bool> HasUnwrittenExtent(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  constexpr int kExtents = 64;
  std::vector<char> buf(sizeof(fiemap) + kExtents * sizeof(fiemap_extent), 0);
  auto* fm = reinterpret_cast<fiemap*>(buf.data());
  fm->fm_length = FIEMAP_MAX_OFFSET;
  fm->fm_flags = FIEMAP_FLAG_SYNC;
  fm->fm_extent_count = kExtents;
  const int rc = ::ioctl(fd, FS_IOC_FIEMAP, fm);
  ::close(fd);
  if (rc != 0) return std::nullopt;
  for (uint32_t i = 0; i < fm->fm_mapped_extents; ++i) {
    if (fm->fm_extents[i].fe_flags & FIEMAP_EXTENT_UNWRITTEN) return true;
  }
  return false;
}

TEST(TailFileTest, PreallocationWritesZeros) {
  leveldb::Env* env = leveldb::Env::Default();
  std::string path = TempPath("zeros");
  ASSERT_TRUE(leveldb::WriteStringToFile(env, "head", path).ok());
  auto f = TailFile::Open(env, path, 4, /*preallocate=*/true);
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_TRUE((*f)->Append("abc").ok());
  ASSERT_TRUE((*f)->Sync().ok());
  std::string data;
  ASSERT_TRUE(ReadWholeFile(env, path, &data).ok());
  ASSERT_EQ(data.size(), kPreallocChunk);
  EXPECT_EQ(data.substr(0, 7), "headabc");
  EXPECT_EQ(data.find_first_not_of('\0', 7), std::string::npos);  // zeros after the data
  // Real blocks, not fallocated "unwritten" extents whose conversion every later
  // fdatasync would have to commit too.
  if (std::optional<bool> unwritten = HasUnwrittenExtent(path); unwritten.has_value()) {
    EXPECT_FALSE(*unwritten);
  }
  // The next chunk starts right after the data that crossed into it.
  ASSERT_TRUE((*f)->Append(std::string(kPreallocChunk - 7 + 5, 'y')).ok());
  ASSERT_TRUE(ReadWholeFile(env, path, &data).ok());
  ASSERT_EQ(data.size(), 2 * kPreallocChunk);
  EXPECT_EQ(data[kPreallocChunk + 4], 'y');
  EXPECT_EQ(data.find_first_not_of('\0', kPreallocChunk + 5), std::string::npos);
  (*f).reset();
  std::filesystem::remove(path);
}

TEST(TailFileTest, WritesOverAZeroTailAtTheGivenOffset) {
  leveldb::Env* env = leveldb::Env::Default();
  std::string path = TempPath("overwrite");
  ASSERT_TRUE(
      leveldb::WriteStringToFile(env, std::string("ab") + std::string(10, '\0'), path).ok());
  auto f = TailFile::Open(env, path, 2, true);
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_TRUE((*f)->Append("cd").ok());
  (*f).reset();  // a crash: no seal
  std::string data;
  ASSERT_TRUE(ReadWholeFile(env, path, &data).ok());
  EXPECT_EQ(data, std::string("abcd") + std::string(8, '\0'));
  // An offset past the end of the file is refused.
  EXPECT_FALSE(TailFile::Open(env, path, 100, true).ok());
  std::filesystem::remove(path);
}

TEST(TailFileTest, OtherEnvsAppend) {
  std::unique_ptr<leveldb::Env> mem(leveldb::NewMemEnv(leveldb::Env::Default()));
  ASSERT_TRUE(leveldb::WriteStringToFile(mem.get(), "x", "/f").ok());
  auto f = TailFile::Open(mem.get(), "/f", 1, true);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_FALSE((*f)->preallocated());
  ASSERT_TRUE((*f)->Append("yz").ok());
  ASSERT_TRUE((*f)->Sync().ok());
  ASSERT_TRUE((*f)->Seal(false).ok());
  ASSERT_TRUE((*f)->Close().ok());
  std::string data;
  ASSERT_TRUE(ReadWholeFile(mem.get(), "/f", &data).ok());
  EXPECT_EQ(data, "xyz");
}

// Opens a direct tail on a fresh file holding `head` (null on failure).
std::unique_ptr<TailFile> OpenDirect(const std::string& path, const std::string& head) {
  if (!leveldb::WriteStringToFile(leveldb::Env::Default(), head, path).ok()) return nullptr;
  auto f = TailFile::Open(leveldb::Env::Default(), path, head.size(), /*preallocate=*/true,
                          /*direct=*/true);
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() ? std::move(*f) : nullptr;
}

std::string Read(const std::string& path) {
  std::string data;
  EXPECT_TRUE(ReadWholeFile(leveldb::Env::Default(), path, &data).ok());
  return data;
}

TEST(TailFileTest, DirectTailWritesStagedRecordsAtSync) {
  std::string path = TempPath("direct");
  std::unique_ptr<TailFile> f = OpenDirect(path, "head");
  ASSERT_NE(f, nullptr);
  if (!f->direct()) {
    GTEST_SKIP() << "no O_DIRECT on " << path;
  }
  ASSERT_TRUE(f->Append("abc").ok());
  ASSERT_TRUE(f->Flush().ok());
  EXPECT_EQ(Read(path).substr(0, 7), std::string("head\0\0\0", 7));  // staged only
  ASSERT_TRUE(f->Sync().ok());
  std::string data = Read(path);
  ASSERT_EQ(data.size(), kPreallocChunk);
  EXPECT_EQ(data.substr(0, 7), "headabc");
  EXPECT_EQ(data.find_first_not_of('\0', 7), std::string::npos);
  // Records across block and chunk boundaries, synced one by one and in groups.
  std::string want = "headabc";
  for (int i = 0; i < 300; ++i) {
    std::string rec(static_cast<size_t>(1 + (i * 977) % 5000), static_cast<char>('a' + i % 26));
    want += rec;
    ASSERT_TRUE(f->Append(rec).ok());
    if (i % 3 != 0) {
      ASSERT_TRUE(f->Sync().ok());
    }
  }
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_GT(want.size(), kPreallocChunk / 8);
  data = Read(path);
  EXPECT_EQ(data.substr(0, want.size()), want);
  EXPECT_EQ(data.find_first_not_of('\0', want.size()), std::string::npos);
  EXPECT_EQ(data.size() % kPreallocChunk, 0u);
  ASSERT_TRUE(f->Close().ok());
  std::filesystem::remove(path);
}

TEST(TailFileTest, DirectTailCrashKeepsSyncedRecordsOnly) {
  std::string path = TempPath("direct_crash");
  std::unique_ptr<TailFile> f = OpenDirect(path, "head");
  ASSERT_NE(f, nullptr);
  if (!f->direct()) {
    GTEST_SKIP() << "no O_DIRECT on " << path;
  }
  ASSERT_TRUE(f->Append("synced;").ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(f->Append("unsynced;").ok());
  f.reset();  // a crash: what was staged is gone
  EXPECT_EQ(Read(path).substr(0, 20), std::string("headsynced;") + std::string(9, '\0'));
  // Reopened after its records, it rewrites the block holding them with the new ones.
  auto g = TailFile::Open(leveldb::Env::Default(), path, 11, true, true);
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_TRUE((*g)->direct());
  ASSERT_TRUE((*g)->Append("again;").ok());
  ASSERT_TRUE((*g)->Sync().ok());
  g->reset();
  EXPECT_EQ(Read(path).substr(0, 20), std::string("headsynced;again;") + std::string(3, '\0'));
  std::filesystem::remove(path);
}

TEST(TailFileTest, DirectTailSealAndCloseWriteWhatIsStaged) {
  std::string path = TempPath("direct_seal");
  std::unique_ptr<TailFile> f = OpenDirect(path, "head");
  ASSERT_NE(f, nullptr);
  if (!f->direct()) {
    GTEST_SKIP() << "no O_DIRECT on " << path;
  }
  // A batch larger than the retained buffer, then small records after it.
  std::string big(3 << 20, 'b');
  ASSERT_TRUE(f->Append(big).ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(f->Append("tail").ok());
  ASSERT_TRUE(f->Seal(/*no_sync=*/false).ok());
  ASSERT_TRUE(f->Close().ok());
  EXPECT_EQ(Read(path), "head" + big + "tail");
  // Close alone (no Seal) writes the staged records too, and keeps the zeros.
  std::string path2 = TempPath("direct_close");
  std::unique_ptr<TailFile> g = OpenDirect(path2, "x");
  ASSERT_NE(g, nullptr);
  if (!g->direct()) {
    GTEST_SKIP() << "no O_DIRECT on " << path2;
  }
  ASSERT_TRUE(g->Append("yz").ok());
  ASSERT_TRUE(g->Close().ok());
  std::string data = Read(path2);
  EXPECT_EQ(data.substr(0, 3), "xyz");
  EXPECT_EQ(data.find_first_not_of('\0', 3), std::string::npos);
  std::filesystem::remove(path);
  std::filesystem::remove(path2);
}

}  // namespace
}  // namespace etcd::wal
