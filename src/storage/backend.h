// The LevelDB backend: one database under <data-dir>/member/db holding every piece of
// replicated state (mvcc revisions, leases, auth, members, alarms, meta), each in its
// own key prefix ("bucket"). Modeled on etcd's backend + batch transaction:
//
//  * Writes (Put/Delete) come only from the applier thread and are buffered in a
//    pending batch. The applier thread reads its own pending writes (Get/Scan merge
//    the pending batch over the committed data), so entry N+1 sees entry N before
//    the batch is committed.
//  * Commit(index, term) writes the pending batch plus the consistent (applied) index
//    and term into LevelDB in ONE WriteBatch, without fsync: after a crash, the WAL is
//    replayed from ConsistentIndex()+1 (DESIGN.md "Threads and the write path").
//  * Readers on other threads use NewReadView(): a LevelDB snapshot of committed data
//    only, stable for the life of the view.
//
// Thread safety: Put/Delete/Get/Scan/Commit: applier thread only (REQUIRES: external
// serialization). NewReadView/SizeBytes/ConsistentIndex: any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/env.h"
#include "common/status.h"

namespace etcd::storage {

// Key prefixes. A stored LevelDB key is <bucket byte> + <bucket-local key>.
enum class Bucket : char {
  kMeta = 'm',       // consistent index, term, compaction revisions, schema version
  kKey = 'k',        // mvcc: revision (17 bytes, see mvcc/revision.h) -> KeyValue
  kLease = 'l',      // lease id (8 bytes big-endian) -> lease record
  kAuth = 'a',       // auth enabled flag, auth revision
  kAuthUsers = 'u',  // user name -> authpb.User
  kAuthRoles = 'r',  // role name -> authpb.Role
  kMembers = 'c',    // member id -> member record; removed members
  kAlarm = 'A',      // alarm records
  kCluster = 'v',    // cluster version and other cluster-wide settings
};

// Called with each (bucket-local key, value) in key order; return false to stop.
using ScanFn = std::function<bool(std::string_view key, std::string_view value)>;

// A consistent view of committed data (a LevelDB snapshot).
class ReadView {
 public:
  virtual ~ReadView() = default;
  virtual absl::StatusOr<std::optional<std::string>> Get(Bucket bucket,
                                                         std::string_view key) const = 0;
  // Keys in [from, to); an empty `to` means to the end of the bucket.
  virtual absl::Status Scan(Bucket bucket, std::string_view from, std::string_view to,
                            const ScanFn& fn) const = 0;
};

struct BackendOptions {
  size_t block_cache_bytes = 64 << 20;
  size_t write_buffer_bytes = 16 << 20;
  bool create_if_missing = true;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Opens (or creates) the database in `dir` on `env` (leveldb::Env; a MemEnv in tests).
  static absl::StatusOr<std::unique_ptr<Backend>> Open(Env* env, const std::string& dir,
                                                       const BackendOptions& options = {});

  // --- applier thread ---
  virtual void Put(Bucket bucket, std::string_view key, std::string_view value) = 0;
  // Put taking the value's ownership (no copy where the implementation can keep it).
  virtual void PutOwned(Bucket bucket, std::string_view key, std::string value) {
    Put(bucket, key, value);
  }
  virtual void Delete(Bucket bucket, std::string_view key) = 0;
  // Pending writes merged over committed data.
  virtual absl::StatusOr<std::optional<std::string>> Get(Bucket bucket,
                                                         std::string_view key) const = 0;
  // Like Get, but hands the value to `fn` (valid only during the call) instead of
  // copying it out; returns whether the key was present.
  virtual absl::StatusOr<bool> GetWith(Bucket bucket, std::string_view key,
                                       const std::function<void(std::string_view)>& fn) const {
    ASSIGN_OR_RETURN(std::optional<std::string> v, Get(bucket, key));
    if (!v.has_value()) return false;
    fn(*v);
    return true;
  }
  virtual absl::Status Scan(Bucket bucket, std::string_view from, std::string_view to,
                            const ScanFn& fn) const = 0;
  // Writes the pending batch together with the consistent index and term; no fsync.
  virtual absl::Status Commit(uint64_t consistent_index, uint64_t term) = 0;
  // Writes the pending batch (and index) with fsync, for snapshots and clean shutdown.
  virtual absl::Status CommitSync(uint64_t consistent_index, uint64_t term) = 0;
  virtual bool HasPending() const = 0;

  // --- any thread ---
  virtual std::unique_ptr<ReadView> NewReadView() const = 0;
  virtual uint64_t ConsistentIndex() const = 0;
  virtual uint64_t ConsistentTerm() const = 0;
  // Approximate on-disk size of the database (files under dir), for Status.dbSize and
  // the NOSPACE quota; SizeInUse is the approximate live-data size.
  virtual int64_t SizeBytes() const = 0;
  virtual int64_t SizeInUseBytes() const = 0;
  // Full compaction of the LevelDB files (Maintenance.Defragment).
  virtual absl::Status Defragment() = 0;
};

}  // namespace etcd::storage
