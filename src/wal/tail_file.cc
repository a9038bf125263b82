#include "wal/tail_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"
#include "wal/file_util.h"

namespace etcd::wal {
namespace {

absl::Status PosixError(std::string_view what, const std::string& path, int err) {
  std::string msg = absl::StrCat(std::string(what), " ", path, ": ", strerror(err));
  if (err == ENOSPC) return absl::ResourceExhaustedError(msg);
  return absl::InternalError(msg);
}

// The Env's own appendable file (tests' MemEnv / FaultEnv, or a custom Env).
class EnvTailFile final : public TailFile {
 public:
  EnvTailFile(std::unique_ptr<leveldb::WritableFile> f, std::string path)
      : f_(std::move(f)), path_(std::move(path)) {}
  ~EnvTailFile() override {
    if (f_ != nullptr) f_->Close();
  }
  bool preallocated() const override { return false; }
  absl::Status Append(std::string_view data) override {
    return FromLevelDb(f_->Append(leveldb::Slice(data.data(), data.size())),
                       absl::StrCat("wal: write ", path_));
  }
  absl::Status Flush() override {
    return FromLevelDb(f_->Flush(), absl::StrCat("wal: flush ", path_));
  }
  absl::Status Sync() override {
    return FromLevelDb(f_->Sync(), absl::StrCat("wal: sync ", path_));
  }
  absl::Status Seal(bool) override { return absl::OkStatus(); }
  absl::Status Close() override {
    leveldb::Status s = f_->Close();
    f_.reset();
    return FromLevelDb(s, absl::StrCat("wal: close ", path_));
  }

 private:
  std::unique_ptr<leveldb::WritableFile> f_;
  std::string path_;
};

constexpr uint64_t kBlock = 4096;  // direct I/O unit (offsets, lengths, buffer address)
constexpr size_t kMaxRetainedStage = 1u << 20;

uint64_t RoundDown(uint64_t x) { return x & ~(kBlock - 1); }
uint64_t RoundUp(uint64_t x) { return (x + kBlock - 1) & ~(kBlock - 1); }
uint64_t RoundUpToChunk(uint64_t x) {
  return (x + kPreallocChunk - 1) / kPreallocChunk * kPreallocChunk;
}

struct FreeDeleter {
  void operator()(char* p) const { free(p); }
};

// pwrite at the write position, zeros written ahead of it. With direct_fd >= 0, the
// direct tail (tail_file.h): Append stages into stage_, Sync writes whole blocks.
class PosixTailFile final : public TailFile {
 public:
  PosixTailFile(int fd, std::string path, uint64_t offset, uint64_t size, int direct_fd)
      : fd_(fd),
        direct_fd_(direct_fd),
        path_(std::move(path)),
        offset_(offset),
        allocated_(size),
        written_(offset),
        block_start_(RoundDown(offset)) {}
  ~PosixTailFile() override {
    if (fd_ >= 0) ::close(fd_);
    if (direct_fd_ >= 0) ::close(direct_fd_);
  }
  bool preallocated() const override { return true; }
  bool direct() const override { return direct_fd_ >= 0; }

