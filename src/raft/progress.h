// The leader's view of one follower: how much of the log it has (match), what to send
// next (next), and the replication mode:
//   kProbe      - one append per heartbeat interval until we learn where logs match;
//   kReplicate  - optimistic streaming, bounded by the inflights window;
//   kSnapshot   - waiting for a snapshot to be applied; nothing else is sent.
//
// Thread safety: not thread-safe; owned by the Raft state machine.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "raft/inflights.h"

namespace etcd::raft {

enum class ProgressState { kProbe, kReplicate, kSnapshot };
const char* ProgressStateName(ProgressState s);

class Progress {
 public:
  Progress(uint64_t next, size_t max_inflight, bool is_learner)
      : next(next), inflights(max_inflight), is_learner(is_learner) {}

  // Moves to kProbe: next = match+1 (or just past a snapshot that was being sent).
  void BecomeProbe();
  // Moves to kReplicate: next = match+1.
  void BecomeReplicate();
  // Moves to kSnapshot while the snapshot at snapshot_index is in flight.
  void BecomeSnapshot(uint64_t snapshot_index);
  // An append up to n was acknowledged. Returns false if it was stale.
  bool MaybeUpdate(uint64_t n);
  // Optimistically assume entries up to n are on their way.
  void OptimisticUpdate(uint64_t n) { next = n + 1; }
  // The follower rejected an append at index `rejected`; match_hint is the largest
  // index where the logs may still match. Returns false for a stale rejection.
  bool MaybeDecrTo(uint64_t rejected, uint64_t match_hint);
  // Whether sending appends to this follower is throttled.
  bool IsPaused() const;
  std::string String() const;

  uint64_t match = 0;
  uint64_t next = 0;
  ProgressState state = ProgressState::kProbe;
  // While in kSnapshot: the index of the snapshot being sent.
  uint64_t pending_snapshot = 0;
  // Heard from this peer during the current election timeout (check-quorum).
  bool recent_active = false;
  // In kProbe: an append was sent and we wait for an answer before the next one.
  bool probe_sent = false;
  Inflights inflights;
  bool is_learner = false;

 private:
  void ResetState(ProgressState s);
};

}  // namespace etcd::raft
