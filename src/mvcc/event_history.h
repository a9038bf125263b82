// What the watchable store needs from the KV store: committed history as events.
// mvcc::KvStore implements it; the watch code depends only on this interface.
//
// Thread safety: all methods may be called from any thread; they observe committed
// data only (never the applier's pending batch).
#pragma once

#include <cstddef>
#include <cstdint>
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
  virtual absl::StatusOr<std::vector<mvccpb::Event>> EventsBetween(int64_t from_rev,
                                                                   int64_t to_rev,
                                                                   bool prev_kv,
                                                                   size_t limit) const = 0;
  // The newest committed revision (what a read at "latest" sees).
  virtual int64_t CommittedRev() const = 0;
  // The current compaction revision (0 when never compacted).
  virtual int64_t CompactRev() const = 0;
};

}  // namespace etcd::mvcc
