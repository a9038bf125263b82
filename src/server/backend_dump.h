// The backend dump: the whole replicated state (every bucket of the LevelDB backend)
// as one byte string, for shipping a Raft snapshot to a member that is too far behind
// for the log (docs/design/server.md "Snapshot payload"). The leader dumps a read
// view taken right after a backend commit; the follower checks the dump, keeps it in
// member/snap/ until it is installed, and replaces its backend's content with it in
// one synced write.
//
// Thread safety: pure functions. LoadBackendDump writes the backend's pending batch,
// so it runs where the backend's writes run (the applier, or start-up).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/env.h"
#include "common/status.h"
#include "storage/backend.h"

namespace etcd::server {

struct BackendDumpInfo {
  uint64_t index = 0;  // the backend's consistent index in the dump
  uint64_t term = 0;
  uint64_t records = 0;
};

// Every key of every bucket of `view`, tagged with the Raft index/term it stands at.
absl::StatusOr<std::string> DumpBackend(const storage::ReadView& view, uint64_t index,
                                        uint64_t term);
// Checks the framing and the checksum; DataLoss when the dump is damaged.
absl::StatusOr<BackendDumpInfo> CheckBackendDump(std::string_view dump);
// Replaces everything in `backend` with the dump and commits it with fsync at the
// dump's index/term (one LevelDB write: a crash leaves the old or the new state).
absl::Status LoadBackendDump(storage::Backend* backend, std::string_view dump);

// File name of a received dump kept until installed: "<term>-<index>.snap.db" (16 hex
// digits each, like the .snap files).
std::string SnapshotDbName(uint64_t term, uint64_t index);
// Writes `data` to `path` and syncs it.
absl::Status WriteFileSync(Env* env, const std::string& path, std::string_view data);

}  // namespace etcd::server
