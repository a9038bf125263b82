#include "api/serial_executor.h"

namespace etcd::api {

std::shared_ptr<SerialExecutor> SerialExecutor::Start() {
  std::shared_ptr<SerialExecutor> e(new SerialExecutor());
  e->thread_ = std::thread([p = e.get()] { p->Loop(); });
  return e;
}

SerialExecutor::~SerialExecutor() { Shutdown(); }

bool SerialExecutor::Post(std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return false;
  tasks_.push_back(std::move(task));
  return true;
}

void SerialExecutor::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  if (!thread_.joinable()) return;
  if (InExecutorThread()) {
    thread_.detach();  // only if the owner never called Shutdown (see the header)
  } else {
    thread_.join();
  }
}

void SerialExecutor::Loop() {
  for (;;) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !tasks_.empty(); };
      mu_.Await(absl::Condition(&ready));
      if (tasks_.empty()) return;  // stopping and drained
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace etcd::api
