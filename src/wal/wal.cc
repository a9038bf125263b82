#include "wal/wal.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "wal/file_names.h"
#include "wal/file_util.h"
#include "wal/segment_scanner.h"

namespace etcd::wal {
namespace {

constexpr char kLockFileName[] = "LOCK";
// Save keeps its encode buffer between calls unless a huge batch grew it past this.
constexpr size_t kMaxRetainedBuffer = 16u << 20;

bool IsEmptyHardState(const raftpb::HardState& hs) {
  return hs.term() == 0 && hs.vote() == 0 && hs.commit() == 0;
}

bool SameHardState(const raftpb::HardState& a, const raftpb::HardState& b) {
  return a.term() == b.term() && a.vote() == b.vote() && a.commit() == b.commit();
}

absl::Status NotOpenForWriting() {
  return absl::FailedPreconditionError("wal: not open for writing");
}

}  // namespace

Wal::Wal(Env* env, std::string dir, const WalOptions& options)
    : env_(env), dir_(std::move(dir)), options_(options) {}

Wal::~Wal() {
  tail_.reset();  // closes without a sync: like a process stop
  if (lock_ != nullptr) env_->UnlockFile(lock_);
}

std::string Wal::PathOf(const Segment& s) const { return JoinPath(dir_, s.name); }

std::vector<std::string> Wal::SegmentNames() const {
  std::vector<std::string> out;
  out.reserve(segments_.size());
  for (const Segment& s : segments_) out.push_back(s.name);
  return out;
}

absl::Status Wal::Fail(absl::Status s) {
  if (broken_.ok()) broken_ = s;
  return s;
}

// ---------------------------------------------------------------- directory helpers

bool Wal::Exists(Env* env, const std::string& dir) {
  std::vector<std::string> children;
  if (!env->GetChildren(dir, &children).ok()) return false;
  uint64_t a, b;
  return std::any_of(children.begin(), children.end(),
                     [&](const std::string& n) { return ParseSegmentFileName(n, &a, &b); });
}

absl::StatusOr<std::vector<Wal::Segment>> Wal::ListSegments(Env* env, const std::string& dir) {
  std::vector<std::string> children;
  leveldb::Status s = env->GetChildren(dir, &children);
  if (!s.ok()) return FromLevelDb(s, absl::StrCat("wal: list ", dir));
  std::vector<Segment> segs;
  for (std::string& name : children) {
    Segment seg;
    if (ParseSegmentFileName(name, &seg.seq, &seg.first_index)) {
      seg.name = std::move(name);
      segs.push_back(std::move(seg));
    }
  }
  std::sort(segs.begin(), segs.end(),
            [](const Segment& a, const Segment& b) { return a.seq < b.seq; });
  for (size_t i = 1; i < segs.size(); ++i) {
    if (segs[i].seq == segs[i - 1].seq) {
      return absl::DataLossError(
          absl::StrFormat("wal: two segments with sequence %d in %s: %s and %s", segs[i].seq, dir,
                          segs[i - 1].name, segs[i].name));
    }
  }
  return segs;
}

absl::Status Wal::CheckSequence(const std::vector<Segment>& segs, size_t from,
                                const std::string& dir) {
  for (size_t i = from + 1; i < segs.size(); ++i) {
    if (segs[i].seq != segs[i - 1].seq + 1) {
      return absl::DataLossError(absl::StrFormat("wal: missing segment in %s: %s is followed by %s",
                                                 dir, segs[i - 1].name, segs[i].name));
    }
  }
  return absl::OkStatus();
}

absl::Status Wal::LockDir() {
  leveldb::Status s = env_->LockFile(JoinPath(dir_, kLockFileName), &lock_);
  if (!s.ok()) {
    lock_ = nullptr;
    return absl::FailedPreconditionError(
        absl::StrCat("wal: ", dir_, " is in use by another process: ", s.ToString()));
  }
  return absl::OkStatus();
}

absl::Status Wal::RemoveTempFiles() {
  std::vector<std::string> children;
  leveldb::Status s = env_->GetChildren(dir_, &children);
  if (!s.ok()) return FromLevelDb(s, absl::StrCat("wal: list ", dir_));
  for (const std::string& name : children) {
    if (name.size() > kTempSuffix.size() &&
        name.compare(name.size() - kTempSuffix.size(), kTempSuffix.size(), kTempSuffix) == 0) {
      s = env_->RemoveFile(JoinPath(dir_, name));
      if (!s.ok()) return FromLevelDb(s, absl::StrCat("wal: remove ", name));
    }
  }
  return absl::OkStatus();
}

absl::Status Wal::OpenTail(size_t seg, const SegmentHeader& header, uint32_t salt, uint32_t digest,
                           uint64_t size) {
  ASSIGN_OR_RETURN(tail_, TailFile::Open(env_, PathOf(segments_[seg]), size, options_.preallocate,
                                         options_.direct_io && !options_.no_fsync));
  tail_header_ = header;
  tail_salt_ = salt;
  tail_digest_ = digest;
  tail_size_ = size;
  unsynced_ = false;
  return absl::OkStatus();
}

// ---------------------------------------------------------------- create / open

absl::StatusOr<std::unique_ptr<Wal>> Wal::Create(Env* env, const std::string& dir,
                                                 std::string metadata, const WalOptions& options) {
  if (options.segment_bytes == 0) {
    return absl::InvalidArgumentError("wal: segment_bytes must be positive");
  }
  if (metadata.size() > kMaxRecordPayload) {
    return absl::InvalidArgumentError("wal: metadata too large");
  }
  if (Exists(env, dir)) {
    return absl::AlreadyExistsError(absl::StrCat("wal: ", dir, " already holds a WAL"));
  }
  RETURN_IF_ERROR(CreateDirAll(env, dir));
  std::unique_ptr<Wal> w(new Wal(env, dir, options));
  RETURN_IF_ERROR(w->LockDir());
  RETURN_IF_ERROR(w->RemoveTempFiles());

  SegmentHeader h;
  h.nonce = options.nonce;
  uint32_t salt = SaltOf(h);
  uint32_t digest = salt;
  std::string buf;
  AppendSegmentHeaderRecord(&buf, h);
  digest = FoldDigest(digest, AppendRecord(&buf, salt, RecordType::kMetadata, metadata));
  digest = FoldDigest(digest, AppendSnapshotRecord(&buf, salt, 0, 0));

  Segment seg{0, 0, SegmentFileName(0, 0)};
  RETURN_IF_ERROR(WriteFileAtomically(env, dir, seg.name, buf, options.no_fsync));
  if (!options.no_fsync) {
    // The WAL directory itself may be new: make its entry in the parent durable too.
    std::string parent = DirName(dir);
    RETURN_IF_ERROR(SyncDir(env, parent.empty() ? "." : parent));
  }
  w->segments_.push_back(std::move(seg));
  w->metadata_ = std::move(metadata);
  RETURN_IF_ERROR(w->OpenTail(0, h, salt, digest, buf.size()));
  w->state_ = State::kWritable;
  return w;
}

absl::StatusOr<std::unique_ptr<Wal>> Wal::Open(Env* env, const std::string& dir, WalSnapshot from,
                                               const WalOptions& options) {
  if (options.segment_bytes == 0) {
    return absl::InvalidArgumentError("wal: segment_bytes must be positive");
  }
  if (!Exists(env, dir)) {
    return absl::NotFoundError(absl::StrCat("wal: file not found: no segments in ", dir));
  }
  std::unique_ptr<Wal> w(new Wal(env, dir, options));
  RETURN_IF_ERROR(w->LockDir());
  RETURN_IF_ERROR(w->RemoveTempFiles());
  ASSIGN_OR_RETURN(w->segments_, ListSegments(env, dir));
  // The last segment cut at or before `from` holds every live entry after it (a later
  // segment was cut when the log ended before `from`, so nothing older can matter).
  size_t n = w->segments_.size();
  size_t start = n;
  for (size_t i = n; i-- > 0;) {
    if (w->segments_[i].first_index <= from.index) {
      start = i;
      break;
    }
  }
  if (start == n) {
    return absl::NotFoundError(absl::StrFormat(
        "wal: file not found: no segment in %s covers snapshot index %d", dir, from.index));
  }
  RETURN_IF_ERROR(CheckSequence(w->segments_, start, dir));
  w->start_ = start;
  w->from_ = from;
  w->state_ = State::kOpened;
  return w;
}

// ---------------------------------------------------------------- reading

absl::StatusOr<Wal::ReadResult> Wal::ReadAll() {
  if (state_ != State::kOpened) {
    return absl::FailedPreconditionError("wal: ReadAll must be called once, after Open");
  }
  if (!broken_.ok()) return broken_;
  ReadResult res;
  bool have_metadata = false;
  bool matched = from_.index == 0;
  uint64_t max_marker = 0;
  std::string path;  // the segment being read, for messages

  auto visit = [&](const RecordView& rec, uint64_t offset) -> absl::Status {
    auto bad = [&](std::string_view what) {
      return absl::DataLossError(absl::StrFormat("wal: %s in %s at offset %d", what, path, offset));
    };
    switch (rec.type) {
      case RecordType::kMetadata:
        if (!have_metadata) {
          res.metadata.assign(rec.payload.data(), rec.payload.size());
          have_metadata = true;
        } else if (rec.payload != res.metadata) {
          return bad("conflicting metadata");
        }
        return absl::OkStatus();
      case RecordType::kEntry: {
        if (rec.payload.size() < kEntryFixedSize) return bad("malformed entry record");
        uint64_t index = DecodeFixed64(rec.payload.data() + 8);
        if (index <= from_.index) return absl::OkStatus();  // covered by the snapshot
        uint64_t pos = index - from_.index - 1;
        if (pos > res.entries.size()) {
          return bad(absl::StrFormat("missing entries: expected index %d or lower, found %d",
                                     from_.index + res.entries.size() + 1, index));
        }
        res.entries.resize(pos);  // an overwrite drops the old entry and all after it
        DecodeEntry(rec.payload, &res.entries.emplace_back());
        return absl::OkStatus();
      }
      case RecordType::kHardState:
        if (!DecodeHardState(rec.payload, &res.hard_state)) return bad("malformed hard state");
        return absl::OkStatus();
      case RecordType::kSnapshot: {
        uint64_t index, term;
        if (!DecodeSnapshotMarker(rec.payload, &index, &term)) {
          return bad("malformed snapshot marker");
        }
        max_marker = std::max(max_marker, index);
        if (index == from_.index && from_.index != 0) {
          if (term != from_.term) {
            return absl::FailedPreconditionError(absl::StrFormat(
                "wal: snapshot mismatch: snapshot %d has term %d in the WAL, %d expected", index,
                term, from_.term));
          }
          matched = true;
        }
        return absl::OkStatus();
      }
      case RecordType::kSegmentHeader:
        break;
    }
    return bad("unexpected record");
  };

  struct TailInfo {
    size_t seg = 0;
    SegmentHeader header;
    uint32_t salt = 0;
    uint32_t digest = 0;
    uint64_t size = 0;
  };
  std::optional<TailInfo> tail;  // the last good segment so far
  std::optional<uint32_t> expected_salt;
  std::string data;
  auto fail = [&](absl::Status s) {
    state_ = State::kClosed;
    return Fail(std::move(s));
  };

  for (size_t i = start_; i < segments_.size(); ++i) {
    const Segment& seg = segments_[i];
    path = PathOf(seg);
    bool is_last = i + 1 == segments_.size();
    absl::Status s = ReadWholeFile(env_, path, &data);
    if (!s.ok()) return fail(s);
    ScanOptions opts{seg.seq, seg.first_index, is_last, expected_salt};
    absl::StatusOr<SegmentScan> scan = ScanSegment(data, path, opts, visit);
    if (!scan.ok()) return fail(scan.status());

    if (!is_last) {
      tail = TailInfo{i, scan->header, scan->salt, scan->digest, data.size()};
      SegmentHeader next{segments_[i + 1].seq, segments_[i + 1].first_index, scan->header.nonce,
                         scan->digest};
      expected_salt = SaltOf(next);
      continue;
    }
    if (!scan->header_valid) {
      // A crash while the segment was being created (possible only without fsync):
      // nothing in it is usable, the previous segment becomes the tail again.
      if (!tail.has_value()) {
        return fail(absl::DataLossError(absl::StrFormat(
            "wal: corrupt segment %s at offset 0: %s, and no earlier segment to fall back on", path,
            scan->torn_reason)));
      }
      leveldb::Status rs = env_->RemoveFile(path);
      if (!rs.ok()) return fail(FromLevelDb(rs, absl::StrCat("wal: remove ", path)));
      if (!options_.no_fsync) {
        s = SyncDir(env_, dir_);
        if (!s.ok()) return fail(s);
      }
      segments_.pop_back();
      res.repaired_tail = true;
      break;
    }
    // The zeros after the records of a preallocated segment are its normal end; the
    // tail file writes over them. Any other torn tail is cut off for good.
    const bool keep_zeros =
        scan->zero_tail && options_.preallocate && env_ == leveldb::Env::Default();
    if (scan->torn && !keep_zeros) {
      s = WriteFileAtomically(env_, dir_, seg.name, std::string_view(data.data(), scan->valid_end),
                              options_.no_fsync);
      if (!s.ok()) return fail(s);
      res.repaired_tail = true;
    }
    tail = TailInfo{i, scan->header, scan->salt, scan->digest, scan->valid_end};
  }
  data.clear();
  data.shrink_to_fit();

  if (!have_metadata) {
    return fail(absl::DataLossError(absl::StrCat("wal: no metadata record in ", dir_)));
  }
  if (!matched) return fail(absl::NotFoundError("wal: snapshot not found"));

  absl::Status s = OpenTail(tail->seg, tail->header, tail->salt, tail->digest, tail->size);
  if (!s.ok()) return fail(s);
  metadata_ = res.metadata;
  last_hs_ = res.hard_state;
  last_index_ =
      std::max({from_.index, max_marker, res.entries.empty() ? 0 : res.entries.back().index()});
  state_ = State::kWritable;
  return res;
}

absl::StatusOr<std::vector<WalSnapshot>> Wal::ValidSnapshotEntries(Env* env,
                                                                   const std::string& dir) {
  ASSIGN_OR_RETURN(std::vector<Segment> segs, ListSegments(env, dir));
  if (segs.empty()) {
    return absl::NotFoundError(absl::StrCat("wal: file not found: no segments in ", dir));
  }
  // Read the newest run of consecutive segments only: an older segment can reappear
  // before a gap when a crash undid part of a purge. (Open checks that the segments it
  // needs are consecutive.)
  size_t first = 0;
  for (size_t i = 1; i < segs.size(); ++i) {
    if (segs[i].seq != segs[i - 1].seq + 1) first = i;
  }
  segs.erase(segs.begin(), segs.begin() + static_cast<ptrdiff_t>(first));
  std::vector<WalSnapshot> snaps;
  raftpb::HardState hs;
  std::string path;
  auto visit = [&](const RecordView& rec, uint64_t offset) -> absl::Status {
    bool ok = true;
    if (rec.type == RecordType::kSnapshot) {
      WalSnapshot s;
      ok = DecodeSnapshotMarker(rec.payload, &s.index, &s.term);
      snaps.push_back(s);
    } else if (rec.type == RecordType::kHardState) {
      ok = DecodeHardState(rec.payload, &hs);
    }
    if (!ok) {
      return absl::DataLossError(
          absl::StrFormat("wal: malformed record in %s at offset %d", path, offset));
    }
    return absl::OkStatus();
  };
  std::optional<uint32_t> expected_salt;
  std::string data;
  for (size_t i = 0; i < segs.size(); ++i) {
    path = JoinPath(dir, segs[i].name);
    bool is_last = i + 1 == segs.size();
    RETURN_IF_ERROR(ReadWholeFile(env, path, &data));
    ScanOptions opts{segs[i].seq, segs[i].first_index, is_last, expected_salt};
    ASSIGN_OR_RETURN(SegmentScan scan, ScanSegment(data, path, opts, visit));
    if (!is_last) {
      expected_salt = SaltOf(
          SegmentHeader{segs[i + 1].seq, segs[i + 1].first_index, scan.header.nonce, scan.digest});
    }
  }
  std::vector<WalSnapshot> valid;
  for (const WalSnapshot& s : snaps) {
    if (s.index <= hs.commit()) valid.push_back(s);
  }
  return valid;
}

// ---------------------------------------------------------------- writing

absl::Status Wal::SyncTail() {
  if (options_.no_fsync || !unsynced_) return absl::OkStatus();
  absl::Status s = tail_->Sync();
  if (!s.ok()) return Fail(std::move(s));
  unsynced_ = false;
  return absl::OkStatus();
}

absl::Status Wal::WriteTail(const std::string& data, bool sync) {
  absl::Status s = tail_->Append(data);
  if (!s.ok()) return Fail(std::move(s));
  unsynced_ = true;
  if (sync && !options_.no_fsync) return SyncTail();
  // Not synced: hand the bytes to the OS, so a process crash does not lose them (a
  // direct tail keeps them for its next synced write instead: wal/tail_file.h).
  s = tail_->Flush();
  if (!s.ok()) return Fail(std::move(s));
  return absl::OkStatus();
}

absl::Status Wal::Cut() {
  // Every segment but the last is complete and durable before the next one appears
  // (and ends with its last record: the preallocated zeros are cut off first).
  RETURN_IF_ERROR(SyncTail());
  if (absl::Status ss = tail_->Seal(options_.no_fsync); !ss.ok()) return Fail(std::move(ss));
  SegmentHeader h{tail_header_.seq + 1, last_index_ + 1, tail_header_.nonce, tail_digest_};
  uint32_t salt = SaltOf(h);
  uint32_t digest = salt;
  std::string buf;
  AppendSegmentHeaderRecord(&buf, h);
  digest = FoldDigest(digest, AppendRecord(&buf, salt, RecordType::kMetadata, metadata_));
  if (!IsEmptyHardState(last_hs_)) {
    digest = FoldDigest(digest, AppendHardStateRecord(&buf, salt, last_hs_));
  }
  Segment seg{h.seq, h.first_index, SegmentFileName(h.seq, h.first_index)};
  // Written whole to a temp file, synced, then renamed: a segment file never exists
  // without its header.
  absl::Status s = WriteFileAtomically(env_, dir_, seg.name, buf, options_.no_fsync);
  if (!s.ok()) return Fail(s);
  absl::Status cs = tail_->Close();
  tail_.reset();
  if (!cs.ok()) return Fail(std::move(cs));
  segments_.push_back(std::move(seg));
  s = OpenTail(segments_.size() - 1, h, salt, digest, buf.size());
  if (!s.ok()) return Fail(s);
  return absl::OkStatus();
}

absl::Status Wal::Save(const raftpb::HardState& hs, absl::Span<const raftpb::Entry> ents) {
  if (!broken_.ok()) return broken_;
  if (state_ != State::kWritable) return NotOpenForWriting();
  bool hs_empty = IsEmptyHardState(hs);
  if (hs_empty && ents.empty()) return absl::OkStatus();
  if (!ents.empty()) {
    if (ents.front().index() > last_index_ + 1) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "wal: entry %d would leave a gap after index %d", ents.front().index(), last_index_));
    }
    for (size_t i = 0; i < ents.size(); ++i) {
      if (i > 0 && ents[i].index() != ents[i - 1].index() + 1) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "wal: entries out of order: %d follows %d", ents[i].index(), ents[i - 1].index()));
      }
      if (ents[i].type() < 0 || ents[i].type() > 255 ||
          ents[i].data().size() > kMaxRecordPayload - kEntryFixedSize) {
        return absl::InvalidArgumentError(
            absl::StrFormat("wal: entry %d cannot be encoded", ents[i].index()));
      }
    }
  }
  if (tail_size_ >= options_.segment_bytes) RETURN_IF_ERROR(Cut());

  buf_.clear();
  uint32_t digest = tail_digest_;
  for (const raftpb::Entry& e : ents) {
    digest = FoldDigest(digest, AppendEntryRecord(&buf_, tail_salt_, e));
  }
  bool hs_changed = !hs_empty && !SameHardState(hs, last_hs_);
  if (hs_changed) digest = FoldDigest(digest, AppendHardStateRecord(&buf_, tail_salt_, hs));
  if (buf_.empty()) return absl::OkStatus();
  // A commit index alone needs no sync: Raft recovers it from the leader.
  bool must_sync = !ents.empty() ||
                   (hs_changed && (hs.term() != last_hs_.term() || hs.vote() != last_hs_.vote()));
  RETURN_IF_ERROR(WriteTail(buf_, must_sync));
  tail_digest_ = digest;
  tail_size_ += buf_.size();
  if (!ents.empty()) last_index_ = ents.back().index();
  if (hs_changed) last_hs_ = hs;
  if (buf_.capacity() > kMaxRetainedBuffer) std::string().swap(buf_);
  return absl::OkStatus();
}

