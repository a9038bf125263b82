#include "tools/benchmark/cq_driver.h"

#include <algorithm>

#include "client/status.h"

namespace etcd::benchmark {

size_t CqClosedLoop::DefaultThreads() {
  const unsigned n = std::thread::hardware_concurrency();
  return std::clamp<size_t>(n, 1, 4);
}

CqClosedLoop::CqClosedLoop(std::vector<CqConn> conns, Options options, Report* report,
                           ErrorText error_text)
    : options_(options), report_(report), error_text_(std::move(error_text)) {
  size_t endpoints = 1;
  for (auto& c : conns) {
    auto conn = std::make_unique<Conn>();
    conn->token = std::move(c.token);
    for (auto& ch : c.channels) conn->stubs.push_back(etcdserverpb::KV::NewStub(ch));
    endpoints = std::max(endpoints, conn->stubs.size());
    conns_.push_back(std::move(conn));
  }
  max_attempts_ = std::max<int>(2, 2 * static_cast<int>(endpoints));
}

CqClosedLoop::~CqClosedLoop() = default;

void CqClosedLoop::RunSlots(bool mutating) {
  mutating_ = mutating;
  report_->Start();
  if (options_.total <= 0 || slots_.empty() || conns_.empty()) {
    report_->Finish();
    return;
  }
  const size_t nthreads = std::min(
      options_.threads > 0 ? options_.threads : DefaultThreads(), slots_.size());
  for (size_t t = 0; t < nthreads; ++t) workers_.push_back(std::make_unique<Worker>());
  for (size_t c = 0; c < slots_.size(); ++c) {
    Slot* s = slots_[c].get();
    s->client = c;
    s->conn = c % conns_.size();
    s->thread = c % nthreads;
  }
  std::thread pacer;
  if (options_.rate > 0) pacer = std::thread([this] { Pacer(); });
  // Every client's first request (as ClosedLoop: in client order, each client gets
  // one), then the threads serve the completions.
  for (auto& s : slots_) Next(s.get());
  for (size_t t = 0; t < nthreads; ++t) {
    workers_[t]->thread = std::thread([this, t] { Poll(t); });
  }
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&finished_));
    stop_pacer_ = true;
  }
  if (pacer.joinable()) pacer.join();
  report_->Finish();
  // Every call has completed: the queues drain at once.
  for (auto& w : workers_) w->cq.Shutdown();
  for (auto& w : workers_) w->thread.join();
  slots_.clear();
}

void CqClosedLoop::Poll(size_t worker) {
  grpc::CompletionQueue& cq = workers_[worker]->cq;
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) OnCompletion(static_cast<Slot*>(tag));
}

void CqClosedLoop::OnCompletion(Slot* slot) {
  slot->Release();
  absl::Status status;
  if (!slot->status.ok()) {
    status = absl::Status(static_cast<absl::StatusCode>(slot->status.error_code()),
                          slot->status.error_message());
    if (++slot->attempt < max_attempts_ && client::IsRetriable(status, mutating_)) {
      // The connection's next endpoint, at once (as client::Client's async calls).
      slot->endpoint = (slot->endpoint + 1) % conns_[slot->conn]->stubs.size();
      StartAttempt(slot);
      return;
    }
  }
  if (status.ok()) {
    report_->Add(slot->start, std::chrono::steady_clock::now());
  } else {
    report_->AddError(error_text_ ? error_text_(status) : std::string(status.message()));
  }
  slot->Done(status);
  const int64_t done = completed_.fetch_add(1) + 1;
  if (done >= options_.total) {
    absl::MutexLock lock(&mu_);
    finished_ = true;
    return;
  }
  Next(slot);
}

void CqClosedLoop::Next(Slot* slot) {
  if (options_.rate > 0) {
    absl::MutexLock lock(&mu_);
    ready_.push_back(slot);
    return;
  }
  const int64_t seq = next_seq_.fetch_add(1);
  if (seq < options_.total) Issue(slot, seq);
}

void CqClosedLoop::Issue(Slot* slot, int64_t seq) {
  Conn& conn = *conns_[slot->conn];
  slot->seq = seq;
  slot->attempt = 0;
  slot->endpoint = conn.stubs.size() == 1
                       ? 0
                       : conn.next.fetch_add(1, std::memory_order_relaxed) % conn.stubs.size();
  slot->start = std::chrono::steady_clock::now();
  slot->Fill();
  StartAttempt(slot);
}

void CqClosedLoop::StartAttempt(Slot* slot) {
  Conn& conn = *conns_[slot->conn];
  slot->Start(conn.stubs[slot->endpoint].get(), conn.token, &workers_[slot->thread]->cq);
}

void CqClosedLoop::Pacer() {
  const auto interval = std::chrono::nanoseconds(1'000'000'000LL / options_.rate);
  auto next_time = std::chrono::steady_clock::now();
  for (;;) {
    Slot* slot = nullptr;
    {
      absl::MutexLock lock(&mu_);
      auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stop_pacer_ || !ready_.empty();
      };
      mu_.Await(absl::Condition(&has_work));
      if (stop_pacer_) return;
      slot = ready_.back();
      ready_.pop_back();
    }
    const int64_t seq = next_seq_.fetch_add(1);
    if (seq >= options_.total) continue;
    const auto now = std::chrono::steady_clock::now();
    if (next_time > now) std::this_thread::sleep_until(next_time);
    next_time = std::max(next_time, now) + interval;
    Issue(slot, seq);
  }
}

}  // namespace etcd::benchmark
