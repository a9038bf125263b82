// Small file helpers over etcd::Env shared by the WAL and the snapshotter.
//
// Directory fsync: leveldb::Env has no call for it, but leveldb's PosixEnv fsyncs a
// file's directory whenever a file whose name starts with "MANIFEST" is synced. SyncDir
// relies on that: it syncs an empty `<dir>/MANIFEST.dirsync`, which makes every entry of
// <dir> (created, renamed, removed files) durable. On MemEnv it is a no-op; FaultEnv
// (tests/testutil) models it.
//
// Thread safety: pure functions over a thread-safe Env.
#pragma once

#include <string>
#include <string_view>

#include "common/env.h"
#include "common/status.h"

namespace etcd::wal {

inline constexpr std::string_view kDirSyncFileName = "MANIFEST.dirsync";

// leveldb::Status -> absl::Status, prefixed with `context`. "No space left on device"
// becomes ResourceExhausted (so the server can raise its NOSPACE alarm), NotFound stays
// NotFound, Corruption becomes DataLoss, any other failure Internal.
absl::Status FromLevelDb(const leveldb::Status& s, std::string_view context);

// Creates `dir` and its missing parents; OK when it already exists.
absl::Status CreateDirAll(Env* env, const std::string& dir);

// Makes the entries of `dir` durable (see above).
absl::Status SyncDir(Env* env, const std::string& dir);

// Reads the whole file.
absl::Status ReadWholeFile(Env* env, const std::string& path, std::string* out);

// Writes `data` to path + ".tmp", syncs it (unless no_fsync), renames it over `path`
// and syncs the directory (unless no_fsync). Readers see the old file or the new one,
// never a mix.
absl::Status WriteFileAtomically(Env* env, const std::string& dir, const std::string& name,
                                 std::string_view data, bool no_fsync);

// Parent directory of `path` ("" when it has none).
std::string DirName(std::string_view path);

}  // namespace etcd::wal
