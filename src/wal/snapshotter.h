// Snapshotter: Raft snapshot files in <data-dir>/member/snap.
//
// One file per snapshot, `%016x-%016x.snap` (term, index), holding a small header with
// a CRC32C and the serialized raftpb::Snapshot (docs/design/snap.md). Files are written
// whole to a temp file, synced and renamed, so a reader never sees half a snapshot.
// A file that fails its checks is renamed to `<name>.broken` by the loaders and skipped.
//
// Thread safety: not thread-safe; one owner (the server's raft loop / snapshot path).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/status.h"
#include "raftpb/raft.pb.h"
#include "wal/wal.h"

namespace etcd::wal {

class Snapshotter {
 public:
  // `no_fsync`: --unsafe-no-fsync.
  Snapshotter(Env* env, std::string dir, bool no_fsync = false);

  // Writes `snap` durably (creating the directory if needed). A no-op for an empty
  // snapshot (index 0).
  absl::Status SaveSnap(const raftpb::Snapshot& snap);

  // The newest valid snapshot. NotFound("snap: no available snapshot") when none.
  absl::StatusOr<raftpb::Snapshot> Load();

  // The newest valid snapshot whose {index, term} is among `wal_snaps` (from
  // Wal::ValidSnapshotEntries). NotFound("snap: no available snapshot") when none.
  absl::StatusOr<raftpb::Snapshot> LoadNewestAvailable(const std::vector<WalSnapshot>& wal_snaps);

  // Removes the oldest snapshot files while more than `max_keep` remain
  // (--max-snapshots; 0 = keep all). Leftover temp files are removed too.
  absl::Status PurgeOld(size_t max_keep);

  // Snapshot file names, newest first.
  absl::StatusOr<std::vector<std::string>> SnapNames() const;

  const std::string& dir() const { return dir_; }

  // The file codec, exposed for tests and tools (etcdutl).
  static std::string Encode(const raftpb::Snapshot& snap);
  // DataLoss describing the first check that fails.
  static absl::StatusOr<raftpb::Snapshot> Decode(std::string_view data);

 private:
  // Reads and checks one file; a damaged one is renamed to *.broken and reported as
  // DataLoss. I/O errors are returned as they are.
  absl::StatusOr<raftpb::Snapshot> LoadFile(const std::string& name);
  template <typename Match>
  absl::StatusOr<raftpb::Snapshot> LoadNewest(Match match);

  Env* const env_;
  const std::string dir_;
  const bool no_fsync_;
};

}  // namespace etcd::wal
