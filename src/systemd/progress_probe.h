// The liveness test behind WATCHDOG=1 (docs/systemd.md "Watchdog"): a member is alive
// while each of its loops shows progress. A loop is described by a counter that moves
// whenever the loop makes progress and, optionally, a "has work" predicate:
//
//  * a loop that turns even when idle (the raft loop ticks every heartbeat) has no
//    predicate: it is stalled when its counter has not moved for its `window`;
//  * a loop that moves only when there is work (the applier: applied index) has one:
//    it is stalled when it has had work for its `window` without its counter moving.
//
// Sample() records what it sees at the clock's Now(); call it often (the notifier calls
// it every tick, a few times per second) so that "moved within the window" is measured
// with that precision. Healthy() samples and answers.
//
// Thread safety: all methods may be called from any thread (one internal mutex, held
// around the counter reads: counters and predicates must be cheap and must not block).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"

namespace etcd::systemd {

class ProgressProbe {
 public:
  // `clock` must outlive the probe.
  explicit ProgressProbe(const Clock* clock);

  // A loop named `name` (for Stalled()): `counter` moves on progress; `has_work` (may be
  // null: always expected to move) says whether progress is expected now; `window`: how
  // long it may go without progress while expected to move.
  void AddLoop(std::string name, Clock::Duration window, std::function<uint64_t()> counter,
               std::function<bool()> has_work = nullptr);

  void Sample();
  bool Healthy();
  // The loops stalled at the last sample ("raft loop", ...), empty when healthy.
  std::vector<std::string> Stalled() const;

 private:
  struct Loop {
    std::string name;
    std::function<uint64_t()> counter;
    std::function<bool()> has_work;
    Clock::Duration window{};
    uint64_t last = 0;
    Clock::TimePoint since{};  // last progress, or when work appeared with no progress
    bool stalled = false;
  };

  const Clock* const clock_;
  mutable absl::Mutex mu_;
  std::vector<Loop> loops_ ABSL_GUARDED_BY(mu_);
};

}  // namespace etcd::systemd
