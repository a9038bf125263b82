// The unstable part of the Raft log: entries (and possibly an incoming snapshot) that
// the node has accepted but the application has not yet persisted. Entry i lives at
// entries_[i - offset_]; a pending snapshot covers everything up to its index.
//
// Thread safety: not thread-safe; owned by the Raft state machine.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/log.h"
#include "raftpb/raft.pb.h"

namespace etcd::raft {

class Unstable {
 public:
  explicit Unstable(const log::Logger* logger) : logger_(logger) {}

  // First index the unstable part knows about (only if it holds a snapshot).
  std::optional<uint64_t> MaybeFirstIndex() const;
  std::optional<uint64_t> MaybeLastIndex() const;
  std::optional<uint64_t> MaybeTerm(uint64_t i) const;

  // Entries up to (i, t) have been persisted: drop them.
  void StableTo(uint64_t i, uint64_t t);
  // The pending snapshot at index i has been persisted.
  void StableSnapTo(uint64_t i);
  // Replaces everything with a snapshot.
  void Restore(const raftpb::Snapshot& s);
  // Appends entries, truncating any conflicting suffix first.
  void TruncateAndAppend(const std::vector<raftpb::Entry>& ents);
  // Entries [lo, hi). REQUIRES: offset_ <= lo <= hi <= offset_ + entries_.size().
  std::vector<raftpb::Entry> Slice(uint64_t lo, uint64_t hi) const;

  const std::vector<raftpb::Entry>& entries() const { return entries_; }
  const std::optional<raftpb::Snapshot>& snapshot() const { return snapshot_; }
  uint64_t offset() const { return offset_; }
  void set_offset(uint64_t o) { offset_ = o; }

 private:
  void MustCheckOutOfBounds(uint64_t lo, uint64_t hi) const;

  std::optional<raftpb::Snapshot> snapshot_;
  std::vector<raftpb::Entry> entries_;
  uint64_t offset_ = 0;
  const log::Logger* logger_;
};

}  // namespace etcd::raft
