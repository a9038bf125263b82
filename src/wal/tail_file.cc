#include "wal/tail_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>

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

// pwrite at the write position, zeros written ahead of it.
class PosixTailFile final : public TailFile {
 public:
  PosixTailFile(int fd, std::string path, uint64_t offset, uint64_t size)
      : fd_(fd), path_(std::move(path)), offset_(offset), allocated_(size) {}
  ~PosixTailFile() override {
    if (fd_ >= 0) ::close(fd_);
  }
  bool preallocated() const override { return true; }

  absl::Status Append(std::string_view data) override {
    const uint64_t end = offset_ + data.size();
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
      ssize_t n = ::pwrite(fd_, p, left, static_cast<off_t>(offset_));
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError("wal: write", path_, errno);
      }
      p += n;
      left -= static_cast<size_t>(n);
      offset_ += static_cast<uint64_t>(n);
    }
    if (offset_ > allocated_) {
      // Past the preallocated end: preallocate the next chunk after the data.
      allocated_ = offset_;
      RETURN_IF_ERROR(ZeroFill((end + kPreallocChunk - 1) / kPreallocChunk * kPreallocChunk));
    }
    return absl::OkStatus();
  }
  absl::Status Flush() override { return absl::OkStatus(); }  // pwrite reached the OS
  absl::Status Sync() override {
    if (::fdatasync(fd_) != 0) return PosixError("wal: sync", path_, errno);
    return absl::OkStatus();
  }
  absl::Status Seal(bool no_sync) override {
    if (allocated_ == offset_) return absl::OkStatus();
    if (::ftruncate(fd_, static_cast<off_t>(offset_)) != 0) {
      return PosixError("wal: truncate", path_, errno);
    }
    allocated_ = offset_;
    if (!no_sync && ::fdatasync(fd_) != 0) return PosixError("wal: sync", path_, errno);
    return absl::OkStatus();
  }
  absl::Status Close() override {
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return PosixError("wal: close", path_, errno);
    return absl::OkStatus();
  }

 private:
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
  const std::string path_;
  uint64_t offset_;     // where the next record goes
  uint64_t allocated_;  // file size (>= offset_)
};

}  // namespace

absl::StatusOr<std::unique_ptr<TailFile>> TailFile::Open(Env* env, const std::string& path,
                                                         uint64_t offset, bool preallocate) {
  if (preallocate && env == leveldb::Env::Default()) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
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
    return std::unique_ptr<TailFile>(new PosixTailFile(fd, path, offset, size));
  }
  leveldb::WritableFile* raw = nullptr;
  leveldb::Status s = env->NewAppendableFile(path, &raw);
  if (!s.ok()) return FromLevelDb(s, absl::StrCat("wal: open ", path));
  return std::unique_ptr<TailFile>(new EnvTailFile(std::unique_ptr<leveldb::WritableFile>(raw), path));
}

}  // namespace etcd::wal
