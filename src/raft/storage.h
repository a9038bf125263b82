// The Raft core's read-only view of stable storage, and MemoryStorage, the in-memory
// implementation the server fills from its WAL.
//
// Index layout: storage holds a (possibly compacted) prefix of the log. FirstIndex() is
// the first entry still available; FirstIndex()-1 is the index of the last compacted
// entry (the snapshot), whose term Term() still answers.
//
// Thread safety: Storage implementations must be safe for concurrent readers and a
// writer; MemoryStorage guards all state with one mutex (the server's raft loop
// appends while the transport may read a snapshot to send).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "raftpb/raft.pb.h"

namespace etcd::raft {

// The distinct errors a Storage returns (compare with the Is* predicates).
// The requested index is older than the first available entry.
absl::Status ErrCompacted();
// The requested index is newer than the last entry.
absl::Status ErrUnavailable();
// ApplySnapshot/CreateSnapshot with an index older than the current snapshot.
absl::Status ErrSnapOutOfDate();
// Snapshot() cannot produce a snapshot right now; Raft retries later.
absl::Status ErrSnapshotTemporarilyUnavailable();

bool IsErrCompacted(const absl::Status& s);
bool IsErrUnavailable(const absl::Status& s);
bool IsErrSnapOutOfDate(const absl::Status& s);
bool IsErrSnapshotTemporarilyUnavailable(const absl::Status& s);

class Storage {
 public:
  virtual ~Storage() = default;

  // The saved HardState and the ConfState of the latest snapshot.
  virtual absl::Status InitialState(raftpb::HardState* hs, raftpb::ConfState* cs) const = 0;
  // Entries in [lo, hi), at most max_size bytes in total but always at least one
  // entry when lo < hi. ErrCompacted if lo < FirstIndex(); ErrUnavailable if
  // hi > LastIndex()+1.
  virtual absl::StatusOr<std::vector<raftpb::Entry>> Entries(uint64_t lo, uint64_t hi,
                                                             uint64_t max_size) const = 0;
  // Term of entry i, for i in [FirstIndex()-1, LastIndex()].
  virtual absl::StatusOr<uint64_t> Term(uint64_t i) const = 0;
  virtual absl::StatusOr<uint64_t> LastIndex() const = 0;
  virtual absl::StatusOr<uint64_t> FirstIndex() const = 0;
  // The most recent snapshot (may be ErrSnapshotTemporarilyUnavailable).
  virtual absl::StatusOr<raftpb::Snapshot> Snapshot() const = 0;
};

class MemoryStorage final : public Storage {
 public:
  MemoryStorage();

  absl::Status InitialState(raftpb::HardState* hs, raftpb::ConfState* cs) const override;
  absl::StatusOr<std::vector<raftpb::Entry>> Entries(uint64_t lo, uint64_t hi,
                                                     uint64_t max_size) const override;
  absl::StatusOr<uint64_t> Term(uint64_t i) const override;
  absl::StatusOr<uint64_t> LastIndex() const override;
  absl::StatusOr<uint64_t> FirstIndex() const override;
  absl::StatusOr<raftpb::Snapshot> Snapshot() const override;

  absl::Status SetHardState(const raftpb::HardState& hs);
  // Replaces the whole contents with `snap` (ErrSnapOutOfDate if older than ours).
  absl::Status ApplySnapshot(const raftpb::Snapshot& snap);
  // Records a snapshot at index i (<= LastIndex()) holding `data`; `cs`, when not null,
  // becomes its ConfState. Does not compact: call Compact() afterwards if wanted.
  absl::StatusOr<raftpb::Snapshot> CreateSnapshot(uint64_t i, const raftpb::ConfState* cs,
                                                  std::string data);
  // Discards entries before i (i becomes the new dummy entry). ErrCompacted if i is
  // already compacted; i must be <= LastIndex().
  absl::Status Compact(uint64_t i);
  // Appends entries, replacing any existing suffix they overlap. Entries must be
  // contiguous and must not leave a gap after LastIndex(); entries older than the
  // first index are ignored.
  absl::Status Append(const std::vector<raftpb::Entry>& entries);

 private:
  uint64_t FirstIndexLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint64_t LastIndexLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  raftpb::HardState hard_state_ ABSL_GUARDED_BY(mu_);
  raftpb::Snapshot snapshot_ ABSL_GUARDED_BY(mu_);
  // ents_[0] is a dummy entry carrying the snapshot's index and term.
  std::vector<raftpb::Entry> ents_ ABSL_GUARDED_BY(mu_);
};

}  // namespace etcd::raft
