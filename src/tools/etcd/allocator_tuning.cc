#include "tools/etcd/allocator_tuning.h"

#include <malloc.h>
#include <pthread.h>
#include <time.h>

#include <cstdlib>

#include "absl/time/time.h"

// gperftools' C API (malloc_extension_c.h), weak: null when tcmalloc is not linked in.
extern "C" {
int MallocExtension_SetNumericProperty(const char* property, size_t value) __attribute__((weak));
int MallocExtension_GetNumericProperty(const char* property, size_t* value) __attribute__((weak));
void MallocExtension_ReleaseFreeMemory() __attribute__((weak));
}

namespace etcd::tools {
namespace {

constexpr size_t kThreadCacheBytes = size_t{4} << 20;

bool HaveTcmalloc() {
  return MallocExtension_SetNumericProperty != nullptr &&
         MallocExtension_GetNumericProperty != nullptr &&
         MallocExtension_ReleaseFreeMemory != nullptr;
}

int64_t NowNs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Free bytes the allocator could hand back to the kernel.
size_t FreeBytes() {
  if (HaveTcmalloc()) {
    size_t v = 0;
    if (MallocExtension_GetNumericProperty("tcmalloc.pageheap_free_bytes", &v) == 0) return 0;
    return v;
  }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 mi = mallinfo2();
  return mi.fordblks;
#else
  return 0;
#endif
}

void ReleaseFree() {
  if (HaveTcmalloc()) {
    MallocExtension_ReleaseFreeMemory();
    return;
  }
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace

void TuneAllocator() {
  // An operator's own setting (gperftools reads it at start-up) wins.
  if (std::getenv("TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES") != nullptr) return;
  if (HaveTcmalloc()) {
    MallocExtension_SetNumericProperty("tcmalloc.max_total_thread_cache_bytes", kThreadCacheBytes);
  }
}

bool ReleasePolicy::OnPoll(int64_t now_ns, int64_t cpu_ns) {
  if (!started_) {
    started_ = true;
    last_poll_ns_ = now_ns;
    last_cpu_ns_ = cpu_ns;
    last_release_ns_ = now_ns;
    busy_since_release_ = true;  // start-up itself allocated and freed
    return false;
  }
  const int64_t wall = now_ns - last_poll_ns_;
  const int64_t used = cpu_ns - last_cpu_ns_;
  last_poll_ns_ = now_ns;
  last_cpu_ns_ = cpu_ns;
  const bool busy =
      wall > 0 && static_cast<double>(used) >= kBusyCpuFraction * static_cast<double>(wall);
  last_busy_ = busy;
  const int64_t since = now_ns - last_release_ns_;
  bool release;
  if (busy) {
    busy_since_release_ = true;
    release = since >= kBusyIntervalNs;
  } else {
    release = busy_since_release_ && since >= kMinIntervalNs;
  }
  if (release) {
    last_release_ns_ = now_ns;
    busy_since_release_ = busy;
  }
  return release;
}

FreeMemoryReleaser::FreeMemoryReleaser() : thread_([this] { Run(); }) {}

FreeMemoryReleaser::~FreeMemoryReleaser() {
  {
    absl::MutexLock l(&mu_);
    stop_ = true;
  }
  thread_.join();
}

void FreeMemoryReleaser::Run() {
  pthread_setname_np(pthread_self(), "mem-release");
  ReleasePolicy policy;
  absl::MutexLock l(&mu_);
  for (;;) {
    if (mu_.AwaitWithTimeout(absl::Condition(&stop_), absl::Milliseconds(kPollMs))) return;
    if (policy.OnPoll(NowNs(CLOCK_MONOTONIC), NowNs(CLOCK_PROCESS_CPUTIME_ID)) &&
        FreeBytes() >= (policy.last_busy() ? kBusyMinFreeBytes : kMinFreeBytes)) {
      mu_.Unlock();
      ReleaseFree();
      mu_.Lock();
    }
  }
}

}  // namespace etcd::tools
