// One watcher (one watch_id on one stream) and the key range it covers.
//
// Internal to the watch module: WatchableStore creates, indexes and destroys watchers;
// the gRPC layer never sees them.
//
// Thread safety: not thread-safe. The identity and options (id, seq, range, filters,
// prev_kv, progress_notify, fragment, stream) are immutable once the watcher is
// published; every other field is guarded by the owning WatchableStore's mutex (see
// watchable_store.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mvccpb/kv.pb.h"

namespace etcd::mvcc {

namespace watch_internal {
struct StreamState;
}

// The keys a watcher covers, with the Range conventions (reference/api.md §2):
// kSingle = exactly `key`; kRange = [key, end); kFromKey = every key >= `key`.
struct KeyRange {
  enum class Kind { kSingle, kRange, kFromKey };
  Kind kind = Kind::kSingle;
  std::string key;
  std::string end;  // only for kRange

  // From the wire fields of a WatchCreateRequest: an empty key means "\0" (the
  // smallest key), an empty range_end a single key, range_end "\0" every key >= key.
  static KeyRange FromRequest(std::string_view key, std::string_view range_end);

  // True for a kRange whose key >= end (nothing can ever match).
  bool Empty() const { return kind == Kind::kRange && key >= end; }
  bool Contains(std::string_view k) const {
    switch (kind) {
      case Kind::kSingle:
        return k == key;
      case Kind::kRange:
        return k >= key && k < end;
      case Kind::kFromKey:
        return k >= key;
    }
    return false;
  }
};

struct Watcher {
  int64_t id = 0;           // watch_id, unique within its stream
  uint64_t seq = 0;         // store-wide unique, for deterministic ordering
  uint64_t stream_seq = 0;  // its stream's seq: Notify delivers stream by stream
  KeyRange range;
  bool no_put = false;     // filter NOPUT
  bool no_delete = false;  // filter NODELETE
  bool prev_kv = false;
  bool progress_notify = false;
  bool fragment = false;

  // The next revision this watcher has not been given yet. For a synced watcher the
  // effective value is max(min_rev, store rev + 1); events below it are skipped.
  int64_t min_rev = 0;
  bool synced = false;
  bool canceled = false;         // removed from its stream; a syncer batch may still hold it
  bool sent_since_tick = false;  // an event response was queued since the last progress tick
  uint64_t unsynced_key = 0;     // position in the store's unsynced queue (when !synced)
  // Coalescing: the position (stream-wide count of responses queued before it) of this
  // watcher's newest event response, valid while open_epoch equals the stream's epoch
  // and the response is still queued (0: none).
  uint64_t open_pos = 0;
  uint64_t open_epoch = 0;

  watch_internal::StreamState* stream = nullptr;  // owner; outlives the watcher's use
  std::vector<uint32_t> scratch;                  // Notify: indexes of this round's events for it

  // True when `ev` passes the filters (not the range or the revision).
  bool Wants(const mvccpb::Event& ev) const {
    return ev.type() == mvccpb::Event::PUT ? !no_put : !no_delete;
  }
};

}  // namespace etcd::mvcc
