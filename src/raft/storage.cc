#include "raft/storage.h"

#include "absl/strings/str_cat.h"
#include "raft/util.h"  // EntrySize

namespace etcd::raft {

namespace {
constexpr char kCompactedMsg[] = "requested index is unavailable due to compaction";
constexpr char kUnavailableMsg[] = "requested entry at index is unavailable";
constexpr char kSnapOutOfDateMsg[] = "requested index is older than the existing snapshot";
constexpr char kSnapTempMsg[] = "snapshot is temporarily unavailable";
}  // namespace

absl::Status ErrCompacted() { return absl::OutOfRangeError(kCompactedMsg); }
absl::Status ErrUnavailable() { return absl::NotFoundError(kUnavailableMsg); }
absl::Status ErrSnapOutOfDate() { return absl::FailedPreconditionError(kSnapOutOfDateMsg); }
absl::Status ErrSnapshotTemporarilyUnavailable() { return absl::UnavailableError(kSnapTempMsg); }

bool IsErrCompacted(const absl::Status& s) {
  return s.code() == absl::StatusCode::kOutOfRange && s.message() == kCompactedMsg;
}
bool IsErrUnavailable(const absl::Status& s) {
  return s.code() == absl::StatusCode::kNotFound && s.message() == kUnavailableMsg;
}
bool IsErrSnapOutOfDate(const absl::Status& s) {
  return s.code() == absl::StatusCode::kFailedPrecondition && s.message() == kSnapOutOfDateMsg;
}
bool IsErrSnapshotTemporarilyUnavailable(const absl::Status& s) {
  return s.code() == absl::StatusCode::kUnavailable && s.message() == kSnapTempMsg;
}

MemoryStorage::MemoryStorage() { ents_.emplace_back(); }

absl::Status MemoryStorage::InitialState(raftpb::HardState* hs, raftpb::ConfState* cs) const {
  absl::MutexLock l(&mu_);
  *hs = hard_state_;
  *cs = snapshot_.metadata().conf_state();
  return absl::OkStatus();
}

uint64_t MemoryStorage::FirstIndexLocked() const { return ents_[0].index() + 1; }
uint64_t MemoryStorage::LastIndexLocked() const { return ents_[0].index() + ents_.size() - 1; }

absl::StatusOr<std::vector<raftpb::Entry>> MemoryStorage::Entries(uint64_t lo, uint64_t hi,
                                                                  uint64_t max_size) const {
  absl::MutexLock l(&mu_);
  uint64_t offset = ents_[0].index();
  if (lo <= offset) return ErrCompacted();
  if (hi > LastIndexLocked() + 1) return ErrUnavailable();
  std::vector<raftpb::Entry> out;
  if (ents_.size() == 1 || lo >= hi) return out;  // only the dummy entry
  uint64_t total = 0;
  for (uint64_t i = lo; i < hi; ++i) {
    const raftpb::Entry& e = ents_[i - offset];
    total += EntrySize(e);
    if (!out.empty() && total > max_size) break;
    out.push_back(e);
  }
  return out;
}

absl::StatusOr<uint64_t> MemoryStorage::Term(uint64_t i) const {
  absl::MutexLock l(&mu_);
  uint64_t offset = ents_[0].index();
  if (i < offset) return ErrCompacted();
  if (i - offset >= ents_.size()) return ErrUnavailable();
  return ents_[i - offset].term();
}

absl::StatusOr<uint64_t> MemoryStorage::LastIndex() const {
  absl::MutexLock l(&mu_);
  return LastIndexLocked();
}

absl::StatusOr<uint64_t> MemoryStorage::FirstIndex() const {
  absl::MutexLock l(&mu_);
  return FirstIndexLocked();
}

absl::StatusOr<raftpb::Snapshot> MemoryStorage::Snapshot() const {
  absl::MutexLock l(&mu_);
  return snapshot_;
}

absl::Status MemoryStorage::SetHardState(const raftpb::HardState& hs) {
  absl::MutexLock l(&mu_);
  hard_state_ = hs;
  return absl::OkStatus();
}

absl::Status MemoryStorage::ApplySnapshot(const raftpb::Snapshot& snap) {
  absl::MutexLock l(&mu_);
  if (snapshot_.metadata().index() >= snap.metadata().index()) return ErrSnapOutOfDate();
  snapshot_ = snap;
  ents_.clear();
  raftpb::Entry dummy;
  dummy.set_index(snap.metadata().index());
  dummy.set_term(snap.metadata().term());
  ents_.push_back(std::move(dummy));
  return absl::OkStatus();
}

absl::StatusOr<raftpb::Snapshot> MemoryStorage::CreateSnapshot(uint64_t i,
                                                               const raftpb::ConfState* cs,
                                                               std::string data) {
  absl::MutexLock l(&mu_);
  if (i <= snapshot_.metadata().index()) return ErrSnapOutOfDate();
  uint64_t offset = ents_[0].index();
  if (i > LastIndexLocked()) {
    return absl::InvalidArgumentError(
        absl::StrCat("snapshot ", i, " is out of bound lastindex(", LastIndexLocked(), ")"));
  }
  auto* md = snapshot_.mutable_metadata();
  md->set_index(i);
  md->set_term(ents_[i - offset].term());
  if (cs != nullptr) *md->mutable_conf_state() = *cs;
  snapshot_.set_data(std::move(data));
  return snapshot_;
}

absl::Status MemoryStorage::Compact(uint64_t i) {
  absl::MutexLock l(&mu_);
  uint64_t offset = ents_[0].index();
  if (i <= offset) return ErrCompacted();
  if (i > LastIndexLocked()) {
    return absl::InvalidArgumentError(
        absl::StrCat("compact ", i, " is out of bound lastindex(", LastIndexLocked(), ")"));
  }
  uint64_t k = i - offset;
  std::vector<raftpb::Entry> kept;
  kept.reserve(ents_.size() - k);
  raftpb::Entry dummy;
  dummy.set_index(ents_[k].index());
  dummy.set_term(ents_[k].term());
  kept.push_back(std::move(dummy));
  for (uint64_t j = k + 1; j < ents_.size(); ++j) kept.push_back(std::move(ents_[j]));
  ents_ = std::move(kept);
  return absl::OkStatus();
}

absl::Status MemoryStorage::Append(const std::vector<raftpb::Entry>& entries) {
  if (entries.empty()) return absl::OkStatus();
  absl::MutexLock l(&mu_);
  uint64_t first = FirstIndexLocked();
  uint64_t last = entries.back().index();
  if (last < first) return absl::OkStatus();  // all already compacted
  size_t skip = 0;
  if (first > entries[0].index()) skip = first - entries[0].index();
  uint64_t start = entries[skip].index();
  uint64_t offset = start - ents_[0].index();
  if (offset > ents_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("missing log entry [last: ", LastIndexLocked(), ", append at: ", start, "]"));
  }
  ents_.resize(offset);
  for (size_t j = skip; j < entries.size(); ++j) ents_.push_back(entries[j]);
  return absl::OkStatus();
}

}  // namespace etcd::raft
