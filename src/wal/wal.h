// Wal: the durable Raft log of one member, in <data-dir>/member/wal (or --wal-dir).
//
// Segment files `%016x-%016x.wal` (sequence number, index of the first entry the segment
// was cut for) hold CRC-checked records: a segment header, the metadata given to Create
// (the server stores its member and cluster IDs there), raft entries, hard states and
// snapshot markers. Byte layout, recovery rules and fsync discipline:
// docs/design/wal.md.
//
// Life cycle:
//   new member:   Create(env, dir, metadata) -> Save / SaveSnapshot ... -> Close
//   restart:      ValidSnapshotEntries(env, dir) -> pick the newest snapshot file the WAL
//                 knows (Snapshotter::LoadNewestAvailable) -> Open(env, dir, {index, term})
//                 -> ReadAll (once; repairs a torn tail) -> Save ... -> Close
//
// Durability: Save appends everything it is given in one write and calls Sync (an
// fdatasync) once when entries were written or the term or vote changed; a commit-only
// hard state is written without a sync (Raft can recover the commit index). Any failed
// write or sync makes the Wal unusable: every later call returns that error (after a
// failed fsync the kernel's view of the file is unknown; restart and let ReadAll repair).
//
// Thread safety: not thread-safe. One owner (the server's raft loop) calls every method;
// the directory is locked against other processes while the Wal is open.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "common/env.h"
#include "common/status.h"
#include "raftpb/raft.pb.h"
#include "wal/record.h"
#include "wal/tail_file.h"

namespace etcd::wal {

struct WalOptions {
  // A new segment is started once the current one has reached this size (--wal segment
  // size; tests use small values). A segment holds at least one Save.
  uint64_t segment_bytes = 64ull * 1024 * 1024;
  // --unsafe-no-fsync: flush to the OS but never fsync files or directories.
  bool no_fsync = false;
  // Stored in the first segment by Create and carried into every later one; part of
  // every record's CRC seed. The server passes a random value from its Rng so a WAL
  // re-created in the same place never validates stale blocks of an earlier one.
  uint64_t nonce = 0;
  // On leveldb's default (POSIX) Env: write the tail segment through a preallocated
  // file (wal/tail_file.h; its fdatasync then commits no size change). Other Envs
  // always append.
  bool preallocate = true;
  // With preallocate on the POSIX Env (and fsync on): records are written with direct
  // I/O (O_DIRECT, whole 4 KiB blocks, then fdatasync) instead of through the page
  // cache; an unsynced record (a commit-only hard state) is written with the next
  // synced one (wal/tail_file.h "Direct tail"). Falls back to the page cache where
  // the file system refuses O_DIRECT.
  bool direct_io = true;
};

// A snapshot marker in the WAL: the index and term of a snapshot the server took or
// received.
struct WalSnapshot {
  uint64_t index = 0;
  uint64_t term = 0;
  friend bool operator==(const WalSnapshot&, const WalSnapshot&) = default;
};

class Wal {
 public:
  struct ReadResult {
    std::string metadata;
    raftpb::HardState hard_state;        // the last one saved (empty if none)
    std::vector<raftpb::Entry> entries;  // every entry after `from`, in index order
    bool repaired_tail = false;          // a torn tail was cut off the last segment
  };

  // True when `dir` holds at least one segment file.
  static bool Exists(Env* env, const std::string& dir);

  // Creates `dir` (and parents) with a first segment holding `metadata` and the
  // snapshot marker {0, 0}. AlreadyExists when `dir` already holds segments. The
  // returned Wal is ready for Save.
  static absl::StatusOr<std::unique_ptr<Wal>> Create(Env* env, const std::string& dir,
                                                     std::string metadata,
                                                     const WalOptions& options = {});

  // Opens an existing WAL to read it from snapshot `from` (its marker must be in the
  // WAL unless from.index is 0). NotFound when no segment covers `from`; DataLoss
  // when a segment is missing from the sequence. Call ReadAll next.
  static absl::StatusOr<std::unique_ptr<Wal>> Open(Env* env, const std::string& dir,
                                                   WalSnapshot from,
                                                   const WalOptions& options = {});

