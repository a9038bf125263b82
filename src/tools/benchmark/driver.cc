#include "tools/benchmark/driver.h"

#include <thread>

namespace etcd::benchmark {
namespace {

// Clients whose operation completed inline (done called from inside the issue function)
// are queued here and served by the outermost Drive() on this thread, so the stack
// does not grow with `total`.
thread_local std::vector<size_t>* tls_pending = nullptr;
thread_local const void* tls_owner = nullptr;

}  // namespace

ClosedLoop::ClosedLoop(size_t clients, int64_t total, int64_t rate, Report* report,
                       ErrorText error_text)
    : clients_(clients == 0 ? 1 : clients),
      total_(total),
      rate_(rate),
      report_(report),
      error_text_(std::move(error_text)),
      pacer_(rate) {}

void ClosedLoop::Run(IssueFn issue) {
  issue_ = std::move(issue);
  report_->Start();
  if (total_ <= 0) {
    report_->Finish();
    return;
  }
  if (rate_ > 0) {
    pacer_.Start([this](int64_t* seq) { return (*seq = next_seq_.fetch_add(1)) < total_; },
                 [this](size_t client, int64_t seq) { IssueOne(client, seq); });
  }
  for (size_t c = 0; c < clients_ && static_cast<int64_t>(c) < total_; ++c) Next(c);
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&finished_));
  }
  pacer_.Stop();
  // Completions still returning on other threads must be out before `this` may go.
  while (active_.load() != 0) std::this_thread::yield();
  report_->Finish();
}

void ClosedLoop::Next(size_t client) {
  if (rate_ > 0) {
    pacer_.Push(client);
    return;
  }
  if (tls_pending != nullptr && tls_owner == this) {
    tls_pending->push_back(client);
    return;
  }
  std::vector<size_t> pending = {client};
  std::vector<size_t>* saved = tls_pending;
  const void* saved_owner = tls_owner;
  tls_pending = &pending;
  tls_owner = this;
  while (!pending.empty()) {
    const size_t c = pending.back();
    pending.pop_back();
    const int64_t seq = next_seq_.fetch_add(1);
    if (seq < total_) IssueOne(c, seq);
  }
  tls_pending = saved;
  tls_owner = saved_owner;
}

void ClosedLoop::IssueOne(size_t client, int64_t seq) {
  const auto start = std::chrono::steady_clock::now();
  issue_(client, seq, [this, client, start](const absl::Status& s) { Complete(client, start, s); });
}

void ClosedLoop::Complete(size_t client, std::chrono::steady_clock::time_point start,
                          const absl::Status& status) {
  active_.fetch_add(1);
  const auto end = std::chrono::steady_clock::now();
  if (status.ok()) {
    report_->Add(start, end);
  } else {
    report_->AddError(error_text_ ? error_text_(status) : std::string(status.message()));
  }
  const int64_t done = completed_.fetch_add(1) + 1;
  if (on_progress_) on_progress_(done);
  if (done >= total_) {
    absl::MutexLock lock(&mu_);
    finished_ = true;
  } else {
    Next(client);
  }
  active_.fetch_sub(1);
}

}  // namespace etcd::benchmark
