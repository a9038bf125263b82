// Offline maintenance of a stopped member's data dir: `etcdutl defrag --data-dir` and
// `etcdutl backup --data-dir --backup-dir`.
//
// Thread safety: plain functions; LevelDB's LOCK keeps a running etcd's db out.
#pragma once

#include <string>

#include "common/env.h"
#include "common/status.h"

namespace etcd::etcdutl {

// Full compaction of <data-dir>/member/db (what Maintenance.Defragment does online).
// NotFound when the data dir or its db does not exist.
absl::Status DefragData(Env* env, const std::string& data_dir);

// A consistent copy of a stopped member: the backend copied record by record from one
// read view into <backup-dir>/member/db, and the WAL and snapshot files copied as they
// are (<backup-wal-dir>, default <backup-dir>/member/wal). The copy restarts as the
// same member. AlreadyExists when the backup's db or WAL dir exists.
absl::Status BackupData(Env* env, const std::string& data_dir, const std::string& wal_dir,
                        const std::string& backup_dir, const std::string& backup_wal_dir);

}  // namespace etcd::etcdutl
