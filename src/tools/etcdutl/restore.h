// `etcdutl snapshot restore` (and `etcdctl snapshot restore`): turns a snapshot file
// (docs/design/snapshot-file.md) into a data directory our etcd starts from as a member
// of a NEW cluster, as etcd's restore does:
//   <data-dir>/member/db    the image's buckets, minus the old membership (members,
//                           removed members, cluster ID) and alarms; the members of
//                           --initial-cluster with IDs derived from
//                           --initial-cluster-token; consistent index = N members,
//                           term 1
//   <wal-dir>               metadata {this member's ID, the cluster ID}; N ADD_NODE
//                           conf-change entries (term 1, index 1..N, context = the
//                           member record); HardState {term 1, vote = first member,
//                           commit N}; a snapshot marker {N, 1}
//   <data-dir>/member/snap  the Raft snapshot at {N, 1} (voters = every member)
// Every member of the new cluster is restored from the same file with its own --name.
//
// Thread safety: a plain function; touches only the given paths.
#pragma once

#include <string>
#include <vector>

#include "common/env.h"
#include "common/status.h"

namespace etcd::etcdutl {

struct RestoreConfig {
  std::string snapshot_path;
  std::string name = "default";
  std::string data_dir;  // empty: <name>.etcd
  std::string wal_dir;   // empty: <data-dir>/member/wal
  std::string initial_cluster = "default=http://localhost:2380";
  std::string initial_cluster_token = "etcd-cluster";
  std::string initial_advertise_peer_urls = "http://localhost:2380";
  bool skip_hash_check = false;
};

// What Restore reports (for the log lines main prints).
struct RestoreResult {
  std::string data_dir, wal_dir, snap_dir;
  uint64_t member_id = 0;
  uint64_t cluster_id = 0;
  int64_t revision = 0;
  std::vector<std::string> added_members;  // "name=<id hex>"
};

// Errors carry etcd's texts: `data-dir "X" exists`, `wal-dir "X" exists`,
// `snapshot missing hash but --skip-hash-check=false`, `expected sha256 [..], got [..]`,
// `couldn't find local name "n" in the initial cluster configuration`, integrity
// failures ("snapshot file integrity check failed. ...").
absl::StatusOr<RestoreResult> Restore(const RestoreConfig& cfg, Env* env);

// Go's %v of a byte slice: "[1 2 255]".
std::string GoBytes(std::string_view b);

}  // namespace etcd::etcdutl
