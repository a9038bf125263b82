// The inbox of one h2 front worker (api/h2_front.h): new connections, native calls'
// answers and commands, posted from any thread and taken by the worker's loop.
//
// Shared (shared_ptr) with every Done callback the worker handed out, which may
// outlive the worker: after Close, posts are dropped (a posted connection is closed).
// Posts from the worker's own thread (a Done called synchronously inside the worker)
// skip the lock and the eventfd: they land in `local`, which the worker drains after
// each step. An answer posted from another thread while the worker waits in
// epoll_wait is handled at once by the posting thread (SetDirect), saving the wake-up.
//
// Thread safety: Post and Wake from any thread; BindToThisThread, Drain, Close, local
// and SetDirect from the worker thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace etcd::api {

// Work for a worker.
struct H2Item {
  enum class Kind { kConn, kAnswer, kGoaway, kStop };
  Kind kind = Kind::kAnswer;
  int fd = -1;            // kConn: the accepted socket (owned)
  uint64_t conn_id = 0;   // kAnswer
  int32_t stream_id = 0;  // kAnswer
  absl::Status status;    // kAnswer: the call's error, or OK with body
  std::string body;       // kAnswer: the framed answer (5-byte prefix + message)
};

class H2Mailbox {
 public:
  H2Mailbox();
  ~H2Mailbox();
  H2Mailbox(const H2Mailbox&) = delete;
  H2Mailbox& operator=(const H2Mailbox&) = delete;

  // The eventfd the worker polls (readable when items wait); -1 if it could not be made.
  int fd() const { return efd_; }

  // Marks the calling thread as this mailbox's worker: its posts go to `local`.
  void BindToThisThread();

  void Post(H2Item item);
  // Makes the worker's poll return (the eventfd becomes readable).
  void Wake();

  // An answer posted from another thread while the worker does not hold `run_mu` (it
  // waits in epoll_wait) is handled by the posting thread, with `run_mu` held, by
  // fn(ctx, item); what that handling posts in turn goes to `local`. Set and cleared by
  // the worker with `run_mu` held; Close clears it.
  void SetDirect(absl::Mutex* run_mu, void (*fn)(void*, H2Item), void* ctx);

  // Takes the posted items (and resets the eventfd).
  void Drain(std::vector<H2Item>* out);

  // Drops what is queued (closing posted connections); later posts are dropped.
  void Close();

  std::vector<H2Item> local;  // worker thread only

 private:
  const int efd_;
  absl::Mutex mu_;
  std::vector<H2Item> items_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex* run_mu_ ABSL_GUARDED_BY(mu_) = nullptr;
  void (*direct_)(void*, H2Item) ABSL_GUARDED_BY(mu_) = nullptr;
  void* direct_ctx_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace etcd::api
