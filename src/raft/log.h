// The Raft log as the state machine sees it: stable entries in Storage followed by the
// Unstable tail, plus the committed and applied cursors.
//
//   snapshot/first.....applied....committed....stable-last | unstable.....last
//
// Invariant: applied <= committed <= LastIndex().
//
// Thread safety: not thread-safe; owned by the Raft state machine.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/log.h"
#include "raft/log_unstable.h"
#include "raft/storage.h"
#include "raftpb/raft.pb.h"

namespace etcd::raft {

class RaftLog {
 public:
  // Reads the first/last index from `storage`. max_next_ents_size bounds the bytes
  // NextEnts() returns per call (kNoLimit for none).
  static absl::StatusOr<std::unique_ptr<RaftLog>> Create(Storage* storage,
                                                         const log::Logger* logger,
                                                         uint64_t max_next_ents_size);

  // Follower-side append from a MsgApp at (index, log_term). Returns the index of the
  // last new entry, or nullopt when (index, log_term) does not match our log.
  std::optional<uint64_t> MaybeAppend(uint64_t index, uint64_t log_term, uint64_t committed,
                                      const std::vector<raftpb::Entry>& ents);
  // Appends to the unstable tail (truncating conflicts); returns the new last index.
  uint64_t Append(const std::vector<raftpb::Entry>& ents);
  // Index of the first entry of `ents` that is new or conflicts with ours; 0 if all
  // are already present.
  uint64_t FindConflict(const std::vector<raftpb::Entry>& ents) const;
  // Largest index <= `index` whose term is <= `term`, and that term (for rejection
  // hints). Returns (index, 0) when the term at `index` is unknown.
  std::pair<uint64_t, uint64_t> FindConflictByTerm(uint64_t index, uint64_t term) const;

  std::vector<raftpb::Entry> UnstableEntries() const { return unstable_.entries(); }
  // Committed entries not yet applied (bounded by max_next_ents_size).
  std::vector<raftpb::Entry> NextEnts() const;
  bool HasNextEnts() const;
  bool HasPendingSnapshot() const;
  // The pending unstable snapshot, or the storage's.
  absl::StatusOr<raftpb::Snapshot> Snapshot() const;

  uint64_t FirstIndex() const;
  uint64_t LastIndex() const;
  uint64_t LastTerm() const;
  // Term of entry i, for i in [FirstIndex()-1, LastIndex()]; ErrCompacted below that
  // range, ErrUnavailable above it.
  absl::StatusOr<uint64_t> Term(uint64_t i) const;
  // Entries from i to the end, at most max_size bytes (at least one).
  absl::StatusOr<std::vector<raftpb::Entry>> Entries(uint64_t i, uint64_t max_size) const;
  std::vector<raftpb::Entry> AllEntries() const;
  // Entries [lo, hi), at most max_size bytes (at least one). ErrCompacted if lo is
  // compacted.
  absl::StatusOr<std::vector<raftpb::Entry>> Slice(uint64_t lo, uint64_t hi,
                                                   uint64_t max_size) const;

  // Is a log ending at (lasti, term) at least as up to date as ours? (Raft §5.4.1)
  bool IsUpToDate(uint64_t lasti, uint64_t term) const;
  bool MatchTerm(uint64_t i, uint64_t term) const;
  // Commits max_index if the entry there has `term` (only current-term entries are
  // committed by counting, Raft §5.4.2).
  bool MaybeCommit(uint64_t max_index, uint64_t term);
  void CommitTo(uint64_t tocommit);
  void AppliedTo(uint64_t i);
  void StableTo(uint64_t i, uint64_t t) { unstable_.StableTo(i, t); }
  void StableSnapTo(uint64_t i) { unstable_.StableSnapTo(i); }
  void Restore(const raftpb::Snapshot& s);

  // The term, or 0 for ErrCompacted/ErrUnavailable (aborts on other errors).
  uint64_t ZeroTermOnOutOfBounds(const absl::StatusOr<uint64_t>& t) const;

  uint64_t committed() const { return committed_; }
  uint64_t applied() const { return applied_; }
  const Unstable& unstable() const { return unstable_; }
  Storage* storage() const { return storage_; }

 private:
  RaftLog(Storage* storage, const log::Logger* logger, uint64_t max_next_ents_size)
      : storage_(storage),
        unstable_(logger),
        logger_(logger),
        max_next_ents_size_(max_next_ents_size) {}
  // OK, ErrCompacted, or aborts when [lo, hi) is not a valid range.
  absl::Status CheckOutOfBounds(uint64_t lo, uint64_t hi) const;

  Storage* storage_;
  Unstable unstable_;
  uint64_t committed_ = 0;
  uint64_t applied_ = 0;
  const log::Logger* logger_;
  uint64_t max_next_ents_size_;
};

}  // namespace etcd::raft
