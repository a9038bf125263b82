// The closed-loop driver of the unary KV benchmarks (put, range, txn-put, and the puts
// of watch) on gRPC's completion-queue API: ClosedLoop's semantics (driver.h) at a
// fraction of its CPU per request, so that the server under test, not the load
// generator, bounds the measured throughput.
//
// `clients` logical clients each keep one request in flight until exactly `total`
// requests have been issued; client i uses connection i % conns (etcd's
// mustCreateClients) and engine thread i % threads. Each engine thread polls its own
// grpc::CompletionQueue; when a client's call completes, that thread records it into
// the Report and starts the client's next request itself: no thread hand-off, no
// std::function or shared state allocated per request (each client owns its request
// and call state and reuses them from call to call). With a rate (> 0) one
// pacer thread releases requests no faster than `rate` per second (a token bucket of
// burst 1, as ClosedLoop).
//
// Plaintext connections (CqConn::plain_targets) are the engine's own and use gRPC's
// core API: one batch of six operations per call, where the C++ layer takes two
// batches, a ClientContext and its interceptor machinery (~20% of the generator's CPU
// per request); the response message is received but not parsed (only the status
// counts). Other connections (TLS) go through the generated stubs.
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

#include <grpc/grpc.h>
#include <grpcpp/grpcpp.h>

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

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/status.h"
#include "etcdserverpb/rpc.grpc.pb.h"
#include "tools/benchmark/pacer.h"
#include "tools/benchmark/report.h"

namespace etcd::benchmark {

// One connection: a channel per endpoint and the auth token ("" without auth). With
// `plain_targets` (gRPC targets of plaintext endpoints, one per endpoint), the engine
// dials its own connections to them instead and calls gRPC's core API directly (one
// batch of six operations per call rather than the C++ layer's two batches).
struct CqConn {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::string token;
  std::vector<std::string> plain_targets;
};

// A KV stub's PrepareAsync method, e.g. &etcdserverpb::KV::Stub::PrepareAsyncPut.
template <typename Req, typename Resp>
using PrepareMethod = std::unique_ptr<grpc::ClientAsyncResponseReader<Resp>> (
    etcdserverpb::KV::Stub::*)(grpc::ClientContext*, const Req&, grpc::CompletionQueue*);

// What Run() sends.
template <typename Req, typename Resp>
struct CqCall {
  PrepareMethod<Req, Resp> prepare = nullptr;
  // The same method's path, for the core API ("/etcdserverpb.KV/Put").
  const char* path = nullptr;
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
  struct Conn;
  // One logical client: the state of its operation in flight.
  class Slot {
   public:
    virtual ~Slot() = default;
    // Fills the request for operation `seq`.
    virtual void Fill() = 0;
    // Starts an attempt on endpoint `endpoint` of `conn`; its completion is tagged
    // with `this`.
    virtual void Start(const Conn& conn, size_t endpoint, grpc::CompletionQueue* cq) = 0;
    // Releases the finished attempt's call and sets `status`.
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

  // One attempt on the core API: send metadata, message and close, receive metadata,
  // message and status, in one batch.
  class CoreCall {
   public:
    explicit CoreCall(void* owner) : tag_(owner) {}
    ~CoreCall() { Finish(); }
    CoreCall(const CoreCall&) = delete;
    CoreCall& operator=(const CoreCall&) = delete;
    // The completion comes out of the grpc::CompletionQueue as `owner`.
    void Start(grpc_channel* channel, void* method, const std::string& token,
               const google::protobuf::MessageLite& req, grpc::CompletionQueue* cq);
    bool active() const { return call_ != nullptr; }
    // Releases the finished call; returns its status.
    grpc::Status Finish();

   private:
    // grpc::CompletionQueue::Next hands every tag to its FinalizeResult (the C++
    // layer's contract): this one yields the owner.
    class Tag final : public grpc::internal::CompletionQueueTag {
     public:
      explicit Tag(void* owner) : owner_(owner) {}
      bool FinalizeResult(void** tag, bool*) override {
        *tag = owner_;
        return true;
      }

     private:
      void* const owner_;
    };
    Tag tag_;
    grpc_call* call_ = nullptr;
    grpc_byte_buffer* send_ = nullptr;
    grpc_byte_buffer* recv_ = nullptr;
    grpc_metadata_array initial_{};
    grpc_metadata_array trailing_{};
    grpc_status_code code_ = GRPC_STATUS_OK;
    grpc_slice details_{};
    const char* error_string_ = nullptr;
    grpc_metadata token_{};
  };

  struct Worker {
    grpc::CompletionQueue cq;
    std::thread thread;
  };
  struct Conn {
    ~Conn();
    size_t endpoints() const { return stubs.empty() ? core.size() : stubs.size(); }
    std::string token;
    // One per endpoint: C++ stubs, or else core channels and their method handle.
    std::vector<std::unique_ptr<etcdserverpb::KV::Stub>> stubs;
    std::vector<grpc_channel*> core;
    std::vector<void*> method;
    std::atomic<uint64_t> next{0};  // round-robin endpoint
  };

  void RunSlots(bool mutating, const char* path);
  void Poll(size_t worker);
  void OnCompletion(Slot* slot);
  void Next(Slot* slot);
  void Issue(Slot* slot, int64_t seq);
  void StartAttempt(Slot* slot);

  // gRPC stays initialized while the engine's own channels exist (first member: last
  // to go).
  struct GrpcInit {
    GrpcInit() { grpc_init(); }
    ~GrpcInit() { grpc_shutdown(); }
  };
  GrpcInit grpc_init_;
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
  RatePacer<Slot*> pacer_{options_.rate};  // with a rate: clients waiting for a token
};

template <typename Req, typename Resp>
class CqClosedLoop::UnarySlot final : public Slot {
 public:
  explicit UnarySlot(const CqCall<Req, Resp>* call) : call_(call), core_(this) {}
  ~UnarySlot() override { Release(); }

  void Fill() override { call_->fill(client, seq, &req_); }
  void Start(const Conn& conn, size_t endpoint, grpc::CompletionQueue* cq) override {
    if (!conn.core.empty()) {
      core_.Start(conn.core[endpoint], conn.method[endpoint], conn.token, req_, cq);
      return;
    }
    ctx_.emplace();
    if (!conn.token.empty()) ctx_->AddMetadata("token", conn.token);
    reader_ = (conn.stubs[endpoint].get()->*(call_->prepare))(&*ctx_, req_, cq);
    reader_->StartCall();
    reader_->Finish(&resp_, &status, this);
  }
  void Release() override {
    if (core_.active()) status = core_.Finish();
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
  CoreCall core_;
};

template <typename Req, typename Resp>
void CqClosedLoop::Run(const CqCall<Req, Resp>& call) {
  const int64_t n = std::min<int64_t>(static_cast<int64_t>(std::max<size_t>(options_.clients, 1)),
                                      options_.total);
  for (int64_t c = 0; c < n; ++c) slots_.push_back(std::make_unique<UnarySlot<Req, Resp>>(&call));
  RunSlots(call.mutating, call.path);
}

}  // namespace etcd::benchmark
