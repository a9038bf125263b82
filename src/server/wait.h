// The wait registry: request id -> the callback that completes the client request
// once its Raft entry is applied (or it fails: timeout, stop).
//
// A proposer Register()s under a fresh id before proposing; the applier Trigger()s the
// id with the apply result; the raft loop Expire()s waits past their deadline (etcd's
// request timeout); Stop fails everything left with CancelAll(). Each callback runs
// exactly once, outside the registry's lock, on the thread that completes it.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/status.h"
#include "google/protobuf/message.h"

namespace etcd::server {

// What applying one request produced: an error, or a response message whose concrete
// type matches the request (PutResponse for a put, ...).
struct ApplyResult {
  absl::Status status;
  std::shared_ptr<google::protobuf::Message> response;
};

using WaitFn = std::function<void(ApplyResult)>;

class WaitRegistry {
 public:
  // False (and `fn` is dropped) when `id` is already registered.
  bool Register(uint64_t id, Clock::TimePoint deadline, WaitFn fn);
  bool IsRegistered(uint64_t id) const;
  // Completes and removes the wait; false when `id` is unknown (another member's
  // request, a replayed entry, or it already timed out).
  bool Trigger(uint64_t id, ApplyResult result);
  // Completes every wait whose deadline is <= now with `status`; returns how many.
  size_t Expire(Clock::TimePoint now, const absl::Status& status);
  // Completes every wait with `status`.
  size_t CancelAll(const absl::Status& status);
  size_t Size() const;

 private:
  struct Entry {
    Clock::TimePoint deadline;
    WaitFn fn;
  };
  mutable absl::Mutex mu_;
  std::map<uint64_t, Entry> waits_ ABSL_GUARDED_BY(mu_);
  std::set<std::pair<Clock::TimePoint, uint64_t>> by_deadline_ ABSL_GUARDED_BY(mu_);
};

}  // namespace etcd::server
