// The --rate pacer shared by the closed-loop drivers (driver.h, cq_driver.h): clients
// that finished an operation wait here for a token; one thread hands tokens out no
// faster than `rate` per second (a token bucket of burst 1, as golang.org/x/time/rate
// with burst 1): it claims the next operation number (`claim`; false once all are
// issued, and then no token is spent), waits for the token, and calls `issue`.
//
// Thread safety: Push from any thread; Start and Stop from the driver's Run thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace etcd::benchmark {

template <typename Client>
class RatePacer {
 public:
  explicit RatePacer(int64_t rate) : rate_(rate) {}
  ~RatePacer() { Stop(); }
  RatePacer(const RatePacer&) = delete;
  RatePacer& operator=(const RatePacer&) = delete;

  // Starts the pacer thread; `claim` and `issue` run on it.
  void Start(std::function<bool(int64_t* seq)> claim,
             std::function<void(Client, int64_t seq)> issue) {
    claim_ = std::move(claim);
    issue_ = std::move(issue);
    thread_ = std::thread([this] { Loop(); });
  }
  // Queues a client for its next token.
  void Push(Client c) {
    absl::MutexLock lock(&mu_);
    ready_.push_back(std::move(c));
  }
  // Stops handing out tokens and joins the thread. Idempotent.
  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Loop() {
    const auto interval = std::chrono::nanoseconds(1'000'000'000LL / rate_);
    auto next_time = std::chrono::steady_clock::now();
    for (;;) {
      Client c;
      {
        absl::MutexLock lock(&mu_);
        auto has_work = [this]()
                            ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || !ready_.empty(); };
        mu_.Await(absl::Condition(&has_work));
        if (stop_) return;
        c = std::move(ready_.back());
        ready_.pop_back();
      }
      int64_t seq = 0;
      if (!claim_(&seq)) continue;
      const auto now = std::chrono::steady_clock::now();
      if (next_time > now) std::this_thread::sleep_until(next_time);
      next_time = std::max(next_time, now) + interval;
      issue_(std::move(c), seq);
    }
  }

  const int64_t rate_;
  std::function<bool(int64_t*)> claim_;
  std::function<void(Client, int64_t)> issue_;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<Client> ready_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace etcd::benchmark