  // Direct tail: loads the block holding the write position.
  absl::Status InitDirect() {
    RETURN_IF_ERROR(Reserve(kBlock * 16));
    const size_t head = offset_ - block_start_;
    size_t got = 0;
    while (got < head) {
      ssize_t n =
          ::pread(fd_, stage_.get() + got, head - got, static_cast<off_t>(block_start_ + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return PosixError("wal: read tail block", path_, n < 0 ? errno : EIO);
      got += static_cast<size_t>(n);
    }
    // The zeros ahead are written (and synced) by the first Append that needs them.
    return absl::OkStatus();
  }

  absl::Status Append(std::string_view data) override {
    if (direct_fd_ >= 0) return Stage(data);
    const uint64_t end = offset_ + data.size();
    RETURN_IF_ERROR(WriteAll(data.data(), data.size(), offset_));
    offset_ = end;
    if (offset_ > allocated_) {
      // Past the preallocated end: preallocate the next chunk after the data.
      allocated_ = offset_;
      RETURN_IF_ERROR(ZeroFill(RoundUpToChunk(end)));
    }
    return absl::OkStatus();
  }
  absl::Status Flush() override { return absl::OkStatus(); }  // reached the OS, or staged
  absl::Status Sync() override {
    RETURN_IF_ERROR(WriteStaged());
    if (::fdatasync(fd_) != 0) return PosixError("wal: sync", path_, errno);
    return absl::OkStatus();
  }
  absl::Status Seal(bool no_sync) override {
    RETURN_IF_ERROR(WriteStaged());
    if (allocated_ == offset_) return absl::OkStatus();
    if (::ftruncate(fd_, static_cast<off_t>(offset_)) != 0) {
      return PosixError("wal: truncate", path_, errno);
    }
    allocated_ = offset_;
    if (!no_sync && ::fdatasync(fd_) != 0) return PosixError("wal: sync", path_, errno);
    return absl::OkStatus();
  }
  absl::Status Close() override {
    absl::Status s = WriteStaged();
    if (direct_fd_ >= 0) ::close(direct_fd_);
    direct_fd_ = -1;
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0 && s.ok()) s = PosixError("wal: close", path_, errno);
    return s;
  }

 private:
  // Grows stage_ to at least n bytes; the bytes past the staged data stay zero.
  absl::Status Reserve(size_t n) {
    if (n <= stage_cap_) return absl::OkStatus();
    const size_t cap = RoundUp(std::max<size_t>(n, stage_cap_ * 2));
    void* p = nullptr;
    if (posix_memalign(&p, kBlock, cap) != 0) {
      return absl::ResourceExhaustedError("wal: no memory for the tail block buffer");
    }
    std::unique_ptr<char, FreeDeleter> fresh(static_cast<char*>(p));
    memset(fresh.get(), 0, cap);
    if (stage_ != nullptr) memcpy(fresh.get(), stage_.get(), offset_ - block_start_);
    stage_ = std::move(fresh);
    stage_cap_ = cap;
    return absl::OkStatus();
  }

  absl::Status Stage(std::string_view data) {
    const uint64_t end = offset_ + data.size();
    RETURN_IF_ERROR(Reserve(RoundUp(end) - block_start_));
    memcpy(stage_.get() + (offset_ - block_start_), data.data(), data.size());
    offset_ = end;
    // The blocks the next direct write covers must be written zeros on disk already.
    if (RoundUp(offset_) > allocated_) {
      RETURN_IF_ERROR(ZeroFill(RoundUpToChunk(RoundUp(offset_))));
      if (::fdatasync(fd_) != 0) return PosixError("wal: sync", path_, errno);
    }
    return absl::OkStatus();
  }

  // Writes the staged records: whole blocks from block_start_ (the bytes past offset_
  // are zeros, as on disk). Keeps the block holding offset_ for the next write.
  absl::Status WriteStaged() {
    if (direct_fd_ < 0 || written_ == offset_) return absl::OkStatus();
    const size_t len = RoundUp(offset_) - block_start_;
    ssize_t n;
    do {
      n = ::pwrite(direct_fd_, stage_.get(), len, static_cast<off_t>(block_start_));
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EINVAL) return FallBack();
    if (n < 0) return PosixError("wal: write", path_, errno);
    if (static_cast<size_t>(n) != len) {
      return absl::InternalError(
          absl::StrCat("wal: short direct write to ", path_, ": ", n, " of ", len, " bytes"));
    }
    written_ = offset_;
    const uint64_t next = RoundDown(offset_);
    const size_t keep = offset_ - next;
    if (next > block_start_) {
      memmove(stage_.get(), stage_.get() + (next - block_start_), keep);
      memset(stage_.get() + keep, 0, len - keep);  // len: how far stage_ held data
      block_start_ = next;
    }
    if (stage_cap_ > kMaxRetainedStage) {  // a large batch passed: give the memory back
      std::unique_ptr<char, FreeDeleter> old = std::move(stage_);
      stage_cap_ = 0;
      RETURN_IF_ERROR(Reserve(kBlock * 16));
      memcpy(stage_.get(), old.get(), keep);
    }
    return absl::OkStatus();
  }

  // The file system refused a direct write: write what is staged through the page
  // cache and stay there.
  absl::Status FallBack() {
    ::close(direct_fd_);
    direct_fd_ = -1;
    RETURN_IF_ERROR(
        WriteAll(stage_.get() + (written_ - block_start_), offset_ - written_, written_));
    written_ = offset_;
    stage_.reset();
    stage_cap_ = 0;
    return absl::OkStatus();
  }

  // pwrite of all n bytes at `at` through the page cache.
  absl::Status WriteAll(const char* p, size_t n, uint64_t at) {
    while (n > 0) {
      ssize_t w = ::pwrite(fd_, p, n, static_cast<off_t>(at));
      if (w < 0) {
        if (errno == EINTR) continue;
        return PosixError("wal: write", path_, errno);
      }
      p += w;
      n -= static_cast<size_t>(w);
      at += static_cast<uint64_t>(w);
    }
    return absl::OkStatus();
  }

  // Extends the file to `target` with written zeros (not fallocate: ext4 keeps
  // fallocated blocks as "unwritten" extents, and every fdatasync after a write into
  // one must also commit the extent's conversion, a second, serial I/O). Beyond
  // allocated_ only: records are never overwritten.
  absl::Status ZeroFill(uint64_t target) {
    static const char kZeros[64 << 10] = {};
    while (allocated_ < target) {
      iovec iov[16];
      int n = 0;
      uint64_t want = 0;
      while (n < 16 && allocated_ + want < target) {
        const uint64_t len = std::min<uint64_t>(sizeof(kZeros), target - allocated_ - want);
        iov[n].iov_base = const_cast<char*>(kZeros);
        iov[n].iov_len = len;
        want += len;
        ++n;
      }
      ssize_t w = ::pwritev(fd_, iov, n, static_cast<off_t>(allocated_));
      if (w < 0) {
        if (errno == EINTR) continue;
        return PosixError("wal: preallocate", path_, errno);
      }
      allocated_ += static_cast<uint64_t>(w);
    }
    return absl::OkStatus();
  }

  int fd_;
  int direct_fd_;  // >= 0: direct tail
  const std::string path_;
  uint64_t offset_;     // where the next record goes
  uint64_t allocated_;  // file size (>= offset_)
  // Direct tail only: stage_ holds the file's bytes from block_start_ (block-aligned)
  // to offset_, zeros after; [written_, offset_) is not written yet.
  uint64_t written_;
  uint64_t block_start_;
  std::unique_ptr<char, FreeDeleter> stage_;
  size_t stage_cap_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<TailFile>> TailFile::Open(Env* env, const std::string& path,
                                                         uint64_t offset, bool preallocate,
                                                         bool direct) {
  if (preallocate && env == leveldb::Env::Default()) {
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return PosixError("wal: open", path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return PosixError("wal: stat", path, err);
    }
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (size < offset) {
      ::close(fd);
      return absl::InternalError(
          absl::StrCat("wal: ", path, " is shorter (", size, ") than its records (", offset, ")"));
    }
    int direct_fd = -1;
    if (direct) {
      direct_fd = ::open(path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
      if (direct_fd < 0 && errno != EINVAL) {
        int err = errno;
        ::close(fd);
        return PosixError("wal: open", path, err);
      }  // EINVAL: no O_DIRECT on this file system, page-cache writes
    }
    auto tail = std::make_unique<PosixTailFile>(fd, path, offset, size, direct_fd);
    if (direct_fd >= 0) RETURN_IF_ERROR(tail->InitDirect());
    return std::unique_ptr<TailFile>(std::move(tail));
  }
  leveldb::WritableFile* raw = nullptr;
  leveldb::Status s = env->NewAppendableFile(path, &raw);
  if (!s.ok()) return FromLevelDb(s, absl::StrCat("wal: open ", path));
  return std::unique_ptr<TailFile>(
      new EnvTailFile(std::unique_ptr<leveldb::WritableFile>(raw), path));
}

}  // namespace etcd::wal
