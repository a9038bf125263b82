// The closed-loop driver of the unary KV benchmarks (put, range, txn-put, and the puts
// of watch) on gRPC's completion-queue API: ClosedLoop's semantics (driver.h) at a
// fraction of its CPU per request, so that the server under test, not the load
// generator, bounds the measured throughput.
//
// `clients` logical clients each keep one request in flight until exactly `total`
// requests have been issued; client i uses connection i % conns (etcd's
// mustCreateClients) and engine thread i % threads. Each engine thread polls its own
// grpc::CompletionQueue; when a client's call completes, that thread records it into
// the Report and starts the client's next request itself: no thread hand-off and no
// allocation of ours per request (each client owns its request, response and
// ClientContext storage and reuses them from call to call). With a rate (> 0) one
// pacer thread releases requests no faster than `rate` per second (a token bucket of
// burst 1, as ClosedLoop).
//
// Calls behave as client::Client's async calls: the connection's endpoints are used
// round-robin, an error that client::IsRetriable allows is retried at once on the next
// endpoint, up to max(2, 2 x endpoints) attempts in all, and the connection's auth
// token goes with every call. A latency covers all attempts, from just before the
// request is filled to the final completion; a failure is recorded under
// error_text(status) (its message without error_text).
//
// Thread safety: Run() blocks its caller; the fill and done hooks run on the engine
// and pacer threads: one client's hooks never run concurrently, different clients'
// hooks do.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/status.h"
#include "etcdserverpb/rpc.grpc.pb.h"
#include "tools/benchmark/report.h"

namespace etcd::benchmark {

// One connection: a channel per endpoint and the auth token ("" without auth).
struct CqConn {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::string token;
};

// A KV stub's PrepareAsync method, e.g. &etcdserverpb::KV::Stub::PrepareAsyncPut.
template <typename Req, typename Resp>
using PrepareMethod = std::unique_ptr<grpc::ClientAsyncResponseReader<Resp>> (
    etcdserverpb::KV::Stub::*)(grpc::ClientContext*, const Req&, grpc::CompletionQueue*);

// What Run() sends.
template <typename Req, typename Resp>
struct CqCall {
  PrepareMethod<Req, Resp> prepare = nullptr;
  // Whether the request changes the store (only then a retry needs proof that the
  // request was never applied: client::IsRetriable).
  bool mutating = false;
  // Fills `req` for operation `seq` (0-based) of logical client `client`. `req` is the
  // client's own, reused: it still holds what the previous fill left there.
  std::function<void(size_t client, int64_t seq, Req* req)> fill;
  // Optional: called with each operation's final status, before it is counted.
  std::function<void(size_t client, int64_t seq, const absl::Status& status)> done;
};

class CqClosedLoop {
 public:
  using ErrorText = std::function<std::string(const absl::Status&)>;
  struct Options {
    size_t clients = 1;
    int64_t total = 0;
    int64_t rate = 0;    // requests per second; <= 0: unpaced
    size_t threads = 0;  // engine threads; 0: DefaultThreads()
  };

  // The number of CPUs, at most 4 (at least 1).
  static size_t DefaultThreads();

  // `conns` must not be empty, nor any of its channel lists.
  CqClosedLoop(std::vector<CqConn> conns, Options options, Report* report,
               ErrorText error_text = nullptr);
  ~CqClosedLoop();
  CqClosedLoop(const CqClosedLoop&) = delete;
  CqClosedLoop& operator=(const CqClosedLoop&) = delete;

  // Issues all operations and returns when every one has completed. Calls
  // report->Start() first and report->Finish() last. Once per object.
  template <typename Req, typename Resp>
  void Run(const CqCall<Req, Resp>& call);

 private:
  // One logical client: the state of its operation in flight.
  class Slot {
   public:
    virtual ~Slot() = default;
    // Fills the request for operation `seq`.
    virtual void Fill() = 0;
    // Starts an attempt on `stub`; its completion is tagged with `this`.
    virtual void Start(etcdserverpb::KV::Stub* stub, const std::string& token,
                       grpc::CompletionQueue* cq) = 0;
    // Releases the finished attempt's call.
    virtual void Release() = 0;
    // The call's done hook, if any.
    virtual void Done(const absl::Status& status) = 0;

    size_t client = 0;
    size_t conn = 0;
    size_t thread = 0;
    int64_t seq = 0;
    int attempt = 0;
    size_t endpoint = 0;
    std::chrono::steady_clock::time_point start;
    grpc::Status status;
  };
  template <typename Req, typename Resp>
  class UnarySlot;

  struct Worker {
    grpc::CompletionQueue cq;
    std::thread thread;
  };
  struct Conn {
    std::string token;
    std::vector<std::unique_ptr<etcdserverpb::KV::Stub>> stubs;  // one per endpoint
    std::atomic<uint64_t> next{0};                               // round-robin endpoint
  };

  void RunSlots(bool mutating);
  void Poll(size_t worker);
  void OnCompletion(Slot* slot);
  void Next(Slot* slot);
  void Issue(Slot* slot, int64_t seq);
  void StartAttempt(Slot* slot);
  void Pacer();

  std::vector<std::unique_ptr<Conn>> conns_;
  const Options options_;
  Report* const report_;
  const ErrorText error_text_;
  int max_attempts_ = 2;
  bool mutating_ = false;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<int64_t> next_seq_{0};
  std::atomic<int64_t> completed_{0};

  absl::Mutex mu_;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<Slot*> ready_ ABSL_GUARDED_BY(mu_);  // clients waiting for a token
  bool stop_pacer_ ABSL_GUARDED_BY(mu_) = false;
};

template <typename Req, typename Resp>
class CqClosedLoop::UnarySlot final : public Slot {
 public:
  explicit UnarySlot(const CqCall<Req, Resp>* call) : call_(call) {}
  ~UnarySlot() override { Release(); }

  void Fill() override { call_->fill(client, seq, &req_); }
  void Start(etcdserverpb::KV::Stub* stub, const std::string& token,
             grpc::CompletionQueue* cq) override {
    ctx_.emplace();
    if (!token.empty()) ctx_->AddMetadata("token", token);
    reader_ = (stub->*(call_->prepare))(&*ctx_, req_, cq);
    reader_->StartCall();
    reader_->Finish(&resp_, &status, this);
  }
  void Release() override {
    // The reader lives in the call's arena, which the context's destruction frees.
    reader_.reset();
    ctx_.reset();
  }
  void Done(const absl::Status& s) override {
    if (call_->done) call_->done(client, seq, s);
  }

 private:
  const CqCall<Req, Resp>* const call_;
  Req req_;
  Resp resp_;
  std::optional<grpc::ClientContext> ctx_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<Resp>> reader_;
};

template <typename Req, typename Resp>
void CqClosedLoop::Run(const CqCall<Req, Resp>& call) {
  const int64_t n = std::min<int64_t>(
      static_cast<int64_t>(std::max<size_t>(options_.clients, 1)), options_.total);
  for (int64_t c = 0; c < n; ++c) slots_.push_back(std::make_unique<UnarySlot<Req, Resp>>(&call));
  RunSlots(call.mutating);
}

}  // namespace etcd::benchmark
