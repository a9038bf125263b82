// QuotaSizeCache: the backend size the quota check (--quota-backend-bytes) compares
// against, without listing the backend's files on every write request.
//
// Measuring (Backend::SizeBytes) lists the LevelDB directory and stats each file: a
// dozen system calls, which the put path paid per request. The cache measures at most
// once every `refresh_every` checks; in between it adds the cost of every admitted
// request to the last measurement, and it measures again before it refuses one, so a
// request is never refused on a stale figure. (etcd's own check reads a size updated
// only at its backend commits, every 100 ms.)
//
// Thread safety: Fits may be called from any thread at once; concurrent callers may
// both measure, which is harmless.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <utility>

namespace etcd::server {

class QuotaSizeCache {
 public:
  explicit QuotaSizeCache(std::function<int64_t()> measure, uint64_t refresh_every = 64)
      : measure_(std::move(measure)), refresh_every_(refresh_every == 0 ? 1 : refresh_every) {}

  // True when `cost` more bytes keep the backend within `quota` bytes.
  bool Fits(int64_t cost, int64_t quota) {
    const uint64_t n = calls_.fetch_add(1, std::memory_order_relaxed);
    int64_t size = measured_.load(std::memory_order_relaxed);
    if (size < 0 || n % refresh_every_ == 0) size = Measure();
    const int64_t admitted = admitted_.fetch_add(cost, std::memory_order_relaxed) + cost;
    if (size + admitted <= quota) return true;
    size = Measure();  // never refuse on an estimate
    if (size + cost > quota) return false;
    admitted_.fetch_add(cost, std::memory_order_relaxed);
    return true;
  }

  // Forget the measurement (the backend was replaced or defragmented).
  void Invalidate() { measured_.store(-1, std::memory_order_relaxed); }

 private:
  int64_t Measure() {
    const int64_t size = measure_();
    admitted_.store(0, std::memory_order_relaxed);
    measured_.store(size, std::memory_order_relaxed);
    return size;
  }

  const std::function<int64_t()> measure_;
  const uint64_t refresh_every_;
  std::atomic<uint64_t> calls_{0};
  std::atomic<int64_t> measured_{-1};
  std::atomic<int64_t> admitted_{0};
};

}  // namespace etcd::server
