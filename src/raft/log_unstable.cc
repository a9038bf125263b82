#include "raft/log_unstable.h"

#include "absl/strings/str_cat.h"
#include "raft/util.h"

namespace etcd::raft {

std::optional<uint64_t> Unstable::MaybeFirstIndex() const {
  if (snapshot_) return snapshot_->metadata().index() + 1;
  return std::nullopt;
}

std::optional<uint64_t> Unstable::MaybeLastIndex() const {
  if (!entries_.empty()) return offset_ + entries_.size() - 1;
  if (snapshot_) return snapshot_->metadata().index();
  return std::nullopt;
}

std::optional<uint64_t> Unstable::MaybeTerm(uint64_t i) const {
  if (i < offset_) {
    if (snapshot_ && snapshot_->metadata().index() == i) return snapshot_->metadata().term();
    return std::nullopt;
  }
  auto last = MaybeLastIndex();
  if (!last || i > *last) return std::nullopt;
  return entries_[i - offset_].term();
}

void Unstable::StableTo(uint64_t i, uint64_t t) {
  auto gt = MaybeTerm(i);
  if (!gt) return;
  // Only drop entries if the term still matches and the index is in the unstable
  // range: otherwise a newer leader has already replaced them.
  if (*gt == t && i >= offset_) {
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(i + 1 - offset_));
    offset_ = i + 1;
  }
}

void Unstable::StableSnapTo(uint64_t i) {
  if (snapshot_ && snapshot_->metadata().index() == i) snapshot_.reset();
}

void Unstable::Restore(const raftpb::Snapshot& s) {
  offset_ = s.metadata().index() + 1;
  entries_.clear();
  snapshot_ = s;
}

void Unstable::TruncateAndAppend(const std::vector<raftpb::Entry>& ents) {
  if (ents.empty()) return;
  uint64_t after = ents[0].index();
  if (after == offset_ + entries_.size()) {
    // Directly after the last entry: plain append.
  } else if (after <= offset_) {
    // Replaces everything unstable; the log itself is now that of the new leader.
    if (logger_) logger_->Info("replace the unstable entries from index", {{"index", after}});
    offset_ = after;
    entries_.clear();
  } else {
    if (logger_) logger_->Info("truncate the unstable entries before index", {{"index", after}});
    MustCheckOutOfBounds(offset_, after);
    entries_.resize(after - offset_);
  }
  entries_.insert(entries_.end(), ents.begin(), ents.end());
}

std::vector<raftpb::Entry> Unstable::Slice(uint64_t lo, uint64_t hi) const {
  MustCheckOutOfBounds(lo, hi);
  return std::vector<raftpb::Entry>(entries_.begin() + static_cast<ptrdiff_t>(lo - offset_),
                                    entries_.begin() + static_cast<ptrdiff_t>(hi - offset_));
}

void Unstable::MustCheckOutOfBounds(uint64_t lo, uint64_t hi) const {
  if (lo > hi) Panic(logger_, absl::StrCat("invalid unstable.slice ", lo, " > ", hi));
  uint64_t upper = offset_ + entries_.size();
  if (lo < offset_ || hi > upper) {
    Panic(logger_, absl::StrCat("unstable.slice[", lo, ",", hi, ") out of bound [", offset_, ",",
                                upper, "]"));
  }
}

}  // namespace etcd::raft
