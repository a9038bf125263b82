// Completion-queue serving of the hot unary methods (KV Range/Put/DeleteRange/Txn).
//
// gRPC C++'s callback API hands each call from its poller thread to an executor thread
// before our code runs, and each answer back again: about 14 futex wake-ups per call and
// a third of the server's CPU at 1000 clients (docs/performance.md). Here our own threads
// poll the completion queues: a request is handed to the server on the thread that read
// it from the socket, and the answer's completion returns to that thread's queue.
//
// Life of a call (AsyncUnaryCall): pre-posted with AsyncNotifyWhenDone; when it arrives
// a replacement is posted and the server method is started with a Done callback; the
// first of {server answer, cancellation} finishes the call (an atomic flag decides); the
// call object is deleted once gRPC has returned both its finish and its done tags. A late
// server answer only touches a small shared State, never the deleted call.
//
// Thread safety: AddQueues/AddUnary before Start, all on one thread; Start once after
// grpc::ServerBuilder::BuildAndStart; Shutdown once, after grpc::Server::Shutdown
// returned (the queues keep being polled while gRPC cancels the remaining calls).
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "api/grpc_call.h"
#include "server/server_api.h"

namespace etcd::api {

// A completion-queue tag: every tag our queues see is one of these.
class CqEvent {
 public:
  virtual void OnEvent(bool ok) = 0;

 protected:
  ~CqEvent() = default;
};

class CqServer {
 public:
  CqServer() = default;
  ~CqServer();
  CqServer(const CqServer&) = delete;
  CqServer& operator=(const CqServer&) = delete;

  // Adds `threads` completion queues (one poller thread each) to `builder`.
  void AddQueues(grpc::ServerBuilder* builder, int threads);

  // Registers a method: `post(cq)` posts one pending call on `cq`. Start calls it
  // `depth` times per queue.
  void AddMethod(std::function<void(grpc::ServerCompletionQueue*)> post, int depth);

  // Posts the pending calls and starts the poller threads.
  void Start();

  // Shuts the queues down, drains them (deleting every pending call) and joins the
  // threads. Call after grpc::Server::Shutdown. Idempotent.
  void Shutdown();

  // Number of poller threads for this machine (CPUs, at least 1, at most 4).
  static int DefaultThreads();

  // Runs `post` (which posts a pending call) unless Shutdown has begun: gRPC aborts on a
  // call posted to a queue that is shut down.
  template <typename F>
  void PostIfRunning(F&& post) {
    absl::ReaderMutexLock lock(&mu_);
    if (!stopping_) post();
  }

 private:
  struct Method {
    std::function<void(grpc::ServerCompletionQueue*)> post;
    int depth;
  };
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::vector<Method> methods_;
  std::vector<std::thread> threads_;
  bool started_ = false;
  bool shut_down_ = false;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

// One unary call of service method `Request` (the generated RequestXxx of an async
// method) answered by `Method` of the ServerApi.
template <typename Service, typename Req, typename Resp>
class AsyncUnaryCall final {
 public:
  using RequestFn = void (Service::*)(grpc::ServerContext*, Req*,
                                      grpc::ServerAsyncResponseWriter<Resp>*,
                                      grpc::CompletionQueue*, grpc::ServerCompletionQueue*, void*);
  using ApiMethod = void (server::ServerApi::*)(const server::RequestContext&, const Req&,
                                                server::Done<Resp>);
  struct Binding {
    CqServer* owner;
    Service* service;
    RequestFn request;
    server::ServerApi* api;
    ApiMethod method;
    size_t max_request_bytes;
  };

  // Posts one pending call on `cq`.
  static void Post(const Binding* b, grpc::ServerCompletionQueue* cq) {
    auto* call = new AsyncUnaryCall(b, cq);
    call->ctx_.AsyncNotifyWhenDone(&call->done_tag_);
    (b->service->*(b->request))(&call->ctx_, &call->request_, &call->writer_, cq, cq,
                                &call->arrived_tag_);
  }

