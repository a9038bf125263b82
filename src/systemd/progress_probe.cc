#include "systemd/progress_probe.h"

#include <utility>

namespace etcd::systemd {

ProgressProbe::ProgressProbe(const Clock* clock) : clock_(clock) {}

void ProgressProbe::AddLoop(std::string name, Clock::Duration window,
                            std::function<uint64_t()> counter, std::function<bool()> has_work) {
  Loop loop;
  loop.name = std::move(name);
  loop.window = window;
  loop.last = counter();
  loop.counter = std::move(counter);
  loop.has_work = std::move(has_work);
  loop.since = clock_->Now();
  absl::MutexLock lock(&mu_);
  loops_.push_back(std::move(loop));
}

void ProgressProbe::Sample() {
  const Clock::TimePoint now = clock_->Now();
  absl::MutexLock lock(&mu_);
  for (Loop& loop : loops_) {
    const uint64_t value = loop.counter();
    if (value != loop.last) {
      loop.last = value;
      loop.since = now;
      loop.stalled = false;
      continue;
    }
    if (loop.has_work && !loop.has_work()) {
      loop.since = now;  // idle: nothing to be late with
      loop.stalled = false;
      continue;
    }
    loop.stalled = now - loop.since > loop.window;
  }
}

bool ProgressProbe::Healthy() {
  Sample();
  absl::MutexLock lock(&mu_);
  for (const Loop& loop : loops_) {
    if (loop.stalled) return false;
  }
  return true;
}

std::vector<std::string> ProgressProbe::Stalled() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const Loop& loop : loops_) {
    if (loop.stalled) out.push_back(loop.name);
  }
  return out;
}

}  // namespace etcd::systemd
