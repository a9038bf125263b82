// FaultEnv: a leveldb::EnvWrapper that injects storage faults, for tests of anything
// that writes through etcd::Env (WAL, snapshots, the LevelDB backend). Wrap
// leveldb::NewMemEnv (or any Env):
//
//   std::unique_ptr<leveldb::Env> mem(leveldb::NewMemEnv(leveldb::Env::Default()));
//   etcd::testutil::FaultEnv env(mem.get());
//
// Faults (each applies only to files whose path contains the filter set with
// SetFaultFilter; all files by default):
//   FailNextSyncs(n)      the next n WritableFile::Sync() calls fail with
//                         IOError "<file>: Input/output error"; the data stays unsynced.
//   SetAppendBudget(k)    disk full after k more bytes: an Append that does not fit
//                         writes the part that fits, then it and every later Append
//                         fail with IOError "<file>: No space left on device" until
//                         ClearAppendBudget().
//
// Crash simulation:
//   DropUnsyncedData(torn)  what a power cut leaves behind: every file written through
//                           this env is cut back to its size at its last successful
//                           Sync(). With `torn`, a piece of the unsynced tail survives:
//                           its first `bytes` bytes as written (kKeepPrefix), or that
//                           many zero (kZeros) or pseudo-random (kGarbage) bytes. Files
//                           opened before the crash become unusable: every call on them
//                           returns IOError, as they belonged to the dead process.
//   Directory entries (opt-in, set_model_directory_sync(true) before writing): creating,
//   renaming and removing files are then durable only after their directory is synced;
//   DropUnsyncedData undoes the newer ones (newest first). A directory counts as synced
//   when a file in it whose name starts with "MANIFEST" is synced, exactly as leveldb's
//   PosixEnv fsyncs the directory in that case (wal/file_util.h SyncDir relies on it).
//   For a rename across directories only the target directory's sync counts.
//
// NewAppendableFile on a missing file creates it with the wrapped env's NewWritableFile
// (leveldb 1.23's MemEnv mishandles NewAppendableFile for missing files).
//
// Counters: sync_calls() counts every WritableFile::Sync() (failed ones included);
// append_calls() every Append.
//
// Thread safety: thread-safe. Fault state is guarded by a mutex that is never held
// across calls into the wrapped env, except inside DropUnsyncedData, which must not
// run concurrently with other calls (the "process" is dead while it runs).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "leveldb/env.h"

namespace etcd::testutil {

struct TornTail {
  enum class Kind { kNone, kKeepPrefix, kZeros, kGarbage };
  Kind kind = Kind::kNone;
  uint64_t bytes = 0;  // capped at each file's unsynced length
  uint64_t seed = 1;   // for kGarbage
};

class FaultEnv : public leveldb::EnvWrapper {
 public:
  explicit FaultEnv(leveldb::Env* base);
  ~FaultEnv() override;

  // ---- faults
  void FailNextSyncs(int n);
  void SetAppendBudget(uint64_t bytes);
  void ClearAppendBudget();
  void SetFaultFilter(std::string path_substring);
  void set_model_directory_sync(bool on);

  // ---- crash
  absl::Status DropUnsyncedData(const TornTail& torn = {});

  // ---- observation
  int64_t sync_calls() const;
  int64_t append_calls() const;
  // Bytes of `path` written but not yet synced (0 for files not written through here).
  uint64_t UnsyncedBytes(const std::string& path) const;

  // ---- leveldb::Env
  leveldb::Status NewWritableFile(const std::string& f, leveldb::WritableFile** r) override;
  leveldb::Status NewAppendableFile(const std::string& f, leveldb::WritableFile** r) override;
  leveldb::Status RemoveFile(const std::string& f) override;
  leveldb::Status RenameFile(const std::string& src, const std::string& target) override;

 private:
  class File;
  struct FileState {
    uint64_t size = 0;    // bytes appended so far
    uint64_t synced = 0;  // size at the last successful Sync
  };
  // An undo record for a directory change not yet made durable.
  struct DirOp {
    enum class Kind { kCreate, kRename, kRemove };
    Kind kind;
    std::string dir;       // the directory whose sync makes this durable
    std::string path;      // created / removed file, or the rename target
    std::string from;      // rename source
    bool had_old = false;  // rename replaced / remove deleted an existing file
    std::string old_content;
    std::shared_ptr<FileState> old_state;
  };

  bool Matches(const std::string& path) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool BaseFileExists(const std::string& path);
  leveldb::Status ReadAll(const std::string& path, std::string* out);
  leveldb::Status WriteAll(const std::string& path, const std::string& data);
  leveldb::Status OpenFile(const std::string& f, bool append, leveldb::WritableFile** r);
  void NoteDirSynced(const std::string& dir);

  // Called by File.
  leveldb::Status FileAppend(File* f, const leveldb::Slice& data);
  leveldb::Status FileSync(File* f);
  bool Alive(const File* f) const;

  mutable absl::Mutex mu_;
  int fail_syncs_ ABSL_GUARDED_BY(mu_) = 0;
  bool has_budget_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t budget_ ABSL_GUARDED_BY(mu_) = 0;
  std::string filter_ ABSL_GUARDED_BY(mu_);
  bool model_dirs_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;  // bumped by each crash
  int64_t sync_calls_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t append_calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, std::shared_ptr<FileState>> files_ ABSL_GUARDED_BY(mu_);
  std::vector<DirOp> dir_ops_ ABSL_GUARDED_BY(mu_);
};

}  // namespace etcd::testutil