  // Every snapshot marker in the WAL whose index is at most the last saved commit index
  // (so its snapshot is known to be committed), oldest first, starting with {0, 0} if
  // the first segment still exists. Reads the newest run of consecutive segments.
  // Read-only: a torn tail is ignored, not repaired.
  static absl::StatusOr<std::vector<WalSnapshot>> ValidSnapshotEntries(Env* env,
                                                                       const std::string& dir);

  // Closes files without syncing (a crash-like stop); prefer Close().
  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // REQUIRES: opened with Open and not yet read. Reads every record from the segment
  // covering `from` to the end. Entries with the same index as an earlier one replace it
  // and every entry after it (Raft overwrote an uncommitted tail). A torn tail of the
  // last segment is cut off (repaired_tail); any other damage is DataLoss naming the
  // file and offset. NotFound("wal: snapshot not found") when `from` has no marker,
  // FailedPrecondition("wal: snapshot mismatch") when its term differs. Afterwards the
  // Wal is ready for Save.
  absl::StatusOr<ReadResult> ReadAll();

  // Appends `ents` (consecutive indexes; the first at most last_index()+1) and, when
  // non-empty and changed, `hs`, in one write; then one Sync unless only the commit
  // index changed. A no-op for an empty hs and no entries. InvalidArgument (nothing
  // written) for entries out of order.
  absl::Status Save(const raftpb::HardState& hs, absl::Span<const raftpb::Entry> ents);

  // Appends a snapshot marker and syncs. Call after the snapshot file is saved.
  absl::Status SaveSnapshot(const WalSnapshot& snap);

  // Allows PurgeOldSegments to remove segments that Open(from.index >= index) would
  // never read, i.e. those wholly before the segment covering `index`.
  absl::Status ReleaseLockTo(uint64_t index);

  // Removes the oldest released segments while more than `max_keep` exist (--max-wals;
  // 0 = keep all). Never removes a segment still needed.
  absl::Status PurgeOldSegments(size_t max_keep);

  // Syncs anything written without a sync, closes the files and unlocks the directory.
  absl::Status Close();

  const std::string& dir() const { return dir_; }
  // Index of the last entry saved (or the newest snapshot marker, if later).
  uint64_t last_index() const { return last_index_; }
  // Names of the segment files this Wal knows, oldest first.
  std::vector<std::string> SegmentNames() const;

 private:
  struct Segment {
    uint64_t seq = 0;
    uint64_t first_index = 0;
    std::string name;
  };
  enum class State { kOpened, kWritable, kClosed };

  Wal(Env* env, std::string dir, const WalOptions& options);

  static absl::StatusOr<std::vector<Segment>> ListSegments(Env* env, const std::string& dir);
  static absl::Status CheckSequence(const std::vector<Segment>& segs, size_t from,
                                    const std::string& dir);

  absl::Status LockDir();
  absl::Status RemoveTempFiles();
  absl::Status OpenTail(size_t seg, const SegmentHeader& header, uint32_t salt, uint32_t digest,
                        uint64_t size);
  absl::Status WriteTail(const std::string& data, bool sync);
  absl::Status SyncTail();
  absl::Status Cut();
  absl::Status Fail(absl::Status s);  // latches s as broken_
  std::string PathOf(const Segment& s) const;

  Env* const env_;
  const std::string dir_;
  const WalOptions options_;

  State state_ = State::kOpened;
  absl::Status broken_;  // first write/sync failure; every later call returns it
  leveldb::FileLock* lock_ = nullptr;
  WalSnapshot from_;

  std::vector<Segment> segments_;  // on disk, by sequence number
  size_t start_ = 0;               // first segment ReadAll reads
  std::string metadata_;

  std::unique_ptr<TailFile> tail_;  // the last segment, open for append
  SegmentHeader tail_header_;
  uint32_t tail_salt_ = 0;
  uint32_t tail_digest_ = 0;
  uint64_t tail_size_ = 0;
  bool unsynced_ = false;  // bytes written to the tail since its last Sync

  uint64_t last_index_ = 0;
  raftpb::HardState last_hs_;  // last hard state written
  uint64_t released_ = 0;
  std::string buf_;  // reused encode buffer
};

}  // namespace etcd::wal
