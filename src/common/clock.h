// Time is injected. Only tools/etcd/main.cc creates a RealClock; tests use FakeClock
// and move it by hand.
//
// Thread safety: RealClock is stateless. FakeClock is safe to read and advance from
// several threads.
#pragma once

#include <atomic>
#include <chrono>

namespace etcd {

class Clock {
 public:
  using Duration = std::chrono::nanoseconds;
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  // Monotonic time, for timeouts, TTLs and tick scheduling.
  virtual TimePoint Now() const = 0;
  // Wall-clock time, for timestamps shown to people (logs, lease IDs' entropy).
  virtual std::chrono::system_clock::time_point WallNow() const = 0;
};

class RealClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point WallNow() const override {
    return std::chrono::system_clock::now();
  }
};

class FakeClock final : public Clock {
 public:
  FakeClock() = default;
  TimePoint Now() const override { return TimePoint(Duration(now_ns_.load())); }
  std::chrono::system_clock::time_point WallNow() const override {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            Duration(wall_base_ns_ + now_ns_.load())));
  }
  void Advance(Duration d) { now_ns_ += d.count(); }

 private:
  std::atomic<int64_t> now_ns_{1'000'000'000};
  static constexpr int64_t kWallBase = 1'700'000'000LL * 1'000'000'000LL;
  int64_t wall_base_ns_ = kWallBase;
};

}  // namespace etcd
