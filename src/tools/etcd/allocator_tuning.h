// The daemon's memory allocator settings (docs/performance.md, "Memory").
//
// The etcd daemon links gperftools' tcmalloc_minimal when the build finds it (root
// meson.build, -Dallocator) and glibc's malloc otherwise; this file adapts to whichever
// is linked in, through weak references to tcmalloc's C API (null when absent).
//
//  * TuneAllocator() (once, at start-up, before the server's threads exist): caps the
//    total of tcmalloc's per-thread free lists at 4 MiB (its default, 32 MiB, let ~8 MiB
//    of freed memory sit in ~25 threads' caches after a burst of requests; no measurable
//    throughput change at 1000 clients). TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES in the
//    environment (read by gperftools itself) takes precedence.
//  * FreeMemoryReleaser (a thread polling every 10 ms): returns the allocator's free
//    pages to the kernel (tcmalloc's page-heap free list; glibc: malloc_trim) as soon as
//    the process goes quiet after work, and at most once a second while it stays busy,
//    so the memory a load peak needed (request buffers, the previous LevelDB memtable,
//    raft entries already compacted) does not stay resident afterwards.
//
// Thread safety: TuneAllocator() before other threads start. ReleasePolicy: one thread.
// FreeMemoryReleaser: construct and destroy on one thread (the allocator calls are
// thread-safe).
#pragma once

#include <cstddef>
#include <cstdint>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace etcd::tools {

void TuneAllocator();

// When to release, from the process's CPU time sampled at each poll.
class ReleasePolicy {
 public:
  // A poll window is busy when the process used at least this fraction of one CPU.
  static constexpr double kBusyCpuFraction = 0.25;
  // Busy: release at most this often. Quiet after busy: release once, unless the last
  // release is more recent than kMinIntervalNs.
  static constexpr int64_t kBusyIntervalNs = 1'000'000'000;
  static constexpr int64_t kMinIntervalNs = 100'000'000;

  // A poll at monotonic time `now_ns` with the process's CPU time `cpu_ns`; true: release
  // now (the caller then releases if enough memory is free).
  bool OnPoll(int64_t now_ns, int64_t cpu_ns);
  // Whether the last poll window was busy.
  bool last_busy() const { return last_busy_; }

 private:
  bool last_busy_ = false;
  bool started_ = false;
  int64_t last_poll_ns_ = 0;
  int64_t last_cpu_ns_ = 0;
  int64_t last_release_ns_ = 0;
  bool busy_since_release_ = false;
};

class FreeMemoryReleaser {
 public:
  static constexpr int64_t kPollMs = 10;
  // Releases only when at least this much is free in the allocator; while the process
  // is busy, only when a lot is: each release unmaps pages (TLB shoot-down IPIs, which
  // cost other CPUs dearly on a VM) that the busy process then faults back in.
  static constexpr size_t kMinFreeBytes = size_t{1} << 20;
  static constexpr size_t kBusyMinFreeBytes = size_t{64} << 20;

  FreeMemoryReleaser();
  ~FreeMemoryReleaser();
  FreeMemoryReleaser(const FreeMemoryReleaser&) = delete;
  FreeMemoryReleaser& operator=(const FreeMemoryReleaser&) = delete;

 private:
  void Run();

  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace etcd::tools
