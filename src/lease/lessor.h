// The lessor: every lease of the member, its TTL, its expiry and the keys attached to
// it. Modeled on etcd's lessor, but pure of threads and timers: the server drives it.
//
//  * Replicated operations (Grant, Revoke, Attach, Detach, Checkpoint) are called by
//    the applier in log order on every member; Grant/Revoke/Checkpoint write the lease
//    record into the backend's pending batch (storage::Bucket::kLease, format in
//    lease/lease_record.h and docs/design/lease.md). Attached keys are NOT persisted:
//    after Recover() the server re-attaches every key that mvcc says carries a lease.
//  * Expiry exists only on the leader ("primary"): Promote() starts the clocks of all
//    leases, Demote() stops them. The server polls ExpiredLeases() and proposes a
//    LeaseRevoke for each; a lease handed out is not handed out again for
//    kExpiredLeaseRetryInterval, so a lost proposal is retried.
//  * Checkpoints (optional): the leader periodically replicates each long lease's
//    remaining TTL (CheckpointsDue -> proposed LeaseCheckpoint -> Checkpoint()), so a
//    new leader or a restarted member resumes from it instead of the full TTL.
//
// Time comes from the injected Clock; the lessor never sleeps.
//
// Thread safety: all state is guarded by one internal absl::Mutex, so every method may
// be called from any thread. The replicated operations and Recover() write to the
// backend and must come from the applier thread only (the Backend contract); they
// never hold the mutex while calling the backend.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/rng.h"
#include "common/status.h"
#include "storage/backend.h"

namespace etcd::lease {

inline constexpr int64_t kNoLease = 0;
// Largest TTL a lease may be granted (etcd's MaxLeaseTTL), seconds.
inline constexpr int64_t kMaxLeaseTTL = 9'000'000'000LL;
// How long an expired lease handed to the server waits before being handed out again.
inline constexpr std::chrono::seconds kExpiredLeaseRetryInterval{3};
// etcd's leaseRevokeRate: the expiry rate Promote() spreads piled-up leases against.
inline constexpr int kLeaseRevokeRate = 1000;

struct LessorOptions {
  // ceil(1.5 * election timeout); etcd's default election timeout (1 s) gives 2.
  int64_t min_ttl_seconds = 2;
  bool checkpoint_enabled = false;
  std::chrono::milliseconds checkpoint_interval{std::chrono::minutes(5)};
};

struct LeaseInfo {
  int64_t id = 0;
  int64_t ttl = 0;  // granted, seconds
  // Seconds left, truncated as etcd's LeaseTimeToLive does (a fresh 10 s lease shows
  // 9), never below 0. Not the leader: the TTL the lease would restart from.
  int64_t remaining = 0;
  std::vector<std::string> keys;  // sorted
};

class Lessor {
 public:
  // `backend` and `clock` must outlive the lessor.
  Lessor(storage::Backend* backend, const Clock* clock, LessorOptions options = {});
  Lessor(const Lessor&) = delete;
  Lessor& operator=(const Lessor&) = delete;

  // Replaces the in-memory state with the leases stored in the backend (startup and
  // after a snapshot install). Attachments are cleared: the caller re-attaches keys.
  // On the leader the leases' clocks restart from now + (checkpointed remaining or TTL).
  absl::Status Recover();

  // --- replicated operations (applier thread) ---
  // `id` is chosen by the proposer; 0 gives kLeaseNotFound. `ttl` is raised to the
  // minimum; above kMaxLeaseTTL gives kLeaseTTLTooLarge; an existing id kLeaseExist.
  absl::StatusOr<LeaseInfo> Grant(int64_t id, int64_t ttl);
  // Removes the lease; returns its keys (sorted) for the server to delete in one
  // revision. Unknown: kLeaseNotFound.
  absl::StatusOr<std::vector<std::string>> Revoke(int64_t id);
  // Attaching a key held by another lease moves it. Unknown lease: ignored (mvcc
  // validates the lease before the put).
  void Attach(int64_t id, std::string_view key);
  void Detach(int64_t id, std::string_view key);
  bool Exists(int64_t id) const;
  // Records a replicated remaining TTL (0 clears it). Unknown lease: ignored (OK).
  absl::Status Checkpoint(int64_t id, int64_t remaining_ttl);

