// `etcdutl snapshot status`: what a saved snapshot file holds (etcd's snapshot.Status:
// hash, revision, total keys, total size, version), computed from our image format
// (docs/design/snapshot-file.md). The hash is CRC-32C (Castagnoli, as etcd's) over each
// bucket's byte followed by that bucket's keys and values; it identifies the content,
// it cannot equal etcd's (which hashes bbolt bucket names).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"
#include "common/status.h"

namespace etcd::snapshot {

struct ImageStatus {
  uint32_t hash = 0;
  int64_t revision = 0;    // newest mvcc revision in the key bucket
  int64_t total_keys = 0;  // records in every bucket, as etcd counts bbolt keys
  int64_t total_size = 0;  // image bytes (without the trailing SHA-256)
  std::string version;     // storage version ("3.5.0"), as etcdutl 3.5 prints it
};

// The text etcd prints when a snapshot's content fails its checks.
std::string IntegrityError(absl::string_view detail);

// Status of a saved file's bytes (image + optional SHA-256). The trailing hash is not
// checked here (etcdutl's status does not either); a corrupt image gives
// FailedPrecondition "snapshot file integrity check failed. 1 errors found.\n<why>".
absl::StatusOr<ImageStatus> StatusOfFile(std::string_view file);

// Reads a whole file (errors as Go's os package words them:
// "open <path>: no such file or directory").
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

}  // namespace etcd::snapshot
