#include "raft/log.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "raft/util.h"

namespace etcd::raft {

absl::StatusOr<std::unique_ptr<RaftLog>> RaftLog::Create(Storage* storage,
                                                         const log::Logger* logger,
                                                         uint64_t max_next_ents_size) {
  if (storage == nullptr) return absl::InvalidArgumentError("storage must not be nil");
  std::unique_ptr<RaftLog> l(new RaftLog(storage, logger, max_next_ents_size));
  auto first = storage->FirstIndex();
  if (!first.ok()) return first.status();
  auto last = storage->LastIndex();
  if (!last.ok()) return last.status();
  l->unstable_.set_offset(*last + 1);
  // Everything up to the storage's snapshot is committed and applied.
  l->committed_ = *first - 1;
  l->applied_ = *first - 1;
  return l;
}

std::optional<uint64_t> RaftLog::MaybeAppend(uint64_t index, uint64_t log_term, uint64_t committed,
                                             const std::vector<raftpb::Entry>& ents) {
  if (!MatchTerm(index, log_term)) return std::nullopt;
  uint64_t lastnewi = index + ents.size();
  uint64_t ci = FindConflict(ents);
  if (ci != 0) {
    if (ci <= committed_) {
      Panic(logger_, absl::StrCat("entry ", ci, " conflict with committed entry [committed(",
                                  committed_, ")]"));
    }
    uint64_t offset = index + 1;
    std::vector<raftpb::Entry> tail(ents.begin() + static_cast<ptrdiff_t>(ci - offset), ents.end());
    Append(tail);
  }
  CommitTo(std::min(committed, lastnewi));
  return lastnewi;
}

uint64_t RaftLog::Append(const std::vector<raftpb::Entry>& ents) {
  if (ents.empty()) return LastIndex();
  uint64_t after = ents[0].index() - 1;
  if (after < committed_) {
    Panic(logger_,
          absl::StrCat("after(", after, ") is out of range [committed(", committed_, ")]"));
  }
  unstable_.TruncateAndAppend(ents);
  return LastIndex();
}

uint64_t RaftLog::FindConflict(const std::vector<raftpb::Entry>& ents) const {
  for (const auto& e : ents) {
    if (!MatchTerm(e.index(), e.term())) {
      if (e.index() <= LastIndex() && logger_ != nullptr) {
        logger_->Info("found conflict at index",
                      {{"index", e.index()},
                       {"existing_term", ZeroTermOnOutOfBounds(Term(e.index()))},
                       {"conflicting_term", e.term()}});
      }
      return e.index();
    }
  }
  return 0;
}

std::pair<uint64_t, uint64_t> RaftLog::FindConflictByTerm(uint64_t index, uint64_t term) const {
  if (index > LastIndex()) return {index, 0};
  while (true) {
    auto t = Term(index);
    if (!t.ok()) return {index, 0};
    if (*t <= term) return {index, *t};
    if (index == 0) return {0, 0};
    --index;
  }
}

std::vector<raftpb::Entry> RaftLog::NextEnts() const {
  uint64_t off = std::max(applied_ + 1, FirstIndex());
  if (committed_ + 1 > off) {
    auto ents = Slice(off, committed_ + 1, max_next_ents_size_);
    if (!ents.ok()) {
      Panic(logger_, absl::StrCat("unexpected error when getting unapplied entries: ",
                                  ents.status().ToString()));
    }
    return std::move(ents).value();
  }
  return {};
}

bool RaftLog::HasNextEnts() const {
  uint64_t off = std::max(applied_ + 1, FirstIndex());
  return committed_ + 1 > off;
}

bool RaftLog::HasPendingSnapshot() const {
  return unstable_.snapshot().has_value() && !IsEmptySnapshot(*unstable_.snapshot());
}

absl::StatusOr<raftpb::Snapshot> RaftLog::Snapshot() const {
  if (unstable_.snapshot()) return *unstable_.snapshot();
  return storage_->Snapshot();
}

uint64_t RaftLog::FirstIndex() const {
  if (auto i = unstable_.MaybeFirstIndex()) return *i;
  auto i = storage_->FirstIndex();
  if (!i.ok()) Panic(logger_, absl::StrCat("storage FirstIndex: ", i.status().ToString()));
  return *i;
}

uint64_t RaftLog::LastIndex() const {
  if (auto i = unstable_.MaybeLastIndex()) return *i;
  auto i = storage_->LastIndex();
  if (!i.ok()) Panic(logger_, absl::StrCat("storage LastIndex: ", i.status().ToString()));
  return *i;
}

uint64_t RaftLog::LastTerm() const {
  auto t = Term(LastIndex());
  if (!t.ok()) {
    Panic(logger_,
          absl::StrCat("unexpected error when getting the last term: ", t.status().ToString()));
  }
  return *t;
}

absl::StatusOr<uint64_t> RaftLog::Term(uint64_t i) const {
  // The unstable tail first: if it knows the term, i is in range.
  if (auto t = unstable_.MaybeTerm(i)) return *t;
  // The valid range is [FirstIndex()-1, LastIndex()]: the entry just before the
  // first one is compacted, but its term is kept for matching appends.
  if (i + 1 < FirstIndex()) return ErrCompacted();
  if (i > LastIndex()) return ErrUnavailable();
  auto t = storage_->Term(i);
  if (t.ok()) return t;
  if (IsErrCompacted(t.status()) || IsErrUnavailable(t.status())) return t.status();
  Panic(logger_, absl::StrCat("storage Term: ", t.status().ToString()));
}

absl::StatusOr<std::vector<raftpb::Entry>> RaftLog::Entries(uint64_t i, uint64_t max_size) const {
  if (i > LastIndex()) return std::vector<raftpb::Entry>{};
  return Slice(i, LastIndex() + 1, max_size);
}

std::vector<raftpb::Entry> RaftLog::AllEntries() const {
  while (true) {
    auto ents = Entries(FirstIndex(), kNoLimit);
    if (ents.ok()) return std::move(ents).value();
    // A compaction raced with us: try again.
    if (!IsErrCompacted(ents.status())) {
      Panic(logger_, absl::StrCat("AllEntries: ", ents.status().ToString()));
    }
  }
}

absl::Status RaftLog::CheckOutOfBounds(uint64_t lo, uint64_t hi) const {
  if (lo > hi) Panic(logger_, absl::StrCat("invalid slice ", lo, " > ", hi));
  uint64_t fi = FirstIndex();
  if (lo < fi) return ErrCompacted();
  uint64_t length = LastIndex() + 1 - fi;
  if (hi > fi + length) {
    Panic(logger_,
          absl::StrCat("slice[", lo, ",", hi, ") out of bound [", fi, ",", LastIndex(), "]"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<raftpb::Entry>> RaftLog::Slice(uint64_t lo, uint64_t hi,
                                                          uint64_t max_size) const {
  if (absl::Status s = CheckOutOfBounds(lo, hi); !s.ok()) return s;
  std::vector<raftpb::Entry> ents;
  if (lo == hi) return ents;
  uint64_t offset = unstable_.offset();
  if (lo < offset) {
    uint64_t stored_hi = std::min(hi, offset);
    auto stored = storage_->Entries(lo, stored_hi, max_size);
    if (!stored.ok()) {
      if (IsErrCompacted(stored.status())) return stored.status();
      Panic(logger_, absl::StrCat("entries[", lo, ":", stored_hi,
                                  ") is unavailable from storage: ", stored.status().ToString()));
    }
    ents = std::move(stored).value();
    // Storage already hit the size limit: stop there.
    if (ents.size() < stored_hi - lo) return ents;
  }
  if (hi > offset) {
    auto tail = unstable_.Slice(std::max(lo, offset), hi);
    ents.insert(ents.end(), std::make_move_iterator(tail.begin()),
                std::make_move_iterator(tail.end()));
  }
  LimitSize(&ents, max_size);
  return ents;
}

bool RaftLog::IsUpToDate(uint64_t lasti, uint64_t term) const {
  uint64_t lt = LastTerm();
  return term > lt || (term == lt && lasti >= LastIndex());
}

bool RaftLog::MatchTerm(uint64_t i, uint64_t term) const {
  auto t = Term(i);
  return t.ok() && *t == term;
}

bool RaftLog::MaybeCommit(uint64_t max_index, uint64_t term) {
  if (max_index > committed_ && ZeroTermOnOutOfBounds(Term(max_index)) == term) {
    CommitTo(max_index);
    return true;
  }
  return false;
}

void RaftLog::CommitTo(uint64_t tocommit) {
  // Never decrease the commit index.
  if (committed_ < tocommit) {
    if (LastIndex() < tocommit) {
      Panic(logger_,
            absl::StrCat("tocommit(", tocommit, ") is out of range [lastIndex(", LastIndex(),
                         ")]. Was the raft log corrupted, truncated, "
                         "or lost?"));
    }
    committed_ = tocommit;
  }
}

void RaftLog::AppliedTo(uint64_t i) {
  if (i == 0) return;
  if (committed_ < i || i < applied_) {
    Panic(logger_, absl::StrCat("applied(", i, ") is out of range [prevApplied(", applied_,
                                "), committed(", committed_, ")]"));
  }
  applied_ = i;
}

void RaftLog::Restore(const raftpb::Snapshot& s) {
  if (logger_) {
    logger_->Info("log starts to restore snapshot",
                  {{"index", s.metadata().index()}, {"term", s.metadata().term()}});
  }
  committed_ = s.metadata().index();
  unstable_.Restore(s);
}

uint64_t RaftLog::ZeroTermOnOutOfBounds(const absl::StatusOr<uint64_t>& t) const {
  if (t.ok()) return *t;
  if (IsErrCompacted(t.status()) || IsErrUnavailable(t.status())) return 0;
  Panic(logger_, absl::StrCat("unexpected error: ", t.status().ToString()));
}

}  // namespace etcd::raft