 private:
  // What a late answer may touch: the flag, and the call while the flag says so.
  struct State {
    std::atomic<bool> finished{false};
    AsyncUnaryCall* call = nullptr;
  };

  struct Tag final : CqEvent {
    Tag(AsyncUnaryCall* c, void (AsyncUnaryCall::*f)(bool)) : call(c), fn(f) {}
    void OnEvent(bool ok) override { (call->*fn)(ok); }
    AsyncUnaryCall* call;
    void (AsyncUnaryCall::*fn)(bool);
  };

  AsyncUnaryCall(const Binding* b, grpc::ServerCompletionQueue* cq)
      : binding_(b),
        cq_(cq),
        writer_(&ctx_),
        arrived_tag_(this, &AsyncUnaryCall::OnArrived),
        finish_tag_(this, &AsyncUnaryCall::OnFinished),
        done_tag_(this, &AsyncUnaryCall::OnDone) {}

  void OnArrived(bool ok) {
    if (!ok) {  // the server is shutting down; the call never started (no done tag)
      delete this;
      return;
    }
    pending_tags_.store(2);                                           // finish and done
    binding_->owner->PostIfRunning([this] { Post(binding_, cq_); });  // keep the depth
    state_ = std::make_shared<State>();
    state_->call = this;
    if (absl::Status s = CheckRequestSize(request_, binding_->max_request_bytes); !s.ok()) {
      state_->finished.store(true);
      writer_.FinishWithError(ToGrpcStatus(s), &finish_tag_);
      return;
    }
    (binding_->api->*(binding_->method))(
        ContextFromMetadata(ctx_), request_, [state = state_](absl::StatusOr<Resp> result) {
          if (state->finished.exchange(true)) return;  // cancelled first: drop the answer
          // Alive: the call is deleted only after its finish tag, i.e. after this Finish.
          AsyncUnaryCall* call = state->call;
          if (result.ok()) {
            call->response_ = std::move(*result);
            call->writer_.Finish(call->response_, grpc::Status::OK, &call->finish_tag_);
          } else {
            call->writer_.FinishWithError(ToGrpcStatus(result.status()), &call->finish_tag_);
          }
        });
  }

  void OnDone(bool /*ok*/) {
    if (ctx_.IsCancelled() && !state_->finished.exchange(true)) {
      writer_.FinishWithError(grpc::Status(grpc::StatusCode::CANCELLED, "context canceled"),
                              &finish_tag_);
    }
    Release();
  }

  void OnFinished(bool /*ok*/) { Release(); }

  void Release() {
    if (pending_tags_.fetch_sub(1) == 1) delete this;
  }

  const Binding* const binding_;
  grpc::ServerCompletionQueue* const cq_;
  grpc::ServerContext ctx_;
  Req request_;
  Resp response_;
  grpc::ServerAsyncResponseWriter<Resp> writer_;
  std::shared_ptr<State> state_;
  std::atomic<int> pending_tags_{0};
  Tag arrived_tag_;
  Tag finish_tag_;
  Tag done_tag_;
};

// Registers `request`/`method` on `cq_server` with `depth` pending calls per queue.
// `bindings` keeps the binding alive as long as the server.
template <typename Service, typename Req, typename Resp>
void AddAsyncUnary(CqServer* cq_server, std::vector<std::shared_ptr<void>>* bindings,
                   Service* service, typename AsyncUnaryCall<Service, Req, Resp>::RequestFn request,
                   server::ServerApi* api,
                   typename AsyncUnaryCall<Service, Req, Resp>::ApiMethod method,
                   size_t max_request_bytes, int depth) {
  using Call = AsyncUnaryCall<Service, Req, Resp>;
  auto binding = std::make_shared<typename Call::Binding>(
      typename Call::Binding{cq_server, service, request, api, method, max_request_bytes});
  const auto* b = binding.get();
  bindings->push_back(std::move(binding));
  cq_server->AddMethod([b](grpc::ServerCompletionQueue* cq) { Call::Post(b, cq); }, depth);
}

}  // namespace etcd::api
