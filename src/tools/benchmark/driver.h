// The closed-loop load driver: `clients` logical clients each keep one operation in
// flight until `total` operations have been issued, as etcd's benchmark does with one
// goroutine per client. Operations are asynchronous (the issue function starts one and
// calls `done` later, from any thread, or inline), so 1000 clients need no threads of
// their own. With a rate (> 0), one pacer thread releases operations no faster than
// `rate` per second (a token bucket of burst 1, as golang.org/x/time/rate with burst 1).
//
// Each completion is recorded into the Report: latency from just before the issue call
// to `done`, or the error's text.
//
// Thread safety: Run() blocks its caller; the issue function is called from the
// caller's thread, the pacer thread or the threads that call `done`.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/status.h"
#include "tools/benchmark/pacer.h"
#include "tools/benchmark/report.h"

namespace etcd::benchmark {

class ClosedLoop {
 public:
  using DoneFn = std::function<void(const absl::Status&)>;
  // Starts operation number `seq` (0-based) for logical client `client`.
  using IssueFn = std::function<void(size_t client, int64_t seq, DoneFn done)>;
  // Turns a failed operation's status into the text the report groups errors by.
  using ErrorText = std::function<std::string(const absl::Status&)>;

  ClosedLoop(size_t clients, int64_t total, int64_t rate, Report* report,
             ErrorText error_text = nullptr);

  // Issues all operations and returns when every one has completed. Calls
  // report->Start() first and report->Finish() last.
  void Run(IssueFn issue);
  // Called after each completion (any thread), e.g. for a progress bar.
  void set_on_progress(std::function<void(int64_t completed)> fn) { on_progress_ = std::move(fn); }

 private:
  void Next(size_t client);
  void IssueOne(size_t client, int64_t seq);
  void Complete(size_t client, std::chrono::steady_clock::time_point start,
                const absl::Status& status);

  const size_t clients_;
  const int64_t total_;
  const int64_t rate_;
  Report* const report_;
  const ErrorText error_text_;
  IssueFn issue_;
  std::function<void(int64_t)> on_progress_;
  std::atomic<int64_t> next_seq_{0};
  std::atomic<int64_t> completed_{0};
  std::atomic<int64_t> active_{0};  // Complete() calls in progress

  absl::Mutex mu_;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  RatePacer<size_t> pacer_;  // with a rate: clients waiting for a token
};

}  // namespace etcd::benchmark
