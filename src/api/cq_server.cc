#include "api/cq_server.h"

#include <pthread.h>

#include <algorithm>

namespace etcd::api {

CqServer::~CqServer() { Shutdown(); }

int CqServer::DefaultThreads() {
  const unsigned n = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(n, 1u, 4u));
}

void CqServer::AddQueues(grpc::ServerBuilder* builder, int threads) {
  for (int i = 0; i < std::max(threads, 1); ++i) queues_.push_back(builder->AddCompletionQueue());
}

void CqServer::AddMethod(std::function<void(grpc::ServerCompletionQueue*)> post, int depth) {
  methods_.push_back(Method{std::move(post), depth});
}

void CqServer::Start() {
  if (started_) return;
  started_ = true;
  for (auto& q : queues_) {
    for (const Method& m : methods_) {
      for (int i = 0; i < m.depth; ++i) m.post(q.get());
    }
  }
  for (auto& q : queues_) {
    grpc::ServerCompletionQueue* cq = q.get();
    threads_.emplace_back([cq] {
      pthread_setname_np(pthread_self(), "grpc-cq");
      void* tag = nullptr;
      bool ok = false;
      while (cq->Next(&tag, &ok)) static_cast<CqEvent*>(tag)->OnEvent(ok);
    });
  }
}

void CqServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (auto& q : queues_) q->Shutdown();
  if (!started_) {
    // Nothing was posted; drain whatever gRPC queued (nothing) so destruction is legal.
    for (auto& q : queues_) {
      void* tag = nullptr;
      bool ok = false;
      while (q->Next(&tag, &ok)) static_cast<CqEvent*>(tag)->OnEvent(ok);
    }
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace etcd::api
