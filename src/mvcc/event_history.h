// What the watchable store needs from the KV store: committed history as events.
// mvcc::KvStore implements it; the watch code depends only on this interface.
//
// Thread safety: all methods may be called from any thread; they observe committed
// data only (never the applier's pending batch).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "mvccpb/kv.pb.h"

namespace etcd::mvcc {

class EventHistory {
 public:
  virtual ~EventHistory() = default;

  // Events of revisions [from_rev, to_rev] (both inclusive), in revision order, at most
  // `limit` events (0 = no limit; a revision's events are never split). A PUT event
  // carries the full kv; a DELETE event carries key and mod_revision (= the delete
  // revision). With `prev_kv`, each event carries the key's previous version when it is
  // still available (not compacted). Returns errors::kCompacted if from_rev < the
  // compact revision (from the compact revision itself, what survived is returned).
  virtual absl::StatusOr<std::vector<mvccpb::Event>> EventsBetween(int64_t from_rev, int64_t to_rev,
                                                                   bool prev_kv,
                                                                   size_t limit) const = 0;
  // The version of `key` live at revision mod_rev - 1 (a watch event's prev_kv, as etcd
  // fills it: nullopt when the key did not exist then or that revision is compacted).
  virtual absl::StatusOr<std::optional<mvccpb::KeyValue>> PrevKv(std::string_view key,
                                                                 int64_t mod_rev) const {
    (void)key;
    (void)mod_rev;
    return absl::UnimplementedError("PrevKv");
  }
  // The newest committed revision (what a read at "latest" sees).
  virtual int64_t CommittedRev() const = 0;
  // The current compaction revision (0 when never compacted).
  virtual int64_t CompactRev() const = 0;
};

}  // namespace etcd::mvcc
