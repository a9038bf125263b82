// Request IDs for the wait registry, unique across the cluster and across restarts
// (etcd's idutil.Generator layout): the top 16 bits are the low 16 bits of the member
// ID, the low 48 bits a counter started from the wall clock in milliseconds shifted
// left by 8 bits, so a restarted member does not reuse IDs of its previous life.
//
// Thread safety: Next() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace etcd::server {

class RequestIdGenerator {
 public:
  RequestIdGenerator(uint64_t member_id, std::chrono::system_clock::time_point now)
      : prefix_((member_id & 0xffff) << 48),
        suffix_((static_cast<uint64_t>(
                     std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch())
                         .count())
                 << 8) &
                kSuffixMask) {}

  uint64_t Next() {
    uint64_t s = suffix_.fetch_add(1, std::memory_order_relaxed) + 1;
    return prefix_ | (s & kSuffixMask);
  }

 private:
  static constexpr uint64_t kSuffixMask = (uint64_t{1} << 48) - 1;
  const uint64_t prefix_;
  std::atomic<uint64_t> suffix_;
};

}  // namespace etcd::server
