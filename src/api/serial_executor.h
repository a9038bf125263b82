// One thread running posted tasks in order: the Lock and Election services run every
// step of their state machines here, so no step runs on a gRPC thread or on a server
// thread (ServerApi's `done` callbacks must not call back into the server), and the
// steps of all operations are serialized (no lock needed inside an operation).
//
// Shared by shared_ptr: server callbacks that arrive after Shutdown() find a stopped
// executor and their task is dropped (the server fails its pending waits during Stop,
// after the client port and these services are gone).
//
// Thread safety: Post from any thread; Shutdown from the owner, once.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <thread>

#include "absl/synchronization/mutex.h"

namespace etcd::api {

class SerialExecutor {
 public:
  static std::shared_ptr<SerialExecutor> Start();
  ~SerialExecutor();
  SerialExecutor(const SerialExecutor&) = delete;
  SerialExecutor& operator=(const SerialExecutor&) = delete;

  // Queues `task`; false (task dropped) after Shutdown.
  bool Post(std::function<void()> task);
  // Runs what is queued, then stops the thread. Idempotent. REQUIRES: not called from
  // the executor's own thread.
  void Shutdown();
  bool InExecutorThread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  SerialExecutor() = default;
  void Loop();

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace etcd::api
