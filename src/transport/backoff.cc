#include "transport/backoff.h"

#include <algorithm>

namespace etcd::transport {

Backoff::Backoff(Clock::Duration initial, Clock::Duration max, double jitter, uint64_t seed)
    : initial_(std::max(initial, Clock::Duration(1))),
      max_(std::max(max, initial_)),
      jitter_(std::clamp(jitter, 0.0, 0.99)),
      rng_(seed) {}

Clock::Duration Backoff::BaseDelay() const {
  Clock::Duration d = initial_;
  for (int i = 0; i < failures_ && d < max_; ++i) d *= 2;
  return std::min(d, max_);
}

Clock::TimePoint Backoff::Fail(Clock::TimePoint now) {
  Clock::Duration base = BaseDelay();
  ++failures_;
  // A factor in [1 - jitter, 1 + jitter], in 1/1e6 steps.
  double u = static_cast<double>(rng_.Uniform(1'000'001)) / 1'000'000.0;
  double factor = 1.0 - jitter_ + 2.0 * jitter_ * u;
  auto delay = Clock::Duration(static_cast<int64_t>(static_cast<double>(base.count()) * factor));
  due_ = now + delay;
  return due_;
}

void Backoff::Reset() {
  failures_ = 0;
  due_ = Clock::TimePoint{};
}

bool Backoff::Due(Clock::TimePoint now) const { return now >= due_; }

Clock::Duration Backoff::Remaining(Clock::TimePoint now) const {
  return now >= due_ ? Clock::Duration(0) : due_ - now;
}

}  // namespace etcd::transport