  // --- any thread ---
  // Leader only (kNotLeader otherwise): restarts the lease's clock; returns the granted
  // TTL. Unknown or already expired: kLeaseNotFound.
  absl::StatusOr<int64_t> Renew(int64_t id);
  std::optional<LeaseInfo> Lookup(int64_t id) const;
  // All lease IDs, soonest expiry first (ID order on a follower).
  std::vector<int64_t> Leases() const;
  // The key's lease, or kNoLease.
  int64_t LeaseOf(std::string_view key) const;
  size_t Size() const;

  // This member became leader: every lease expires at now + extend + (checkpointed
  // remaining TTL, else TTL); big piles of simultaneous expiries are spread out so
  // they can be revoked at kLeaseRevokeRate.
  void Promote(std::chrono::milliseconds extend);
  // No longer leader: leases stop expiring.
  void Demote();
  bool IsPrimary() const;

  // Leader only: up to `max` leases past their expiry, earliest first, that were not
  // handed out in the last kExpiredLeaseRetryInterval. Logically const (the lessor's
  // replicated state does not change); it only records what was handed out.
  std::vector<int64_t> ExpiredLeases(size_t max) const;
  // Leader with checkpointing: up to `max` (id, remaining TTL) pairs to propose as a
  // LeaseCheckpointRequest. Includes the clearing (id, 0) checkpoints queued by Renew.
  std::vector<std::pair<int64_t, int64_t>> CheckpointsDue(size_t max);

  // A server-chosen lease ID: positive, non-zero, the low 16 bits of `member_id` as
  // its top bits (bit 63 cleared), the rest from `rng` (etcd: prefix + time + counter).
  static int64_t NextId(Rng* rng, uint64_t member_id);

 private:
  using TimePoint = Clock::TimePoint;
  static constexpr int64_t kForever = INT64_MAX;  // expiry of a lease on a follower

  struct Lease {
    int64_t ttl = 0;
    int64_t remaining_ttl = 0;  // checkpointed; 0 = none
    int64_t expiry_ns = kForever;
    int64_t queue_ns = kForever;       // its position in expiry_queue_ (kForever: absent)
    int64_t checkpoint_ns = kForever;  // its live entry in checkpoint_heap_, if any
    std::unordered_set<std::string> keys;
  };
  // (time ns, id), earliest first; duplicates allowed, validated when popped.
  using TimeHeap = std::priority_queue<std::pair<int64_t, int64_t>,
                                       std::vector<std::pair<int64_t, int64_t>>, std::greater<>>;

  int64_t NowNs() const;
  // Seconds the lease restarts from: the checkpointed remaining TTL, else the TTL.
  static int64_t RestartTtl(const Lease& l) {
    return l.remaining_ttl > 0 ? l.remaining_ttl : l.ttl;
  }
  void SetExpiryLocked(int64_t id, Lease& l, int64_t expiry_ns) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SetQueueLocked(int64_t id, Lease& l, int64_t queue_ns) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ScheduleCheckpointLocked(int64_t id, Lease& l, int64_t now_ns)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SpreadPileUpLocked(int64_t now_ns, int64_t extend_ns) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  LeaseInfo InfoLocked(int64_t id, const Lease& l, int64_t now_ns) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void PersistRecord(int64_t id, int64_t ttl, int64_t remaining_ttl);

  storage::Backend* const backend_;
  const Clock* const clock_;
  const LessorOptions options_;

  mutable absl::Mutex mu_;
  // Mutable: ExpiredLeases() (const) re-queues what it hands out.
  mutable std::unordered_map<int64_t, Lease> leases_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<std::string, int64_t> key_to_lease_ ABSL_GUARDED_BY(mu_);
  // (queue time ns, id): exactly one entry per lease with a finite queue_ns.
  mutable std::set<std::pair<int64_t, int64_t>> expiry_queue_ ABSL_GUARDED_BY(mu_);
  bool primary_ ABSL_GUARDED_BY(mu_) = false;
  // (time ns, id); an entry is live only if it equals the lease's checkpoint_ns.
  TimeHeap checkpoint_heap_ ABSL_GUARDED_BY(mu_);
  std::vector<int64_t> pending_clears_ ABSL_GUARDED_BY(mu_);
};

}  // namespace etcd::lease
