// Reconnect pacing for one peer: exponential backoff with jitter. Pure: the caller
// supplies the time (from etcd::Clock) and does the waiting.
//
// Thread safety: not thread-safe; one per peer sender thread.
#pragma once

#include <cstdint>

#include "common/clock.h"
#include "common/rng.h"

namespace etcd::transport {

class Backoff {
 public:
  // Delays start at `initial` and double per consecutive failure up to `max`; each
  // is then scaled by a factor drawn uniformly from [1 - jitter, 1 + jitter]
  // (jitter in [0, 1)) so that members restarting together do not retry in step.
  Backoff(Clock::Duration initial, Clock::Duration max, double jitter, uint64_t seed);

  // Records a failed attempt at `now`; returns when the next attempt is due.
  Clock::TimePoint Fail(Clock::TimePoint now);
  // The delay Fail would add next (without jitter); for tests and metrics.
  Clock::Duration BaseDelay() const;
  // A successful connection: the next failure starts from `initial` again.
  void Reset();
  // True once `now` has reached the due time of the last failure (or there is none).
  bool Due(Clock::TimePoint now) const;
  // How long from `now` until the next attempt is due (zero if already due).
  Clock::Duration Remaining(Clock::TimePoint now) const;

  int failures() const { return failures_; }

 private:
  Clock::Duration initial_;
  Clock::Duration max_;
  double jitter_;
  Rng rng_;
  int failures_ = 0;
  Clock::TimePoint due_{};
};

}  // namespace etcd::transport