absl::Status Wal::SaveSnapshot(const WalSnapshot& snap) {
  if (!broken_.ok()) return broken_;
  if (state_ != State::kWritable) return NotOpenForWriting();
  buf_.clear();
  uint32_t digest =
      FoldDigest(tail_digest_, AppendSnapshotRecord(&buf_, tail_salt_, snap.index, snap.term));
  RETURN_IF_ERROR(WriteTail(buf_, /*sync=*/true));
  tail_digest_ = digest;
  tail_size_ += buf_.size();
  last_index_ = std::max(last_index_, snap.index);
  return absl::OkStatus();
}

// ---------------------------------------------------------------- purge and close

absl::Status Wal::ReleaseLockTo(uint64_t index) {
  if (state_ == State::kClosed) return absl::FailedPreconditionError("wal: closed");
  released_ = std::max(released_, index);
  return absl::OkStatus();
}

absl::Status Wal::PurgeOldSegments(size_t max_keep) {
  if (state_ != State::kWritable) return NotOpenForWriting();
  if (max_keep == 0) return absl::OkStatus();
  // Open(from.index >= released_) starts at the last segment cut at or before
  // released_; everything before that one is never read again.
  size_t keep_from = 0;
  for (size_t i = segments_.size(); i-- > 0;) {
    if (segments_[i].first_index <= released_) {
      keep_from = i;
      break;
    }
  }
  size_t removable = std::min(keep_from, segments_.size() - 1);  // never the tail
  size_t removed = 0;
  while (removed < removable && segments_.size() - removed > max_keep) {
    std::string path = PathOf(segments_[removed]);
    leveldb::Status s = env_->RemoveFile(path);
    if (!s.ok()) {
      segments_.erase(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(removed));
      return FromLevelDb(s, absl::StrCat("wal: remove ", path));
    }
    ++removed;
  }
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(removed));
  start_ = 0;
  return absl::OkStatus();
}

absl::Status Wal::Close() {
  if (state_ == State::kClosed && tail_ == nullptr && lock_ == nullptr) {
    return absl::OkStatus();
  }
  absl::Status result;
  if (tail_ != nullptr) {
    if (broken_.ok()) result = SyncTail();
    if (result.ok() && broken_.ok()) result = tail_->Seal(options_.no_fsync);
    absl::Status s = tail_->Close();
    if (result.ok() && !s.ok()) result = std::move(s);
    tail_.reset();
  }
  if (lock_ != nullptr) {
    leveldb::Status s = env_->UnlockFile(lock_);
    lock_ = nullptr;
    if (result.ok() && !s.ok()) result = FromLevelDb(s, "wal: unlock");
  }
  state_ = State::kClosed;
  return result;
}

}  // namespace etcd::wal
