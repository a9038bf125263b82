// Auto-compaction policy (--auto-compaction-mode / --auto-compaction-retention), as
// etcd 3.4's v3compactor, but pure: the raft loop calls Poll() with the clock's time
// and the store revision; Poll() answers the revision to compact, if any; the caller
// proposes the compaction and reports the outcome with OnResult().
//
//  * periodic (retention period P > 0): every min(P, 1h)/10 it samples the revision,
//    keeping the samples of the last P; once P has passed since start (later: min(P,
//    1h) since the last success) it compacts to the oldest kept sample.
//  * revision (retention N > 0): every 5 minutes it compacts to rev - N when that is
//    positive and differs from the last compaction it made.
// Only the leader compacts; on other members Poll() keeps sampling and returns nothing.
//
// Thread safety: not thread-safe (owned by the raft loop).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>

#include "common/clock.h"

namespace etcd::server {

class AutoCompactor {
 public:
  enum class Mode { kDisabled, kPeriodic, kRevision };
  static constexpr std::chrono::minutes kRevisionInterval{5};

  AutoCompactor() = default;
  static AutoCompactor Periodic(Clock::Duration period, Clock::TimePoint now, int64_t rev);
  static AutoCompactor Revision(int64_t retention, Clock::TimePoint now);

  Mode mode() const { return mode_; }
  std::optional<int64_t> Poll(Clock::TimePoint now, int64_t current_rev, bool leader);
  // `ok` also for kCompacted (someone compacted past it already).
  void OnResult(Clock::TimePoint now, int64_t rev, bool ok);

 private:
  Mode mode_ = Mode::kDisabled;
  Clock::Duration period_{0};
  Clock::Duration interval_{0};  // sampling / check interval
  Clock::Duration base_{0};      // time since last success before compacting
  size_t retentions_ = 0;
  int64_t retention_revs_ = 0;
  Clock::TimePoint next_{};
  Clock::TimePoint last_success_{};
  std::deque<int64_t> revs_;
  int64_t prev_ = 0;
};

}  // namespace etcd::server
